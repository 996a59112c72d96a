"""A station's monthly review (村"两委"研判 at a village, 逐项研判 at a town): a worksheet
of every open issue the station holds, each resolved, escalated or kept with a note,
saved in one call, all or none. What it escalates goes up naming the review."""
import uuid

from sqlalchemy import select

from lianxin import timers
from lianxin.errors import BadValue, Refused
from services.routing import app, domain, month
from services.routing.models import IssueRow, ReviewRow, Timer


def hold_review(unit, station_id, review, data):
    """Apply every decision of the worksheet, or none; a refusal names each bad one."""
    open_ids = {row.id for row in unit.session.execute(
        select(IssueRow).where(IssueRow.station_id == station_id, IssueRow.status == "open")
        .with_for_update()).scalars()}
    decisions = review["decisions"]
    gaps = domain.review_gaps(open_ids, [str(d["issue_id"]) for d in decisions])
    if gaps:
        raise BadValue("the worksheet must decide every open issue of the station once", gaps)
    review_id = str(uuid.uuid4())
    refused = {}
    for index, item in enumerate(decisions):
        action = domain.REVIEW_ACTIONS[item["decision"]]
        if action is None:
            continue
        params = {"note": item["note"]}
        if action == "escalate":
            params.update(reason=item["reason"], review_id=review_id)
        try:
            app.act(unit, item["issue_id"], action, data, **params)
        except Refused as exc:
            refused[index] = exc
    if refused:
        raise BadValue("; ".join(f"decision {i}: {e.message}" for i, e in sorted(refused.items())),
                       {f"decisions.{i}": e.fields for i, e in sorted(refused.items())})
    row = ReviewRow(id=review_id, station_id=station_id, month=review["month"],
                    held_on=review["held_on"], recorded_at=unit.now,
                    decisions=[{**d, "issue_id": str(d["issue_id"])} for d in decisions])
    unit.session.add(row)
    timers.close(unit, Timer, month.review_subject(station_id, review["month"]))
    return row


def reviews(session, station_id, month=None):
    query = select(ReviewRow).where(ReviewRow.station_id == station_id)
    if month:
        query = query.where(ReviewRow.month == month)
    return session.execute(query.order_by(ReviewRow.recorded_at)).scalars().all()
