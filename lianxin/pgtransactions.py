"""PostgreSQL transactions that begin with their first statement, in one round trip.

psycopg2 opens a transaction by sending ``BEGIN`` alone and waiting for the answer
before it sends the first statement: a round trip of its own, at every transaction.
Here the connection runs in psycopg2's autocommit mode, and the first statement of
each SQLAlchemy transaction goes as ``BEGIN;`` and the statement, in one message (rows
sent many at once go a page of joined statements at a time, as psycopg2's
``execute_batch`` sends them, and the first page carries the ``BEGIN``); the dialect's
commit and rollback send ``COMMIT`` and ``ROLLBACK`` while the server holds
a transaction open. What a transaction means to SQLAlchemy and to the server is
unchanged: nothing runs outside one, and one that is not committed is rolled back.
"""
from psycopg2.extensions import TRANSACTION_STATUS_IDLE
from sqlalchemy import event
from sqlalchemy.engine.interfaces import ExecuteStyle


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
            cursor.execute(b"BEGIN;" + joined if begin and number == 0 else joined)

    dialect.do_executemany = _executemany
    dialect.do_commit = lambda dbapi_connection: _end(dbapi_connection, "COMMIT")
    dialect.do_rollback = lambda dbapi_connection: _end(dbapi_connection, "ROLLBACK")


def _begins(connection, cursor):
    """Must the statement about to go open the server's transaction? SQLAlchemy holds
    one open on ``connection`` and the server does not yet."""
    return connection.in_transaction() and not _open(cursor.connection)


def _pages(rows, size):
    """``rows`` in lists of ``size`` (the dialect's page size; 100 as psycopg2's own)."""
    rows, size = list(rows), size or 100
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _open(connection):
    """Does the server hold a transaction open on this connection (failed or not)?
    ``connection`` is psycopg2's, or the pool's wrapper of it."""
    raw = getattr(connection, "dbapi_connection", connection)
    return raw.info.transaction_status != TRANSACTION_STATUS_IDLE


def _end(dbapi_connection, command):
    """``COMMIT`` or ``ROLLBACK`` the server's open transaction, if one is open."""
    if not _open(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(command)
    finally:
        cursor.close()
