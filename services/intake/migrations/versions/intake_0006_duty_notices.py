"""when the representatives on a reception-day roster were told of their duty

Revision ID: intake_0006
Revises: intake_0005
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime

revision = 'intake_0006'
down_revision = 'intake_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reception_duties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('noticed_at', UtcDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('reception_duties', schema=None) as batch_op:
        batch_op.drop_column('noticed_at')
