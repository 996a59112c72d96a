"""Consuming an event: once, or kept, or put back; never acknowledged and lost.

Every delivery ends in exactly one of three places:

- **handled**: the handler's work and the inbox row with the ``event_id`` commit in
  one transaction (shared with the deliveries that arrived with it, ``Database.together``);
  a second delivery's inbox row clashes with the first's as it commits, so its work is
  rolled back with it and it does nothing (no query before every event looks for
  repeats; one that fails is looked up in the inbox before it is called bad);
- **a dead letter**: the message itself is bad (fails its schema, or the handler
  raises for a reason that would recur), so it is stored with the error, and the
  message is acknowledged only once it is stored;
- **back on the queue**: the world failed (``retries.is_transient``): after a
  back-off the message is rejected back to its queue unacknowledged (``Retry``).
  Failures are counted per message; past ``RETRY_LIMIT`` the message is *parked*
  as a dead letter an operator can replay. If even that cannot be stored, it stays
  on the queue.
"""
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import eventlet
from marshmallow import ValidationError
from sqlalchemy import insert, select

from lianxin import contracts
from lianxin.retries import Retry, backoff, is_transient
from lianxin.statements import inserting

log = logging.getLogger(__name__)


def consume(db, event_type, payload, handle, context):
    """Run ``handle(unit, event, **context)`` once per event (see the module docstring).

    Returns what ``handle`` returned, or None for a repeat or a dead letter; raises
    ``Retry`` to have the message put back on its queue."""
    try:
        event = contracts.schema(event_type).load(payload)
    except ValidationError as exc:
        keep(db, event_type, payload, f"invalid: {exc.messages}")
        return None
    event_id = str(event["event_id"])
    try:
        result = db.together(receive, Delivery(db.inbox, event_type, event_id, event, handle,
                                               context))
    except Exception as exc:
        return _failed(db, event_type, event_id, payload, exc)
    db.attempts.forget(event_id)
    db.events["handled"] += 1
    return result


@dataclass(frozen=True)
class Delivery:
    """An event to record in ``inbox`` and handle with ``handle(unit, event, **context)``."""
    inbox: Any
    event_type: str
    event_id: str
    event: dict
    handle: Callable
    context: dict


def receive(unit, delivery):
    """Do the delivery's work, its inbox row written with it as the transaction commits
    (``Unit.later``: the rows of the deliveries that arrived together in one statement):
    what the handler returned."""
    unit.later(inserting(delivery.inbox), {
        "event_id": delivery.event_id, "event_type": delivery.event_type,
        "received_at": unit.now})
    return delivery.handle(unit, delivery.event, **delivery.context)


def prepare(unit, deliveries):
    """Before a batch's deliveries are handled, each handler that can readies itself
    for all of its own at once: ``handle.prepare(unit, events)`` (one query for the
    rows of many events, say, in place of one query each)."""
    events = {}
    for delivery in deliveries:
        if hasattr(delivery.handle, "prepare"):
            events.setdefault(delivery.handle, []).append(delivery.event)
    for handle, batch in events.items():
        handle.prepare(unit, batch)


receive.prepare = prepare  # type: ignore[attr-defined]


def _failed(db, event_type, event_id, payload, exc):
    error = f"{type(exc).__name__}: {exc}"[:4000]
    if is_transient(exc):
        count = db.attempts.failed(event_id, error)
        if not db.attempts.exhausted(count):
            wait = backoff(count)
            log.warning("%s %s failed (%s); it goes back on the queue in %.1fs (try %d of %d)",
                        event_type, event_id, type(exc).__name__, wait, count, db.attempts.limit)
            eventlet.sleep(wait)
            raise Retry(error) from None
        keep(db, event_type, payload, error, status="parked", attempts=count)
        db.attempts.forget(event_id)
        return None
    if _seen(db, event_id):
        db.events["repeated"] += 1           # a repeat, or a concurrent delivery that won
        return None
    log.error("%s %s could not be handled", event_type, event_id, exc_info=exc)
    keep(db, event_type, payload, error)
    return None


def keep(db, event_type, payload, error, status="dead", attempts=1):
    """Store a message as a dead letter with the reason, or raise ``Retry`` after a
    back-off when the database cannot take it (so the message is not acknowledged)."""
    if not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False, default=str)
    try:
        with db.transaction(relay=False) as unit:
            unit.session.execute(insert(db.dead_letters).values(
                event_type=event_type, payload=payload, error=error[:4000], status=status,
                attempts=attempts, received_at=unit.now, updated_at=unit.now))
    except Exception as exc:
        if not is_transient(exc):
            raise
        db.attempts.failed(f"dead-letter:{event_type}", f"{type(exc).__name__}: {exc}")
        log.warning("a %s message could not be stored as a dead letter (%s); it goes back "
                    "on the queue", event_type, type(exc).__name__)
        eventlet.sleep(backoff(db.attempts.limit))
        raise Retry(str(exc)) from None
    db.events["parked" if status == "parked" else "dead_lettered"] += 1
    log.warning("a %s message was kept as a %s letter: %s", event_type, status, error[:200])


def _seen(db, event_id):
    with db.reading() as session:
        return session.execute(select(db.inbox.c.event_id)
                               .where(db.inbox.c.event_id == event_id)).first()
