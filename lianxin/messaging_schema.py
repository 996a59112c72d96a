"""Changes to the outbox, inbox and dead-letter tables, which every service has:
each service's own revision of the same number calls the step here."""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime


def add_parking_and_leases():
    """Dead letters get a status (dead, parked, replayed, discarded) and a count of
    tries; outbox rows get a relay's lease."""
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                      server_default="dead"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("updated_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_dead_letters_status"), ["status"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", UtcDateTime(timezone=True), nullable=True))


def drop_parking_and_leases():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_status"))
        for column in ("updated_at", "attempts", "status"):
            batch_op.drop_column(column)
