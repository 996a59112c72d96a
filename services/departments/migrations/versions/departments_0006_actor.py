"""who took a step, when a front end acts on a named user's behalf

Revision ID: departments_0006
Revises: departments_0005
"""
import sqlalchemy as sa
from alembic import op

revision = 'departments_0006'
down_revision = 'departments_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('assignment_steps', schema=None) as batch_op:
        batch_op.drop_column('actor')
