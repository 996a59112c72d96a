"""a receipt's access code (its digest), likely duplicates, who took feedback

Revision ID: intake_0003
Revises: intake_0002
"""
import sqlalchemy as sa
from alembic import op

revision = 'intake_0003'
down_revision = 'intake_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_code_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('possible_duplicate_of', sa.String(length=36),
                                      nullable=True))
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('taken_by', sa.String(length=64), nullable=False,
                                      server_default='voter'))


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('taken_by')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('possible_duplicate_of')
        batch_op.drop_column('access_code_digest')
