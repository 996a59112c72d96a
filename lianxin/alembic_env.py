"""The Alembic environment every service's ``migrations/env.py`` runs.

``Database.setup`` passes an open connection; the ``alembic`` command line (for
writing a new revision) gets its URL from ``-x url=...``.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, MetaData, create_engine


def run(target_metadata: MetaData) -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _upgrade(connection, target_metadata)
        return
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///var/alembic.db")
    with create_engine(url).connect() as connection:
        _upgrade(connection, target_metadata)
        connection.commit()


def _upgrade(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def create_messaging_tables() -> None:
    """The outbox, inbox and dead-letter tables every service's first revision creates."""
    import sqlalchemy as sa
    from alembic import op

    from lianxin.db import UtcDateTime
    op.create_table("dead_letters",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("event_type", sa.String(length=64), nullable=False),
                    sa.Column("payload", sa.Text(), nullable=False),
                    sa.Column("error", sa.Text(), nullable=False),
                    sa.Column("received_at", UtcDateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    op.create_table("inbox",
                    sa.Column("event_id", sa.String(length=36), nullable=False),
                    sa.Column("event_type", sa.String(length=64), nullable=False),
                    sa.Column("received_at", UtcDateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint("event_id"))
    op.create_table("outbox",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("event_id", sa.String(length=36), nullable=False),
                    sa.Column("event_type", sa.String(length=64), nullable=False),
                    sa.Column("payload", sa.JSON(), nullable=False),
                    sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
                    sa.Column("sent_at", UtcDateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint("id"),
                    sa.UniqueConstraint("event_id"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"], unique=False)


def drop_messaging_tables() -> None:
    from alembic import op
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at"))
    for table in ("outbox", "inbox", "dead_letters"):
        op.drop_table(table)
