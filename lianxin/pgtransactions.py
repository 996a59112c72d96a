"""PostgreSQL transactions that begin with their first statement, in one round trip.

psycopg2 opens a transaction by sending ``BEGIN`` alone and waiting for the answer
before it sends the first statement: a round trip of its own, at every transaction.
Here the connection runs in psycopg2's autocommit mode, and the first statement of
each SQLAlchemy transaction goes as ``BEGIN;`` and the statement, in one message; the
dialect's commit and rollback send ``COMMIT`` and ``ROLLBACK`` while the server holds
a transaction open. What a transaction means to SQLAlchemy and to the server is
unchanged: nothing runs outside one, and one that is not committed is rolled back.
"""
from psycopg2.extensions import TRANSACTION_STATUS_IDLE
from sqlalchemy import event


def begin_with_first_statement(engine):
    """Make ``engine`` (psycopg2) send each transaction's ``BEGIN`` with its first
    statement (see the module docstring)."""
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection, _record):
        dbapi_connection.rollback()       # what SQLAlchemy asked as it connected
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _begin(connection, cursor, statement, parameters, _context, executemany):
        if not connection.in_transaction() or _open(cursor.connection):
            return statement, parameters
        if executemany:          # sent a page at a time: BEGIN goes first, on its own
            cursor.execute("BEGIN")
            return statement, parameters
        return "BEGIN;" + statement, parameters

    dialect.do_commit = lambda dbapi_connection: _end(dbapi_connection, "COMMIT")
    dialect.do_rollback = lambda dbapi_connection: _end(dbapi_connection, "ROLLBACK")


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
