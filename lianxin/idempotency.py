"""``Idempotency-Key`` on every POST: a request sent twice (a double click, a retry
after a timeout) has its effect once, and the second gets the first's answer.

The key is claimed in the service's own database before the work runs (a row with no
answer yet), and the answer is stored after it; a second request with the same key
and caller gets the stored answer, or 409 while the first is still running, or 422
if its body differs. A request that failed with a 5xx gives its key back, so that a
retry can do the work.
"""
import hashlib

from sqlalchemy import Column, Integer, String, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from lianxin.errors import BadValue, NotAllowed

HEADER = "Idempotency-Key"


def add_table(base, datetime_type):
    """The table of keys on a service's declarative base."""
    class IdempotencyKey(base):
        __tablename__ = "idempotency_keys"
        key = Column(String(200), primary_key=True)
        scope = Column(String(64), primary_key=True)     # digest of caller, method, path
        request_digest = Column(String(64), nullable=False)
        status = Column(Integer)                         # None while the first is running
        response = Column(Text)
        created_at = Column(datetime_type(), nullable=False)
    return IdempotencyKey


def digest(*parts):
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()


def claim(db, key, scope, request_digest):
    """None when this request is the first with the key (go on), else the stored
    ``(status, body)``; ``NotAllowed`` while the first runs, ``BadValue`` for another body."""
    table = db.idempotency_keys
    try:
        with db.transaction(relay=False) as unit:
            unit.session.execute(insert(table).values(key=key, scope=scope,
                                                      request_digest=request_digest,
                                                      created_at=unit.now))
        return None
    except IntegrityError:
        pass
    with db.reading() as session:
        row = session.execute(select(table).where(table.c.key == key,
                                                  table.c.scope == scope)).one()
    if row.request_digest != request_digest:
        raise BadValue(f"{HEADER} {key!r} was used with another request",
                       {HEADER: ["already used with a different body"]})
    if row.status is None:
        raise NotAllowed(f"a request with {HEADER} {key!r} is still being handled",
                         {HEADER: ["in progress; retry later"]})
    return row.status, row.response


def record(db, key, scope, status, body):
    table = db.idempotency_keys
    with db.transaction(relay=False) as unit:
        if status >= 500:
            unit.session.execute(delete(table).where(table.c.key == key, table.c.scope == scope))
        else:
            unit.session.execute(update(table).where(table.c.key == key, table.c.scope == scope)
                                 .values(status=status, response=body))
