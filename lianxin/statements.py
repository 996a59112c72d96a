"""Statements a hot path runs for every event, built once.

SQLAlchemy keys its cache of compiled statements by a key it works out for each
statement object; one object reused keeps that key, so running it costs no building
and no keying, only the execution."""
import functools

from sqlalchemy import bindparam


@functools.cache
def inserting(table):
    """``table``'s INSERT; its values come as parameters, and nothing comes back (no
    implicit ``RETURNING`` of the new key), so on PostgreSQL it can go with the
    transaction's next statement (``lianxin.pgtransactions.holding``)."""
    return table.insert().inline()


@functools.cache
def updating(table, key):
    """``table``'s UPDATE of the row whose column ``key`` equals the parameter ``row``;
    the SET clause is the columns the other parameters name."""
    return table.update().where(table.c[key] == bindparam("row"))
