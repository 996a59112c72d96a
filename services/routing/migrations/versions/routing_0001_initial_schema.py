"""initial schema

Revision ID: routing_0001
Revises: 
Create Date: 2026-11-27 10:12:45.672495
"""
import sqlalchemy as sa
from alembic import op

import lianxin.db
from lianxin.alembic_env import create_messaging_tables, drop_messaging_tables

revision = 'routing_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables()
    op.create_table('issues',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tracking_no', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('village_code', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('representative_id', sa.String(length=32), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('cooperating', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('received_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', lianxin.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issues_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_status'), ['status'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('decisions', sa.JSON(), nullable=False),
    sa.Column('recorded_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('occurred_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_steps_issue_id'), ['issue_id'], unique=False)



def downgrade():
    drop_messaging_tables()
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_steps_issue_id'))

    op.drop_table('steps')
    op.drop_table('meetings')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issues_status'))
        batch_op.drop_index(batch_op.f('ix_issues_station_id'))
        batch_op.drop_index(batch_op.f('ix_issues_received_at'))

    op.drop_table('issues')
