"""面对面 hearings, and the hearing that handed each assignment over

Revision ID: departments_0005
Revises: departments_0004
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime

revision = 'departments_0005'
down_revision = 'departments_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hearings',
                    sa.Column('id', sa.String(length=36), nullable=False),
                    sa.Column('held_on', sa.Date(), nullable=False),
                    sa.Column('entries', sa.JSON(), nullable=False),
                    sa.Column('recorded_at', UtcDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hearing_id', sa.String(length=36), nullable=True))


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('hearing_id')
    op.drop_table('hearings')
