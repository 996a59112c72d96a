"""Work that arrives together, done in one transaction.

Under load a service's workers reach the database together: each would open a
transaction, write its inbox row and its work, and commit. A ``Batcher`` lets the
first of them wait one turn of the event loop, then do its own item and those of the
workers that queued meanwhile (at most ``limit``) in one transaction: one commit, one
relay of their events (``Database.together``; the inbox's deliveries, and intake's
submissions). Each worker still acknowledges its own message, after that commit.

A batch that fails is never the failure of an item that did nothing wrong:

- when the world failed (``retries.is_transient``: the database is away), every
  item of the batch is told that error, as it would have met it alone;
- otherwise each item is done again alone, so the others commit and the one at
  fault meets its own error (a repeat's inbox clash, a handler's exception).

When a batch is done, the first worker still queued leads the next, so no worker
waits on items that arrived after it; a worker killed while it waits leaves the queue.
"""
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import eventlet
from eventlet.event import Event

from lianxin.retries import is_transient


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery: its handler's ``value``, or the ``error`` it met."""
    value: Any = None
    error: BaseException | None = None

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


_LEAD = Outcome()       # told to a queued worker: run the next batch, yours first


class Batcher:
    """``batcher(item)``: ``run([item, ...])[0]``, run together with the items of
    other greenthreads that arrive meanwhile. ``run(items)`` handles the items in one
    transaction and returns their results in order, or raises and commits nothing."""

    def __init__(self, run: Callable[[Sequence[Any]], Sequence[Any]], limit: int = 10):
        self._run = run
        self.limit = max(1, limit)
        self._queue: deque[tuple[Any, Event]] = deque()
        self._busy = False
        self.batches = 0             # transactions run, of any size (shown by /health)
        self.items = 0               # items those transactions handled

    def __call__(self, item: Any) -> Any:
        if self._busy:
            told = Event()
            self._queue.append((item, told))
            try:
                outcome = told.wait()
            except BaseException:
                self._withdraw(told)
                raise
            if outcome is not _LEAD:
                return outcome.get()
        self._busy = True
        joined: list[tuple[Any, Event]] = []       # the queued workers this batch takes
        try:
            eventlet.sleep(0)        # the workers ready to run reach the queue meanwhile
            joined = [self._queue.popleft()
                      for _ in range(min(len(self._queue), self.limit - 1))]
            outcomes = self._outcomes([item] + [queued for queued, _ in joined])
        except BaseException:        # this worker is being killed: the others wait on
            self._queue.extendleft(reversed(joined))
            raise
        finally:
            self._hand_on()
        for (_, told), outcome in zip(joined, outcomes[1:], strict=True):
            told.send(outcome)
        return outcomes[0].get()

    def _hand_on(self) -> None:
        """The first worker still queued leads the next batch; none: the next to come."""
        if self._queue:
            self._queue.popleft()[1].send(_LEAD)
        else:
            self._busy = False

    def _withdraw(self, told: Event) -> None:
        """A queued worker is being killed: out of the queue, or, if it was just told to
        lead, the lead goes on (a batch that took its item commits it all the same)."""
        for entry in self._queue:
            if entry[1] is told:
                self._queue.remove(entry)
                return
        if told.ready() and told.wait() is _LEAD:
            self._hand_on()

    def _outcomes(self, items: Sequence[Any]) -> list[Outcome]:
        try:
            return [Outcome(value) for value in self._counted(items)]
        except Exception as exc:
            if len(items) == 1 or is_transient(exc):
                return [Outcome(error=exc)] * len(items)
        return [self._alone(item) for item in items]

    def _alone(self, item: Any) -> Outcome:
        try:
            return Outcome(self._counted([item])[0])
        except Exception as exc:
            return Outcome(error=exc)

    def _counted(self, items: Sequence[Any]) -> Sequence[Any]:
        results = self._run(items)
        self.batches += 1
        self.items += len(items)
        return results
