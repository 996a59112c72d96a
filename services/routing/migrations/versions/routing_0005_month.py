"""the month: frozen ledgers, and the agenda a meeting decided

Revision ID: routing_0005
Revises: routing_0004
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime

revision = 'routing_0005'
down_revision = 'routing_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_months',
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('frozen_at', UtcDateTime(), nullable=False),
                    sa.Column('frozen_by', sa.String(length=64), nullable=False),
                    sa.Column('content_hash', sa.String(length=64), nullable=False),
                    sa.Column('summary', sa.JSON(), nullable=False),
                    sa.Column('items', sa.JSON(), nullable=False),
                    sa.PrimaryKeyConstraint('month'))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda', sa.String(length=7), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('agenda')
    op.drop_table('ledger_months')
