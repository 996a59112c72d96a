"""the grid system's reports by their own id, the signatures seen, the status changes
owed to the grid system, and its roster of grids and people

Revision ID: intake_0007
Revises: intake_0006
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime

revision = 'intake_0007'
down_revision = 'intake_0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grid_reports',
                    sa.Column('report_id', sa.String(length=64), nullable=False),
                    sa.Column('issue_id', sa.String(length=36), nullable=False),
                    sa.Column('grid_id', sa.String(length=64), nullable=False),
                    sa.Column('received_at', UtcDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('report_id'),
                    sa.UniqueConstraint('issue_id'))
    op.create_table('grid_signatures',
                    sa.Column('signature', sa.String(length=64), nullable=False),
                    sa.Column('seen_at', UtcDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('signature'))
    with op.batch_alter_table('grid_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_signatures_seen_at'), ['seen_at'], unique=False)
    op.create_table('grid_deliveries',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('issue_id', sa.String(length=36), nullable=False),
                    sa.Column('seq', sa.Integer(), nullable=False),
                    sa.Column('payload', sa.JSON(), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('attempts', sa.Integer(), nullable=False),
                    sa.Column('last_error', sa.Text(), nullable=True),
                    sa.Column('created_at', UtcDateTime(), nullable=False),
                    sa.Column('next_attempt_at', UtcDateTime(), nullable=False),
                    sa.Column('sent_at', UtcDateTime(), nullable=True),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('issue_id', 'seq'))
    with op.batch_alter_table('grid_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_deliveries_issue_id'), ['issue_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_grid_deliveries_status'), ['status'], unique=False)

    op.create_table('grids',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('name', sa.String(length=100), nullable=False),
                    sa.Column('village_code', sa.String(length=32), nullable=False),
                    sa.Column('households', sa.Integer(), nullable=True),
                    sa.Column('updated_at', UtcDateTime(), nullable=False),
                    sa.Column('removed_at', UtcDateTime(), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grids_village_code'), ['village_code'], unique=False)
    op.create_table('grid_people',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('name', sa.String(length=100), nullable=False),
                    sa.Column('phone', sa.String(length=32), nullable=False),
                    sa.Column('line', sa.String(length=16), nullable=False),
                    sa.Column('role', sa.String(length=8), nullable=False),
                    sa.Column('grid_id', sa.String(length=64), nullable=False),
                    sa.Column('representative_id', sa.String(length=32), nullable=True),
                    sa.Column('updated_at', UtcDateTime(), nullable=False),
                    sa.Column('removed_at', UtcDateTime(), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('grid_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_people_grid_id'), ['grid_id'], unique=False)


def downgrade():
    op.drop_table('grid_people')
    op.drop_table('grids')
    op.drop_table('grid_deliveries')
    op.drop_table('grid_signatures')
    op.drop_table('grid_reports')
