"""representatives' visits (走访) and reception-day duties (公开接访日); the visit an
issue was raised at, and whether it was taken on a reception day

Revision ID: intake_0005
Revises: intake_0004
"""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime

revision = 'intake_0005'
down_revision = 'intake_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visits',
                    sa.Column('id', sa.String(length=36), nullable=False),
                    sa.Column('representative_id', sa.String(length=32), nullable=False),
                    sa.Column('village_code', sa.String(length=32), nullable=False),
                    sa.Column('visited_on', sa.Date(), nullable=False),
                    sa.Column('voters_met', sa.Integer(), nullable=False),
                    sa.Column('note', sa.Text(), nullable=True),
                    sa.Column('recorded_by', sa.String(length=64), nullable=False),
                    sa.Column('recorded_at', UtcDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_representative_id'), ['representative_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_visits_visited_on'), ['visited_on'], unique=False)
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('reception_day', sa.Boolean(), nullable=False,
                                      server_default='0'))
    op.create_table('reception_duties',
                    sa.Column('id', sa.String(length=36), nullable=False),
                    sa.Column('station_id', sa.String(length=64), nullable=False),
                    sa.Column('on', sa.Date(), nullable=False),
                    sa.Column('representative_id', sa.String(length=32), nullable=False),
                    sa.Column('recorded_at', UtcDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('reception_duties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_duties_on'), ['on'], unique=False)


def downgrade():
    op.drop_table('reception_duties')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('reception_day')
        batch_op.drop_column('visit_id')
    op.drop_table('visits')
