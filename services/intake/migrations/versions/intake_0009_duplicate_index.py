"""an index for the earlier submission of the same phone, village and category

Revision ID: intake_0009
Revises: intake_0008
"""
from alembic import op

revision = 'intake_0009'
down_revision = 'intake_0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_issues_duplicate', 'issues', ['voter_phone', 'village_code', 'category'])


def downgrade():
    op.drop_index('ix_issues_duplicate', table_name='issues')
