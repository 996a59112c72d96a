"""notices of the month's rhythm (a reception duty, a review overdue) concern no issue

Revision ID: notify_0003
Revises: notify_0002
"""
import sqlalchemy as sa
from alembic import op

revision = 'notify_0003'
down_revision = 'notify_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('issue_id', existing_type=sa.String(length=36), nullable=True)


def downgrade():
    op.execute("DELETE FROM notifications WHERE issue_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('issue_id', existing_type=sa.String(length=36), nullable=False)
