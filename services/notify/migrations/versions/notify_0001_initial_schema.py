"""initial schema

Revision ID: notify_0001
Revises: 
Create Date: 2026-11-27 10:12:47.737086
"""
import sqlalchemy as sa
from alembic import op

import lianxin.db
from lianxin.alembic_env import create_messaging_tables, drop_messaging_tables

revision = 'notify_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables()
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('recipient_kind', sa.String(length=16), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', lianxin.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'recipient_kind', 'recipient_id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_event_type'), ['event_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_status'), ['status'], unique=False)

    op.create_table('preferences',
    sa.Column('recipient_kind', sa.String(length=16), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('recipient_kind', 'recipient_id')
    )


def downgrade():
    drop_messaging_tables()
    op.drop_table('preferences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_status'))
        batch_op.drop_index(batch_op.f('ix_notifications_issue_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_event_type'))

    op.drop_table('notifications')
