"""PostgreSQL transactions that begin with their first statement, and end with their
last writes, in one round trip each.

psycopg2 opens a transaction by sending ``BEGIN`` alone and waiting for the answer
before it sends the first statement: a round trip of its own, at every transaction.
Here the connection runs in psycopg2's autocommit mode, and the first statement of
each SQLAlchemy transaction goes as ``BEGIN;`` and the statement, in one message (rows
sent many at once go a page of joined statements at a time, as psycopg2's
``execute_batch`` sends them, and the first page carries the ``BEGIN``); the dialect's
commit and rollback send ``COMMIT`` and ``ROLLBACK`` while the server holds
a transaction open. What a transaction means to SQLAlchemy and to the server is
unchanged: nothing runs outside one, and one that is not committed is rolled back.

Statements run while a connection is ``holding`` (the rows a unit of work writes as it
commits, which nothing reads back: ``lianxin.db.Unit``) are not sent at once: they go
with the connection's next statement, or with its ``COMMIT``, in one message. One that
fails fails there, and the transaction with it, as it would have alone; a ``ROLLBACK``
drops what is held.
"""
from contextlib import contextmanager

from psycopg2.extensions import TRANSACTION_STATUS_IDLE
from psycopg2.extensions import connection as Psycopg2Connection
from sqlalchemy import event
from sqlalchemy.engine.interfaces import ExecuteStyle


class HoldingConnection(Psycopg2Connection):
    """psycopg2's connection, with the statements it holds back (``holding``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held = []           # statements, as sent, waiting for the next one
        self.holding = False


@contextmanager
def holding(connection):
    """Statements ``connection`` (SQLAlchemy's) runs meanwhile go with its next one or
    its commit; on a connection of any other kind, at once as ever."""
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, HoldingConnection):
        yield
        return
    raw.holding = True
    try:
        yield
    finally:
        raw.holding = False


def begin_with_first_statement(engine):
    """Make ``engine`` (psycopg2) send each transaction's ``BEGIN`` with its first
    statement (see the module docstring)."""
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection, _record):
        dbapi_connection.rollback()       # what SQLAlchemy asked as it connected
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _begin(connection, cursor, statement, parameters, context, executemany):
        if not _begins(connection, cursor) or \
                (executemany and context.execute_style is ExecuteStyle.EXECUTEMANY):
            return statement, parameters   # the latter begins with its first page, below
        return "BEGIN;" + statement, parameters    # one statement (or many rows' INSERT)

    def _executemany(cursor, statement, parameters, context=None):
        """psycopg2's ``execute_batch``: the rows' statements joined a page at a time;
        the first page also carries the transaction's BEGIN when it has to."""
        begin = context is not None and _begins(context.root_connection, cursor)
        for number, page in enumerate(_pages(parameters, dialect.executemany_batch_page_size)):
            joined = b";".join(cursor.mogrify(statement, row) for row in page)
            _send(cursor, b"BEGIN;" + joined if begin and number == 0 else joined)

    def _execute(cursor, statement, parameters, context=None):
        _send(cursor, statement, parameters)

    dialect.do_executemany = _executemany
    dialect.do_execute = _execute
    dialect.do_execute_no_params = lambda cursor, statement, context=None: _send(cursor,
                                                                                 statement)
    dialect.do_commit = lambda dbapi_connection: _end(dbapi_connection, "COMMIT")
    dialect.do_rollback = lambda dbapi_connection: _end(dbapi_connection, "ROLLBACK")


def _begins(connection, cursor):
    """Must the statement about to go open the server's transaction? SQLAlchemy holds
    one open on ``connection`` and the server does not yet."""
    return connection.in_transaction() and not _open(cursor.connection) and \
        not getattr(cursor.connection, "held", None)    # the first of those carries it


def _pages(rows, size):
    """``rows`` in lists of ``size`` (the dialect's page size; 100 as psycopg2's own)."""
    rows, size = list(rows), size or 100
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _open(connection):
    """Does the server hold a transaction open on this connection (failed or not)?
    ``connection`` is psycopg2's, or the pool's wrapper of it."""
    return _raw(connection).info.transaction_status != TRANSACTION_STATUS_IDLE


def _raw(connection):
    """psycopg2's connection, whether given it or the pool's wrapper of it."""
    return getattr(connection, "dbapi_connection", connection)


def _send(cursor, statement, parameters=None):
    """Run ``statement``: held back while its connection is holding, otherwise sent
    with the statements held before it."""
    raw = cursor.connection
    held = getattr(raw, "held", None)
    if not held and not getattr(raw, "holding", False):
        cursor.execute(statement, parameters)
        return
    one = cursor.mogrify(statement, parameters) if parameters is not None else \
        statement.encode() if isinstance(statement, str) else statement
    if raw.holding:
        held.append(one)
        return
    raw.held = []
    cursor.execute(b";".join(held + [one]))


def _end(dbapi_connection, command):
    """``COMMIT`` the server's open transaction with the statements held for it, or
    ``ROLLBACK`` it and drop them; nothing when there is neither."""
    raw = _raw(dbapi_connection)
    held = getattr(raw, "held", None) or []
    if held:
        raw.held = []
    if command == "COMMIT" and held:
        statements = held + [b"COMMIT"]
    elif _open(dbapi_connection):
        statements = [command.encode()]
    else:
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(b";".join(statements))
    finally:
        cursor.close()
