"""what the voter wrote travels with the issue (never the voter's name, phone or ID);
a likely duplicate is flagged

Revision ID: routing_0003
Revises: routing_0002
"""
import sqlalchemy as sa
from alembic import op

revision = 'routing_0003'
down_revision = 'routing_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('possible_duplicate_of', sa.String(length=36),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('possible_duplicate_of')
        batch_op.drop_column('description')
