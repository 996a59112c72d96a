"""time limits: timers, an assignment's overdue state, extensions

Assignments open when this runs have no timer: their time limits start with their next
step.

Revision ID: departments_0004
Revises: departments_0003
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime
from lianxin.messaging_schema import add_timers, drop_timers

revision = 'departments_0004'
down_revision = 'departments_0003'
branch_labels = None
depends_on = None


def upgrade():
    add_timers()
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_since', UtcDateTime(), nullable=True))
    op.create_table('extensions',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('assignment_id', sa.String(length=36), nullable=False),
                    sa.Column('days', sa.Integer(), nullable=False),
                    sa.Column('reason', sa.Text(), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('requested_at', UtcDateTime(), nullable=False),
                    sa.Column('decided_at', UtcDateTime(), nullable=True),
                    sa.Column('decision_note', sa.Text(), nullable=True),
                    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id']),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extensions_assignment_id'), ['assignment_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extensions_assignment_id'))
    op.drop_table('extensions')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('overdue_since')
    drop_timers()
