"""The Alembic environment every service's ``migrations/env.py`` runs.

``Database.setup`` passes an open connection; the ``alembic`` command line (for
writing a new revision) gets its URL from ``-x url=...``.
"""
from alembic import context
from sqlalchemy import create_engine


def run(target_metadata):
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _upgrade(connection, target_metadata)
        return
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///var/alembic.db")
    with create_engine(url).connect() as connection:
        _upgrade(connection, target_metadata)
        connection.commit()


def _upgrade(connection, target_metadata):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
