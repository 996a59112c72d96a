"""a grid report's grid and reporting member, told of each step like a representative

Revision ID: routing_0007
Revises: routing_0006
"""
import sqlalchemy as sa
from alembic import op

revision = 'routing_0007'
down_revision = 'routing_0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('grid_member_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('grid_member_id')
        batch_op.drop_column('grid_id')
