"""Writes nothing waits on, done in the next transaction the process commits anyway.

Marking events sent once the broker has confirmed them (``lianxin.outbox``) and
recording what became of the messages notify sent are small writes no reader waits
for. In a transaction of their own they cost, at a quiet hour, as much as the work of
the message that led to them. ``Soon`` keeps them: the next transaction this process
commits (``Database.transaction``) does them just before it commits, and if none does
within ``DELAY`` seconds, one of their own does.

A transaction that rolls back gives back what it took, for the next one. What waits
is lost only if the process dies first, which each of these writes already allows
for: an event not marked sent is published again once its lease runs out (inboxes
ignore the repeat); a message left 'sending' is released and sent again.
"""
import logging
from collections.abc import Callable, Sequence
from typing import Any

import eventlet

log = logging.getLogger(__name__)
DELAY = 0.05       # seconds: the longest a write waits for a transaction to ride with

Work = Callable[[Any, Sequence[Any]], None]   # work(unit, items)


class Soon:
    """``add(work, item)``: ``work(unit, [item, ...])`` soon, with the other items
    added for it meanwhile, in the transaction of the ``unit`` that takes them."""

    def __init__(self, transaction: Callable[[], Any]):
        self._transaction = transaction   # a transaction of its own: a context manager
        self._waiting: dict[Work, list[Any]] = {}
        self._timed = False

    def add(self, work: Work, item: Any) -> None:
        self._waiting.setdefault(work, []).append(item)
        if not self._timed:
            self._timed = True
            eventlet.spawn_after(DELAY, self._on_time)

    def __bool__(self) -> bool:
        return bool(self._waiting)

    def take(self) -> dict[Work, list[Any]]:
        """Everything waiting, now the caller's to do (``do``) or give back."""
        taken, self._waiting = self._waiting, {}
        return taken

    @staticmethod
    def do(unit: Any, taken: dict[Work, list[Any]]) -> None:
        for work, items in taken.items():
            work(unit, items)

    def give_back(self, taken: dict[Work, list[Any]]) -> None:
        """The transaction that took these rolled back: they wait again, before what
        was added since, for the next transaction (or ``now``, from the sweep)."""
        for work, items in taken.items():
            self._waiting.setdefault(work, [])[:0] = items

    def now(self) -> None:
        """Do what waits in a transaction of its own, now; never raises (what could not
        be done waits on)."""
        if not self._waiting:
            return
        try:
            with self._transaction():
                pass                      # the transaction takes what waits as it commits
        except Exception as exc:
            log.warning("writes left for the next transaction failed (%s); will retry",
                        type(exc).__name__)

    def _on_time(self) -> None:
        self._timed = False
        self.now()
