"""Open311: what a submission by an Open311 client carried (client, location, media),
and the citizens' updates clients posted

Revision ID: intake_0007_open311
Revises: intake_0007
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime

revision = 'intake_0007_open311'
down_revision = 'intake_0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_requests',
                    sa.Column('issue_id', sa.String(length=36), nullable=False),
                    sa.Column('client_id', sa.String(length=64), nullable=False),
                    sa.Column('lat', sa.Float(), nullable=True),
                    sa.Column('long', sa.Float(), nullable=True),
                    sa.Column('address_string', sa.Text(), nullable=True),
                    sa.Column('address_id', sa.String(length=64), nullable=True),
                    sa.Column('media_urls', sa.JSON(), nullable=False),
                    sa.Column('photos', sa.Integer(), nullable=False),
                    sa.Column('received_at', UtcDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['issue_id'], ['issues.id']),
                    sa.PrimaryKeyConstraint('issue_id'))
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_requests_client_id'), ['client_id'],
                              unique=False)
    op.create_table('open311_updates',
                    sa.Column('timeline_id', sa.Integer(), nullable=False),
                    sa.Column('issue_id', sa.String(length=36), nullable=False),
                    sa.Column('client_id', sa.String(length=64), nullable=False),
                    sa.Column('external_id', sa.String(length=64), nullable=True),
                    sa.Column('received_at', UtcDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['issue_id'], ['issues.id']),
                    sa.ForeignKeyConstraint(['timeline_id'], ['timeline.id']),
                    sa.PrimaryKeyConstraint('timeline_id'),
                    sa.UniqueConstraint('client_id', 'external_id'))
    with op.batch_alter_table('open311_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_updates_issue_id'), ['issue_id'],
                              unique=False)


def downgrade():
    op.drop_table('open311_updates')
    op.drop_table('open311_requests')
