"""Routing's use cases: each takes a unit of work and plain values, applies the rules."""
import uuid

from sqlalchemy import select

from lianxin import directory
from lianxin.db import load_one
from lianxin.errors import BadValue, NotFound, NotYours, Refused
from services.routing import domain
from services.routing.models import IssueRow, MeetingRow, StepRow

ISSUE_FIELDS = ("id", "tracking_no", "status", "tier", "station_id", "category", "title",
                "village_code", "channel", "representative_id", "department", "version",
                "description")


def to_issue(row):
    return domain.Issue(**{f: getattr(row, f) for f in ISSUE_FIELDS},
                        cooperating=tuple(row.cooperating or ()))


def place_issue(unit, event, *, ladder, rules):
    """A submitted issue starts at its station; one solved on the spot is handled at once."""
    station = directory.start_station(category=event["category"],
                                      village_code=event["village_code"],
                                      station_id=event["station_id"], ladder=ladder, rules=rules)
    issue = domain.Issue(id=str(event["issue_id"]), status="open", tier=station.tier,
                         station_id=station.id, category=event["category"],
                         title=event["title"], village_code=event["village_code"],
                         channel=event["channel"], representative_id=event["representative_id"],
                         tracking_no=event["tracking_no"], version=1,
                         description=event["description"])
    row = IssueRow(received_at=event["occurred_at"],
                   possible_duplicate_of=_text(event["possible_duplicate_of"]),
                   cooperating=[], **{f: getattr(issue, f) for f in ISSUE_FIELDS})
    unit.session.add(row)
    _record(unit, row, domain.Decision(issue, "issue_routed", {"note": None}))
    if event["resolution"]:
        act_on(unit, row, "resolve", ladder, note=event["resolution"])


def _text(value):
    return None if value is None else str(value)


def act(unit, issue_id, action, ladder, caller=None, **params):
    """Apply ``action`` to the stored issue, checking the caller holds it."""
    row = load(unit.session, issue_id, lock=True)
    if caller is not None:
        check_holder(caller, row, ladder)
    return act_on(unit, row, action, ladder, **params)


def act_on(unit, row, action, ladder, **params):
    decision = domain.decide(to_issue(row), action, ladder, **params)
    for name in ISSUE_FIELDS:
        setattr(row, name, getattr(decision.issue, name))
    row.cooperating = list(decision.issue.cooperating)
    if decision.issue.status == "closed":
        row.closed_at = unit.now
    elif row.closed_at is not None:
        row.closed_at = None
    _record(unit, row, decision)
    return row


def _record(unit, row, decision):
    data = domain.event_fields(decision)
    unit.session.add(StepRow(issue_id=row.id, event_type=decision.event, version=row.version,
                             status=row.status, tier=row.tier, station_id=row.station_id,
                             department=row.department, reason=data.get("reason"),
                             note=data.get("note"), occurred_at=unit.now))
    unit.publish(decision.event, row.id, **data)


def load(session, issue_id, lock=False):
    return load_one(session, IssueRow.id, issue_id, "issue_id", lock)


def check_holder(caller, row, ladder):
    """A station acts only on issues it holds; the district office acts for the district."""
    holds = (caller.role == "station" and caller.id == row.station_id) or (
        caller.role == "district" and row.station_id == ladder.district.id)
    if not holds:
        raise NotYours("this issue is not held by the caller",
                        {"issue_id": [f"held by {row.station_id}"]})


def on_feedback(unit, event, *, ladder):
    row = load(unit.session, event["issue_id"], lock=True)
    action = domain.feedback_action(event["rating"])
    act_on(unit, row, action, ladder, rating=event["rating"], note=event["comment"])


def on_assignment(unit, event, *, action, ladder):
    """A lead assignment completed or returned moves the issue; cooperating ones do not."""
    if not event["lead"]:
        return
    row = load(unit.session, event["issue_id"], lock=True)
    if row.department != event["department"] or row.status != "referred":
        return  # an assignment superseded by a later referral
    act_on(unit, row, action, ladder, note=event["note"])


