"""Changes to the tables shared by services (outbox, inbox, dead letters, timers):
each service's own revision of the same number calls the step here."""
import sqlalchemy as sa
from alembic import op

from lianxin.db import UtcDateTime


def add_parking_leases_and_keys():
    """Dead letters get a status (dead, parked, replayed, discarded) and a count of
    tries; outbox rows get a relay's lease; idempotency keys get their table."""
    op.create_table("idempotency_keys",
                    sa.Column("key", sa.String(length=200), nullable=False),
                    sa.Column("scope", sa.String(length=64), nullable=False),
                    sa.Column("request_digest", sa.String(length=64), nullable=False),
                    sa.Column("status", sa.Integer(), nullable=True),
                    sa.Column("response", sa.Text(), nullable=True),
                    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint("key", "scope"))
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


def drop_parking_leases_and_keys():
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_status"))
        for column in ("updated_at", "attempts", "status"):
            batch_op.drop_column(column)


def add_timers():
    """The table of time limits (``lianxin.timers``) of routing and departments."""
    op.create_table("timers",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("kind", sa.String(length=32), nullable=False),
                    sa.Column("subject_id", sa.String(length=36), nullable=False),
                    sa.Column("issue_id", sa.String(length=36), nullable=False),
                    sa.Column("holder", sa.String(length=64), nullable=False),
                    sa.Column("days", sa.Integer(), nullable=False),
                    sa.Column("started_at", UtcDateTime(timezone=True), nullable=False),
                    sa.Column("remind_at", UtcDateTime(timezone=True), nullable=True),
                    sa.Column("due_at", UtcDateTime(timezone=True), nullable=False),
                    sa.Column("provisional", sa.Boolean(), nullable=False),
                    sa.Column("state", sa.String(length=16), nullable=False),
                    sa.Column("fire_at", UtcDateTime(timezone=True), nullable=True),
                    sa.Column("fired_at", UtcDateTime(timezone=True), nullable=True),
                    sa.Column("closed_at", UtcDateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("timers", schema=None) as batch_op:
        for column in ("subject_id", "issue_id", "holder", "fire_at"):
            batch_op.create_index(batch_op.f(f"ix_timers_{column}"), [column], unique=False)


def drop_timers():
    op.drop_table("timers")
