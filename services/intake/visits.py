"""Representatives' monthly visits to voters (走访): each recorded with the
representative, the village, the day and how many voters were met, with or without
issues; an issue raised at a visit names it. And the representatives' work record
(代表履职档案) of a month."""
import uuid
from collections import Counter, defaultdict

from sqlalchemy import select

from lianxin.errors import BadValue, NotYours
from lianxin.workdays import month_bounds
from services.intake import receptions
from services.intake.models import IssueRow, VisitRow


def check_recorder(caller, village_code, ladder):
    """A visit is recorded by the village's station, its town's, or the district office."""
    station = ladder.village_stations.get(village_code)
    if station is None:
        raise BadValue.field("village_code", f"unknown village {village_code!r}")
    if caller.role == "district" or caller.id in (station, ladder.town_of(station).id):
        return
    raise NotYours("a visit is recorded by the village's own station or its town's",
                   {"village_code": [f"not in the caller's area: {caller.id}"]})


def record(unit, visit, caller, ladder, today):
    check_recorder(caller, visit["village_code"], ladder)
    if visit["representative_id"] not in ladder.representatives:
        raise BadValue.field("representative_id",
                             f"unknown representative {visit['representative_id']!r}")
    if visit["visited_on"] > today:
        raise BadValue.field("visited_on", "a visit is recorded after it took place")
    row = VisitRow(id=str(uuid.uuid4()), recorded_by=caller.id or caller.role,
                   recorded_at=unit.now, **visit)
    unit.session.add(row)
    return row


def check_visit(session, submission):
    """The visit a submission names: known, of the same village and representative."""
    visit_id = submission.get("visit_id")
    if visit_id is None:
        return
    visit = session.get(VisitRow, str(visit_id))
    if visit is None:
        raise BadValue.field("visit_id", f"no visit {visit_id}")
    if visit.village_code != submission["village_code"] or \
            visit.representative_id != submission.get("representative_id"):
        raise BadValue.field("visit_id", "a visit of another village or representative")


def listing(session, month=None, representative_id=None, tz="Asia/Shanghai"):
    query = select(VisitRow)
    if month:
        start, end = month_bounds(month, tz)
        query = query.where(VisitRow.visited_on >= start.date(), VisitRow.visited_on < end.date())
    if representative_id:
        query = query.where(VisitRow.representative_id == representative_id)
    return session.execute(query.order_by(VisitRow.visited_on, VisitRow.id)).scalars().all()


def work_record(session, month, tz):
    """Per representative: visits made, voters met, issues collected and how each stands."""
    start, end = month_bounds(month, tz)
    kept = defaultdict(Counter)
    for visit in listing(session, month, tz=tz):
        kept[visit.representative_id]["visits"] += 1
        kept[visit.representative_id]["voters_met"] += visit.voters_met
    for representative, status in session.execute(
            select(IssueRow.representative_id, IssueRow.status).where(
                IssueRow.representative_id.is_not(None), IssueRow.submitted_at >= start,
                IssueRow.submitted_at < end)).all():
        kept[representative]["issues"] += 1
        kept[representative][f"issues_{status}"] += 1
    for representative, days in receptions.duties(session, start.date(), end.date()).items():
        kept[representative]["reception_days"] += days
    return {"month": month, "representatives": {r: dict(c) for r, c in sorted(kept.items())}}
