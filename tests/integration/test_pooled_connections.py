"""A pooled PostgreSQL connection the server dropped while it sat unused is replaced
before use, not handed to the work (the test once spent at every checkout is gone)."""
import pytest
from sqlalchemy import text

from lianxin import db
from lianxin.db import make_engine
from tests.support import databases

pytestmark = pytest.mark.skipif(databases.BACKEND != "postgresql",
                                reason="SQLite's connection is a file, never dropped")


def backend_pid(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_use(
        database_url, monkeypatch):
    monkeypatch.setattr(db, "IDLE_TEST_SECONDS", 0.0)
    engine = make_engine(database_url("intake"))
    dropped = backend_pid(engine)                    # checked in: idle in the pool
    with make_engine(database_url("intake")).connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}).scalar()
    assert backend_pid(engine) != dropped           # a new connection, and no error


def test_a_connection_used_a_moment_ago_is_not_tested_again(database_url, monkeypatch):
    monkeypatch.setattr(db, "IDLE_TEST_SECONDS", 3600.0)
    engine = make_engine(database_url("intake"))
    dropped = backend_pid(engine)
    with make_engine(database_url("intake")).connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    with pytest.raises(Exception, match="terminat|closed|connection"):
        backend_pid(engine)                          # no round trip spent before the work
