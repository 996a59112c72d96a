"""On PostgreSQL a transaction's BEGIN goes with its first statement, and the statements
held back go with its next one or its COMMIT, in one round trip each; a transaction is
still all or nothing."""
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, insert, text
from sqlalchemy.exc import IntegrityError

from lianxin.db import make_engine
from lianxin.pgtransactions import holding
from tests.support import databases, wire

pytestmark = pytest.mark.skipif(databases.BACKEND != "postgresql",
                                reason="SQLite's transactions cost no round trip")


@pytest.fixture
def engine(database_url):
    made = make_engine(database_url("intake"))
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE begins (x int PRIMARY KEY)"))
    sent = made.sent = []
    made.wire = []
    event.listen(made, "after_cursor_execute",
                 lambda _c, _cursor, statement, *_: sent.append(statement))
    event.listen(made, "after_cursor_execute",      # what psycopg2 sent last, as sent
                 lambda _c, cursor, *_: made.wire.append(cursor.query))
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


def test_rows_sent_many_at_once_first_carry_the_begin_on_their_first_page(engine):
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO begins VALUES (:x)"), [{"x": 1}, {"x": 2}])
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO begins VALUES (:x)"),
                           [{"x": x} for x in range(3, 253)])           # three pages
    assert engine.wire[0] == (b"BEGIN;INSERT INTO begins VALUES (1);"
                              b"INSERT INTO begins VALUES (2)")
    assert not engine.wire[1].startswith(b"BEGIN")                      # the last page
    assert stored(engine) == list(range(1, 253))


def test_a_many_row_insert_that_begins_a_transaction_carries_its_begin(engine):
    table = Table("begins", MetaData(), Column("x", Integer, primary_key=True))
    with engine.begin() as connection:
        connection.execute(insert(table), [{"x": 1}, {"x": 2}])
    assert engine.wire[0].startswith(b"BEGIN;INSERT INTO begins (x) VALUES (1), (2)")
    assert stored(engine) == [1, 2]


@pytest.fixture
def messages(engine):
    return wire.messages(engine)


def test_statements_held_go_with_the_commit_in_one_message(engine, messages):
    with engine.begin() as connection, holding(connection):
        connection.execute(text("INSERT INTO begins VALUES (1)"))
        connection.execute(text("INSERT INTO begins VALUES (:x)"), [{"x": 2}, {"x": 3}])
        assert messages == []
    assert messages == [b"BEGIN;INSERT INTO begins VALUES (1);INSERT INTO begins VALUES (2);"
                        b"INSERT INTO begins VALUES (3);COMMIT"]
    assert stored(engine) == [1, 2, 3]


def test_statements_held_go_with_the_next_statement_which_sees_them(engine, messages):
    with engine.begin() as connection:
        with holding(connection):
            connection.execute(text("INSERT INTO begins VALUES (1)"))
        counted = connection.execute(text("SELECT count(*) FROM begins")).scalar()
    assert counted == 1
    assert messages == [b"BEGIN;INSERT INTO begins VALUES (1);SELECT count(*) FROM begins",
                        b"COMMIT"]


def test_a_held_statement_that_fails_fails_the_commit_and_keeps_nothing(engine, messages):
    with pytest.raises(IntegrityError, match="duplicate key"), engine.begin() as connection:
        with holding(connection):
            connection.execute(text("INSERT INTO begins VALUES (1)"))
            connection.execute(text("INSERT INTO begins VALUES (1)"))
    assert messages[-1] == b"ROLLBACK"
    assert stored(engine) == []
    with engine.begin() as connection:           # the connection serves the next one
        connection.execute(text("INSERT INTO begins VALUES (2)"))
    assert stored(engine) == [2]


def test_a_transaction_rolled_back_drops_what_it_held_unsent(engine, messages):
    with engine.connect() as connection:
        with holding(connection):
            connection.execute(text("INSERT INTO begins VALUES (1)"))
        connection.rollback()
    assert messages == [] and stored(engine) == []