def referral_asks(session, decisions):
    """What to ask departments for each referral of a known issue: its category and
    named departments (an unknown issue is refused when the meeting is held)."""
    rows = {str(d["issue_id"]): session.get(IssueRow, str(d["issue_id"])) for d in decisions}
    return {index: {"category": rows[str(d["issue_id"])].category,
                    "department": d.get("department"), "cooperating": d["cooperating"]}
            for index, d in enumerate(decisions)
            if d["action"] == "refer" and rows[str(d["issue_id"])] is not None}


def checked_referrals(asks, answers):
    """Departments' answers by decision index, and the refusal of each bad one."""
    answered = dict(zip(asks, answers, strict=False))
    errors = {i: BadValue("unknown department in a referral", a["errors"])
              for i, a in answered.items() if a.get("errors")}
    referrals = {i: {"department": a["department"], "cooperating": a["cooperating"]}
                 for i, a in answered.items() if not a.get("errors")}
    return referrals, errors


def hold_meeting(unit, meeting, referrals, ladder, refused=None):
    """Record a month-end meeting and apply every decision, all or none; a refusal
    names every decision that cannot be applied, not only the first."""
    applied, refused = [], dict(refused or {})
    for index, item in enumerate(meeting["decisions"]):
        if index in refused:
            continue
        params = {"note": item.get("note")}
        try:
            row = load(unit.session, item["issue_id"], lock=True)   # unknown: NotFound
            if item["action"] == "refer":
                params.update(referrals[index])
            act_on(unit, row, item["action"], ladder, **params)
        except Refused as exc:
            refused[index] = exc
            continue
        applied.append({**item, **params, "issue_id": str(item["issue_id"])})
    if refused:
        first = refused[min(refused)]
        raise type(first)("; ".join(f"decision {i}: {refused[i].message}" for i in sorted(refused)),
                          {f"decisions.{i}": refused[i].fields for i in sorted(refused)})
    record = MeetingRow(id=str(uuid.uuid4()), held_on=meeting["held_on"], decisions=applied,
                        recorded_at=unit.now)
    unit.session.add(record)
    return record


def check_party(caller, row, steps):
    """Who may read an issue's route: the district office, a station it passed through,
    a department it is or was referred to; anyone else is told it is not theirs."""
    stations = {step.station_id for step in steps}
    departments = {step.department for step in steps} | set(row.cooperating or ())
    if domain.is_party(caller.role, caller.id, stations, departments):
        return
    raise NotYours("the caller has no part in this issue", {"issue_id": ["not the caller's"]})


def history(session, issue_id):
    row = load(session, issue_id)
    steps = session.execute(select(StepRow).where(StepRow.issue_id == row.id)
                            .order_by(StepRow.version, StepRow.id)).scalars().all()
    return row, steps


def check_station_access(caller, station_id, ladder):
    """A station sees its own issues; the district office sees any station's."""
    if station_id not in ladder.stations:
        raise NotFound(f"no station {station_id}", {"station_id": ["not found"]})
    if caller.role == "station" and caller.id != station_id:
        raise NotYours("a station sees only its own issues",
                        {"station_id": ["not the caller's station"]})


def station_issues(session, station_id, status=None):
    query = select(IssueRow).where(IssueRow.station_id == station_id)
    if status:
        query = query.where(IssueRow.status == status)
    return session.execute(query.order_by(IssueRow.received_at)).scalars().all()



def ledger_items(session, start, end):
    """Every issue on the ledger of the month [start, end)."""
    rows = session.execute(select(IssueRow).where(IssueRow.received_at < end).where(
        (IssueRow.closed_at.is_(None)) | (IssueRow.closed_at >= start))
        .order_by(IssueRow.received_at)).scalars().all()
    return [{c.name: getattr(row, c.name) for c in IssueRow.__table__.columns} for row in rows]
