"""dead letters can be parked, replayed or discarded; outbox rows are leased by a relay; idempotency keys

Revision ID: intake_0002
Revises: intake_0001
"""
from lianxin.messaging_schema import add_parking_leases_and_keys, drop_parking_leases_and_keys

revision = 'intake_0002'
down_revision = 'intake_0001'
branch_labels = None
depends_on = None


def upgrade():
    add_parking_leases_and_keys()


def downgrade():
    drop_parking_leases_and_keys()
