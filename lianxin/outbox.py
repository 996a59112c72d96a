"""The outbox relay: events committed with their state change, then published.

A relay claims a batch of unsent rows with a short lease (one small transaction),
publishes them with publisher confirms outside any transaction, then marks them
sent. Two relays, in one process or in two replicas, never claim the same row while
its lease runs; a relay that dies mid-batch leaves its rows to be claimed again when
the lease ends (a repeat that consumers' inboxes ignore). A sweep every
``RELAY_INTERVAL`` seconds relays whatever is still unsent.
"""
import logging
import threading
import uuid
from datetime import timedelta

import eventlet
from sqlalchemy import or_, select, update

from lianxin.retries import is_transient

log = logging.getLogger(__name__)
RELAY_BATCH = 200
LEASE = timedelta(seconds=10)


class Relay:
    """Publishes one service's outbox; ``wake()`` after each commit that added events."""

    def __init__(self, database, publisher):
        self.db = database
        self.publisher = publisher
        self._lock = threading.Lock()
        self._dirty = False
        self.published = 0

    def nudge(self):
        """Relay soon, in a greenthread of its own: the caller (an HTTP request, a
        handler) never waits on the broker, which may be slow or away."""
        self._dirty = True
        if not self._lock.locked():
            eventlet.spawn_n(self.sweep)

    def wake(self):
        """Relay now, or have the relay already running go round once more."""
        self._dirty = True
        if not self._lock.acquire(blocking=False):
            return
        try:
            while self._dirty:
                self._dirty = False
                while self._relay_batch() == RELAY_BATCH:
                    pass
        finally:
            self._lock.release()

    def sweep(self):
        """One pass of the background sweep: never raises, says what went wrong."""
        try:
            self.wake()
        except Exception as exc:
            if is_transient(exc):
                log.warning("outbox relay failed (%s); will retry", type(exc).__name__)
            else:
                log.exception("outbox relay failed; will retry")

    def _relay_batch(self):
        rows = self._claim()
        sent = []
        try:
            for row in rows:
                self.publisher.publish(row.payload, routing_key=row.event_type)
                sent.append(row.id)
        finally:
            self._settle(sent, [row.id for row in rows if row.id not in set(sent)])
        self.published += len(sent)
        return len(rows)

    def _claim(self):
        outbox, token = self.db.outbox, str(uuid.uuid4())
        with self.db.transaction(relay=False) as unit:
            free = (outbox.c.sent_at.is_(None),
                    or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < unit.now))
            query = select(outbox.c.id).where(*free).order_by(outbox.c.id).limit(RELAY_BATCH)
            if unit.session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = unit.session.execute(query).scalars().all()
            if not ids:
                return []
            unit.session.execute(update(outbox).where(outbox.c.id.in_(ids), *free)
                                 .values(claim=token, claimed_until=unit.now + LEASE))
            return unit.session.execute(
                select(outbox.c.id, outbox.c.event_type, outbox.c.payload)
                .where(outbox.c.claim == token).order_by(outbox.c.id)).all()

    def _settle(self, sent, unsent):
        """Mark what was published; give back the lease on what was not."""
        if not sent and not unsent:
            return
        outbox = self.db.outbox
        with self.db.transaction(relay=False) as unit:
            if sent:
                unit.session.execute(update(outbox).where(outbox.c.id.in_(sent))
                                     .values(sent_at=unit.now))
            if unsent:
                unit.session.execute(update(outbox).where(outbox.c.id.in_(unsent))
                                     .values(claim=None, claimed_until=None))
