"""When handling a message fails, whose fault it was, and how long to wait.

A failure is *transient* when the world was at fault (the database refused or lost
the connection, a lock timed out, another service or the broker did not answer):
the same message will succeed later, so it is put back on its queue after a
back-off. Any other failure is about the message itself and would fail again: it
is kept as a dead letter. ``Retry`` is what a handler raises to have its message
put back unacknowledged.
"""
from __future__ import annotations

import socket
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from lianxin.errors import Unavailable

# SQLSTATE classes that say the server or the connection failed, not the statement:
# connection exceptions, transaction rollback (serialization, deadlock), insufficient
# resources, operator intervention (shutdown), system errors.
TRANSIENT_SQLSTATE = ("08", "40", "53", "57", "58")


class Retry(Exception):
    """Put this message back on its queue: it failed for a reason outside it."""


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says the world failed rather than the message."""
    if isinstance(exc, (Unavailable, PoolTimeout, DisconnectionError, ConnectionError,
                        socket.timeout, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        return sqlstate(exc.orig)[:2] in TRANSIENT_SQLSTATE
    module = type(exc).__module__ or ""
    return module.startswith(("kombu", "amqp")) or isinstance(exc, OSError)


def sqlstate(error: object) -> str:
    """The SQLSTATE a driver error carries ('' when it carries none)."""
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if code:
        return str(code)
    return ""


def backoff(attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds to wait before try ``attempt + 1``: doubling from ``base``, at most ``cap``."""
    return min(cap, base * 2 ** max(attempt - 1, 0))


@dataclass
class Attempts:
    """Transient failures per message id in this process, oldest forgotten first."""
    limit: int
    size: int = 10_000

    def __post_init__(self) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()
        self.retried = 0
        self.last_error: str | None = None

    def failed(self, key: str, error: str) -> int:
        """Count one more failure of ``key``; its number of failures so far."""
        count = self._counts.pop(key, 0) + 1
        self._counts[key] = count
        while len(self._counts) > self.size:
            self._counts.popitem(last=False)
        self.retried += 1
        self.last_error = error
        return count

    def forget(self, key: str) -> None:
        self._counts.pop(key, None)

    def exhausted(self, count: int) -> bool:
        return count > self.limit

    @property
    def waiting(self) -> int:
        """Messages whose last try failed and that are waiting for another."""
        return len(self._counts)
