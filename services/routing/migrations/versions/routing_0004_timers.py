"""time limits: timers, an issue's returns and its overdue state

Revision ID: routing_0004
Revises: routing_0003
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime
from lianxin.messaging_schema import add_timers, drop_timers

revision = 'routing_0004'
down_revision = 'routing_0003'
branch_labels = None
depends_on = None


def upgrade():
    add_timers()
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returns', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('overdue_since', UtcDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('overdue_since')
        batch_op.drop_column('returns')
    drop_timers()
