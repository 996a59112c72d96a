"""when an issue was closed, for the window in which the voter may still reopen it

Revision ID: intake_0004
Revises: intake_0003
"""
from alembic import op
import sqlalchemy as sa

from lianxin.db import UtcDateTime

revision = 'intake_0004'
down_revision = 'intake_0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', UtcDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
