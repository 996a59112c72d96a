"""Status out: every change of an issue the grid system reported (or, with ``push:
grids``, of any issue of a village with a grid) is owed to the grid system, in order per
issue. A change is recorded in the transaction that projects it, pushed to the webhook by
a sweep, signed, retried with back-off, parked after ``max_attempts`` for an operator to
replay; the grid system may also poll the same changes as a feed."""
import json
import logging
from datetime import timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from lianxin import signing
from lianxin.db import one_at_a_time
from lianxin.retries import backoff
from services.intake import domain
from services.intake.grid.models import DeliveryRow, GridReportRow

log = logging.getLogger(__name__)
OWED = ("pending", "parked")                  # not yet received by the grid system
BATCH = 50


def owed(row, grid, grid_villages):
    """Whether the grid system is told of this issue's changes."""
    return row.channel == "grid" or (grid.push == "grids" and row.village_code in grid_villages)


def record(unit, row, event_type, event):
    """Owe the grid system this change of the issue (its row is locked by the caller).

    The feed pages by change id, so ids must become visible in their order: on
    PostgreSQL one transaction at a time records a change (SQLite has one writer)."""
    one_at_a_time(unit.session, "lianxin-grid-feed")
    report_id = unit.session.execute(select(GridReportRow.report_id).where(
        GridReportRow.issue_id == row.id)).scalar()
    seq = (unit.session.execute(select(func.max(DeliveryRow.seq)).where(
        DeliveryRow.issue_id == row.id)).scalar() or 0) + 1
    note = event.get("note") if domain.VOTER_STEPS.get(event_type) else None
    delivery = DeliveryRow(issue_id=row.id, seq=seq, status="pending", attempts=0,
                           created_at=unit.now, next_attempt_at=unit.now, payload={})
    unit.session.add(delivery)
    unit.session.flush()
    delivery.payload = {
        "change_id": delivery.id, "seq": seq, "report_id": report_id, "issue_id": row.id,
        "tracking_no": row.tracking_no, "event": event_type, "status": row.status,
        "tier": row.tier, "station_id": row.current_station_id, "department": row.department,
        "note": note, "occurred_at": _iso(event["occurred_at"])}


def _iso(moment):
    return moment if isinstance(moment, str) else moment.isoformat()


def due(unit, limit=BATCH):
    """Pending changes due now, each the earliest one its issue still owes, locked."""
    earlier = aliased(DeliveryRow)
    blocked = select(earlier.id).where(and_(earlier.issue_id == DeliveryRow.issue_id,
                                            earlier.seq < DeliveryRow.seq,
                                            earlier.status.in_(OWED))).exists()
    return unit.session.execute(
        select(DeliveryRow).where(DeliveryRow.status == "pending",
                                  DeliveryRow.next_attempt_at <= unit.now, ~blocked)
        .order_by(DeliveryRow.id).limit(limit).with_for_update(skip_locked=True)).scalars().all()


def push_due(db, grid, post):
    """Push what is due, oldest first, with no transaction open while the webhook is
    waited on: a round claims a batch (due to no other sweep until a lease as long as
    its posts may take), posts it, then records what became of each. At the first
    failure the grid system is taken to be down: that change waits its back-off, the
    rest of the batch is due again, and the sweep stops. The number sent."""
    if not grid.webhook_url:
        return 0
    sent = 0
    while True:                  # until nothing is due: each round frees the next of an issue
        claimed = _claim(db, grid)
        if not claimed:
            return sent
        delivered, error = [], None
        for change_id, payload in claimed:
            error = _post(post, grid, payload)
            if error is not None:
                log.warning("grid webhook: change %s not delivered (%s)", change_id, error)
                break
            delivered.append(change_id)
        _settle(db, grid, [change_id for change_id, _ in claimed], delivered, error)
        sent += len(delivered)
        if error is not None:
            return sent


def _claim(db, grid):
    """The changes due now, ``(id, payload)`` oldest first, leased to this sweep."""
    with db.transaction() as unit:
        rows = due(unit)
        lease = timedelta(seconds=grid.webhook_timeout * (len(rows) + 1))
        for row in rows:
            row.next_attempt_at = unit.now + lease
        return [(row.id, row.payload) for row in rows]


def _settle(db, grid, claimed, delivered, error):
    """Record a round: the delivered sent; the one that failed (the first not delivered)
    tried once more and due after its back-off, or parked; the others due at once."""
    with db.transaction() as unit:
        for row in unit.session.execute(select(DeliveryRow).where(
                DeliveryRow.id.in_(claimed))).scalars():
            if row.id in delivered:
                row.status, row.sent_at, row.last_error = "sent", unit.now, None
            elif error is not None and row.id == claimed[len(delivered)]:
                row.attempts += 1
                row.last_error = error
                row.next_attempt_at = unit.now + timedelta(
                    seconds=backoff(row.attempts, base=2, cap=300))
                if row.attempts >= grid.max_attempts:
                    row.status = "parked"
            else:
                row.next_attempt_at = unit.now


def _post(post, grid, payload):
    """None if the grid system took the change, else why not (no payload in it)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    path = "/" + grid.webhook_url.split("://", 1)[-1].partition("/")[2]
    headers = {"Content-Type": "application/json",
               **signing.headers(grid.secret, "POST", path, body)}
    try:
        response = post(grid.webhook_url, data=body, headers=headers,
                        timeout=grid.webhook_timeout)
    except Exception as exc:          # refused, reset, timed out: all say "not now"
        return type(exc).__name__
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


def feed(session, after, limit):
    """The changes after cursor ``after``, oldest first, whatever was pushed."""
    rows = session.execute(select(DeliveryRow.id, DeliveryRow.payload)
                           .where(DeliveryRow.id > after).order_by(DeliveryRow.id)
                           .limit(limit)).all()
    return {"changes": [payload for _, payload in rows],
            "next": rows[-1].id if rows else after}


def listing(session, status=None, issue_id=None, after_id=0, limit=100):
    query = select(DeliveryRow).where(DeliveryRow.id > after_id)
    if status:
        query = query.where(DeliveryRow.status == status)
    if issue_id:
        query = query.where(DeliveryRow.issue_id == str(issue_id))
    return session.execute(query.order_by(DeliveryRow.id).limit(limit)).scalars().all()


def replay(unit, ids=None, status="parked"):
    """Owe again the changes named, or all with ``status``: due now, tries from zero."""
    query = select(DeliveryRow)
    query = query.where(DeliveryRow.id.in_(ids)) if ids else \
        query.where(DeliveryRow.status == status)
    rows = unit.session.execute(query.with_for_update()).scalars().all()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = "pending", 0, unit.now
    return len(rows)
