"""The outbox relay: events committed with their state change, then published.

The transaction that records an event also takes a short lease on it for this
process (``Relay.token``), so the relay publishes what its own process committed
straight from memory (``hand``), with publisher confirms, outside any transaction,
then marks those events sent in one statement. A batch is published on one kept
channel and confirmed whole (``lianxin.bus.EventPublisher``): if any event of it is
not confirmed, the whole batch is published again later. A sweep every ``RELAY_INTERVAL``
seconds claims whatever else is unsent and free: events whose publishing failed
(their lease is given back), and events of a process that stopped before
publishing (their lease runs out). Claiming is one small transaction with the
same lease, so two relays, in one process or in two replicas, never both take a
row while its lease runs; a relay that dies mid-batch leaves its rows to be
claimed again (a repeat that consumers' inboxes ignore).

Events confirmed are marked sent by the next transaction this process commits, with
those of every batch confirmed meanwhile, or within a moment by one of their own
(``lianxin.soon``), not by a transaction per batch. Their lease covers them until
then; a mark that fails waits for the next transaction or sweep, and a process that
stops marks what it holds first. A process killed before marking leaves events
published but unmarked, published again once their lease runs out: a repeat, as above.
"""
import logging
import threading
import uuid
from datetime import timedelta

import eventlet
from sqlalchemy import or_, select, update

from lianxin.pgtransactions import holding
from lianxin.retries import is_transient

log = logging.getLogger(__name__)
RELAY_BATCH = 200
LEASE = timedelta(seconds=10)


class Relay:
    """Publishes one service's outbox: ``hand`` it the events each commit added."""

    def __init__(self, database, publisher):
        self.db = database
        self.publisher = publisher
        self.token = str(uuid.uuid4())   # the lease this process's commits take
        self._lock = threading.Lock()
        self._fresh = []                 # committed under that lease, not yet published
        self.published = 0
        self.confirms = 0                # batches published, each confirmed whole

    def hand(self, events):
        """Publish events just committed under ``token``, soon, in a greenthread of its
        own: the caller (an HTTP request, a handler) never waits on the broker, which
        may be slow or away."""
        self._fresh.extend(events)
        if not self._lock.locked():
            eventlet.spawn_n(self._quietly, self._relay_fresh)

    def sweep(self):
        """One pass of the background sweep: this process's events, then every other
        unsent event that is free. Never raises; says what went wrong."""
        self._quietly(self._relay_all)

    def _quietly(self, relay):
        try:
            relay()
        except Exception as exc:
            if is_transient(exc):
                log.warning("outbox relay failed (%s); will retry", type(exc).__name__)
            else:
                log.exception("outbox relay failed; will retry")

    def _relay_fresh(self):
        if not self._lock.acquire(blocking=False):
            return                       # the relay running takes what was handed
        try:
            self._publish_fresh()
        finally:
            self._lock.release()

    def _relay_all(self):
        self.db.soon.now()               # marks an earlier transaction could not make
        with self._lock:
            self._publish_fresh()
            while self._publish(self._claim()) == RELAY_BATCH:
                pass
            self._publish_fresh()     # what was handed in while claiming

    def _publish_fresh(self):
        while self._fresh:
            batch, self._fresh = self._fresh[:RELAY_BATCH], self._fresh[RELAY_BATCH:]
            self._publish(batch)

    def _publish(self, events):
        """Publish ``events`` (each with ``event_id`` and ``event_type``) in order, as
        one batch the broker confirms whole, then have them marked sent (soon, with
        the other batches confirmed meanwhile); or, if it does not, give back the lease
        on them all."""
        ids = [event["event_id"] for event in events]
        try:
            self.publisher.publish((e["event_type"], e["payload"]) for e in events)
        except BaseException:
            self._give_back(ids)
            raise
        self.db.soon.add(self._mark_sent, ids)
        self.published += len(ids)
        self.confirms += 1
        return len(events)

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
            return [row._asdict() for row in unit.session.execute(
                select(outbox.c.event_id, outbox.c.event_type, outbox.c.payload)
                .where(outbox.c.claim == token).order_by(outbox.c.id))]

    def _mark_sent(self, unit, batches):
        """Within ``unit``'s transaction: the events of these confirmed batches sent."""
        outbox, ids = self.db.outbox, [event_id for batch in batches for event_id in batch]
        with holding(unit.session.connection()):      # on PostgreSQL, with the COMMIT
            unit.session.execute(update(outbox).where(outbox.c.event_id.in_(ids))
                                 .values(sent_at=unit.now))

    def _give_back(self, unsent):
        """Give back the lease on what was not published."""
        outbox = self.db.outbox
        with self.db.transaction(relay=False) as unit:
            unit.session.execute(update(outbox).where(outbox.c.event_id.in_(unsent))
                                 .values(claim=None, claimed_until=None))
