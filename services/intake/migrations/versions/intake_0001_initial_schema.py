"""initial schema

Revision ID: intake_0001
Revises: 
Create Date: 2026-11-27 10:12:44.635485
"""
import sqlalchemy as sa
from alembic import op

import lianxin.db
from lianxin.alembic_env import create_messaging_tables, drop_messaging_tables

revision = 'intake_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables()
    op.create_table('issues',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tracking_no', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('village_code', sa.String(length=32), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=True),
    sa.Column('representative_id', sa.String(length=32), nullable=True),
    sa.Column('grid_id', sa.String(length=64), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('voter_name', sa.String(length=100), nullable=False),
    sa.Column('voter_phone', sa.String(length=32), nullable=False),
    sa.Column('voter_id_number', sa.String(length=32), nullable=True),
    sa.Column('voter_email', sa.String(length=200), nullable=True),
    sa.Column('submitted_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('current_station_id', sa.String(length=64), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('feedback_pending', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('id'),
    sa.UniqueConstraint('tracking_no')
    )
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.String(length=36), nullable=False),
    sa.Column('rating', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('given_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_issue_id'), ['issue_id'], unique=False)

    op.create_table('timeline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('tier', sa.String(length=16), nullable=True),
    sa.Column('station_id', sa.String(length=64), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('occurred_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timeline_issue_id'), ['issue_id'], unique=False)



def downgrade():
    drop_messaging_tables()
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timeline_issue_id'))

    op.drop_table('timeline')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_issue_id'))

    op.drop_table('feedback')
    op.drop_table('issues')
