"""Statements a hot path runs for every event, built once.

SQLAlchemy keys its cache of compiled statements by a key it works out for each
statement object; one object reused keeps that key, so running it costs no building
and no keying, only the execution."""
import functools


@functools.cache
def inserting(table):
    """``table``'s INSERT; its values come as parameters."""
    return table.insert()
