"""the month: frozen ledgers, the agenda a meeting decided, stations' monthly reviews,
allocations from the emergency pool

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
    op.create_table('reviews',
                    sa.Column('id', sa.String(length=36), nullable=False),
                    sa.Column('station_id', sa.String(length=64), nullable=False),
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('held_on', sa.Date(), nullable=False),
                    sa.Column('decisions', sa.JSON(), nullable=False),
                    sa.Column('recorded_at', UtcDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_station_id'), ['station_id'], unique=False)
    op.create_table('fund_allocations',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('issue_id', sa.String(length=36), nullable=False),
                    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
                    sa.Column('source_department', sa.String(length=32), nullable=False),
                    sa.Column('allocated_on', sa.Date(), nullable=False),
                    sa.Column('spent', sa.Numeric(precision=14, scale=2), nullable=False),
                    sa.Column('note', sa.Text(), nullable=True),
                    sa.Column('recorded_at', UtcDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['issue_id'], ['issues.id']),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('fund_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_allocations_issue_id'), ['issue_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_fund_allocations_allocated_on'), ['allocated_on'],
                              unique=False)


def downgrade():
    op.drop_table('fund_allocations')
    op.drop_table('reviews')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('agenda')
    op.drop_table('ledger_months')
