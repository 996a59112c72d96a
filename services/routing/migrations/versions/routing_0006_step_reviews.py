"""the station's monthly review a step was decided at

Revision ID: routing_0006
Revises: routing_0005
"""
import sqlalchemy as sa
from alembic import op

revision = 'routing_0006'
down_revision = 'routing_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_id', sa.String(length=36), nullable=True))


def downgrade():
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.drop_column('review_id')
