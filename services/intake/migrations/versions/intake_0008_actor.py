"""who took a step, when a front end acts on a named user's behalf

Revision ID: intake_0008
Revises: intake_0007_open311
"""
import sqlalchemy as sa
from alembic import op

revision = 'intake_0008'
down_revision = 'intake_0007_open311'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.drop_column('actor')
