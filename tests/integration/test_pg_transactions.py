"""On PostgreSQL a transaction's BEGIN goes with its first statement, in one round trip,
and a transaction is still all or nothing."""
import pytest
from sqlalchemy import event, text

from lianxin.db import make_engine
from tests.support import databases

pytestmark = pytest.mark.skipif(databases.BACKEND != "postgresql",
                                reason="SQLite's transactions cost no round trip")


@pytest.fixture
def engine(database_url):
    made = make_engine(database_url("intake"))
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE begins (x int PRIMARY KEY)"))
    sent = made.sent = []
    event.listen(made, "after_cursor_execute",
                 lambda _c, _cursor, statement, *_: sent.append(statement))
    yield made
    made.dispose()


def stored(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT x FROM begins ORDER BY x")).scalars().all()


def test_a_transaction_begins_with_its_first_statement_and_commits_all(engine):
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO begins VALUES (1)"))
        connection.execute(text("INSERT INTO begins VALUES (:x)"), [{"x": 2}, {"x": 3}])
    assert engine.sent == ["BEGIN;INSERT INTO begins VALUES (1)",
                           "INSERT INTO begins VALUES (%(x)s)"]
    assert stored(engine) == [1, 2, 3]


def test_a_transaction_that_fails_or_is_rolled_back_leaves_nothing(engine):
    with pytest.raises(Exception, match="duplicate key"), engine.begin() as connection:
        connection.execute(text("INSERT INTO begins VALUES (1)"))
        connection.execute(text("INSERT INTO begins VALUES (1)"))
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO begins VALUES (2)"))
        connection.rollback()
    with engine.connect() as connection:     # not committed: rolled back as it is returned
        connection.execute(text("INSERT INTO begins VALUES (3)"))
    assert stored(engine) == []


def test_a_transaction_whose_first_statements_go_many_at_once_begins_first(engine):
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO begins VALUES (:x)"), [{"x": 1}, {"x": 2}])
        counted = connection.execute(text("SELECT count(*) FROM begins")).scalar()
        connection.rollback()
    assert counted == 2 and stored(engine) == []
