"""dead letters can be parked, replayed or discarded; outbox rows are leased by a relay

Revision ID: routing_0002
Revises: routing_0001
"""
from lianxin.messaging_schema import add_parking_and_leases, drop_parking_and_leases

revision = 'routing_0002'
down_revision = 'routing_0001'
branch_labels = None
depends_on = None


def upgrade():
    add_parking_and_leases()


def downgrade():
    drop_parking_and_leases()
