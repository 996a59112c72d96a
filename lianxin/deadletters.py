"""What an operator does with a service's dead and parked letters: list, replay, discard.

A replay publishes the stored message again to the one queue it came from (this
service's queue for that event), so it goes through the inbox like any delivery: a
message that already took effect does nothing the second time. Both the HTTP
endpoints of every service (``lianxin.endpoints``) and ``lianxin dead-letters``
(which works while the service is stopped) use these functions.
"""
import json

from kombu import Connection, Exchange, Producer
from sqlalchemy import select, update

from lianxin import bus, contracts

WAITING = ("dead", "parked")      # what can still be replayed or discarded


def listing(session, table, status=None, event_type=None, ids=None, limit=100):
    """Dead letters newest first, filtered by status (one or several), event type or ids."""
    query = select(table)
    if status:
        query = query.where(table.c.status.in_([status] if isinstance(status, str) else status))
    if event_type:
        query = query.where(table.c.event_type == event_type)
    if ids:
        query = query.where(table.c.id.in_(ids))
    return session.execute(query.order_by(table.c.id.desc()).limit(limit)).mappings().all()


def replayable(row):
    """Why ``row`` cannot be replayed, or None when it can."""
    if row["status"] not in WAITING:
        return f"already {row['status']}"
    if row["event_type"] not in contracts.EVENTS:
        return f"{row['event_type']!r} is not an event of the contract"
    try:
        body = json.loads(row["payload"])
    except ValueError:
        return "its body is not JSON (it could not be decoded when it arrived)"
    return None if isinstance(body, dict) else "its body is not a JSON object"


def replay(session, table, rows, service, amqp_uri, now):
    """Publish each replayable row to ``service``'s queue for its event and mark it
    replayed; ``({id: 'replayed'}, {id: reason})``."""
    done, refused = {}, {}
    with Connection(amqp_uri, connect_timeout=5,
                    transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel(), exchange=Exchange(""), auto_declare=False)
        for row in rows:
            reason = replayable(row)
            if reason:
                refused[row["id"]] = reason
                continue
            producer.publish(row["payload"], routing_key=bus.queue_name(row["event_type"], service),
                             content_type="application/json", content_encoding="utf-8",
                             delivery_mode=2, retry=True, mandatory=True)
            _mark(session, table, row["id"], "replayed", now)
            done[row["id"]] = "replayed"
    return done, refused


def discard(session, table, rows, now):
    """Mark each waiting row discarded; ``({id: 'discarded'}, {id: reason})``."""
    done, refused = {}, {}
    for row in rows:
        if row["status"] not in WAITING:
            refused[row["id"]] = f"already {row['status']}"
            continue
        _mark(session, table, row["id"], "discarded", now)
        done[row["id"]] = "discarded"
    return done, refused


def _mark(session, table, row_id, status, now):
    session.execute(update(table).where(table.c.id == row_id).values(status=status, updated_at=now))


def settle(session, table, action, service, amqp_uri, now, ids=(), event_type=None,
           status=None, limit=1000):
    """Replay or discard the selected letters: by ids, event type or status; with no
    ids and no status, those still waiting. ``({id: done}, {id: reason})``."""
    if status is None and not ids:
        status = WAITING
    rows = listing(session, table, status, event_type, list(ids), limit)
    if action == "replay":
        return replay(session, table, rows, service, amqp_uri, now)
    return discard(session, table, rows, now)
