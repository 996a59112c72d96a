"""what the voter wrote travels with the issue (never the voter's name, phone or ID)

Revision ID: departments_0003
Revises: departments_0002
"""
import sqlalchemy as sa
from alembic import op

revision = 'departments_0003'
down_revision = 'departments_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('description')
