"""Fresh databases for tests: SQLite files, or PostgreSQL databases on the local server."""
import os
import uuid

import pytest

BACKEND = os.environ.get("LIANXIN_TEST_BACKEND", "sqlite")
CREATED = []
PG_SERVER = os.environ.get("LIANXIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def fresh(service, tmp_path):
    if BACKEND == "sqlite":
        return f"sqlite:///{tmp_path}/{service}-{uuid.uuid4().hex[:6]}.db"
    if BACKEND == "postgresql":
        name = f"lianxin_test_{service}_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{name}"')
        CREATED.append(name)
        return f"{PG_SERVER}/{name}"
    raise ValueError(f"LIANXIN_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")


def _admin(statement):
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(PG_SERVER + "/postgres")
    try:
        connection = psycopg2.connect(user=url.username or "postgres", host=url.host,
                                      port=url.port or 5432, dbname="postgres",
                                      password=url.password, connect_timeout=5)
    except Exception as exc:
        pytest.fail(f"PostgreSQL does not answer at {PG_SERVER} ({exc})", pytrace=False)
    connection.autocommit = True
    try:
        connection.cursor().execute(statement)
    finally:
        connection.close()


def drop_created():
    """Drop the PostgreSQL databases this session made."""
    while CREATED:
        _admin(f'DROP DATABASE IF EXISTS "{CREATED.pop()}" WITH (FORCE)')


def query(url, sql):
    """Rows of ``sql`` run on the service database at ``url``."""
    from sqlalchemy import text

    from lianxin.db import make_engine
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).all()
    finally:
        engine.dispose()


def waiting_on_a_lock(engine):
    """Whether a transaction on ``engine``'s PostgreSQL database waits on a lock now."""
    from sqlalchemy import text
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()")).scalar() > 0
