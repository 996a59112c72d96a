"""initial schema

Revision ID: departments_0001
Revises: 
Create Date: 2026-11-27 10:12:46.700806
"""
import sqlalchemy as sa
from alembic import op

import lianxin.db
from lianxin.alembic_env import create_messaging_tables, drop_messaging_tables

revision = 'departments_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables()
    op.create_table('assignments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('issue_id', sa.String(length=36), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('lead', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('tracking_no', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('brief', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_issue_id'), ['issue_id'], unique=False)

    op.create_table('assignment_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('occurred_at', lianxin.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assignment_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_steps_assignment_id'), ['assignment_id'], unique=False)



def downgrade():
    drop_messaging_tables()
    with op.batch_alter_table('assignment_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_steps_assignment_id'))

    op.drop_table('assignment_steps')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_issue_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_department'))

    op.drop_table('assignments')
