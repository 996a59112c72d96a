"""Routing's use cases: each takes a unit of work and plain values, applies the rules."""
import uuid

from sqlalchemy import select

from lianxin import directory, timers
from lianxin.db import load_one, missing
from lianxin.errors import BadValue, NotAllowed, NotFound, NotYours, Refused
from lianxin.statements import inserting
from services.routing import domain, month
from services.routing.models import IssueRow, MeetingRow, StepRow, Timer

ISSUE_FIELDS = ("id", "tracking_no", "status", "tier", "station_id", "category", "title",
                "village_code", "channel", "representative_id", "department", "version",
                "description", "grid_id", "grid_member_id")


def to_issue(row):
    return domain.Issue(**{f: getattr(row, f) for f in ISSUE_FIELDS},
                        cooperating=tuple(row.cooperating or ()))


def place_issue(unit, event, *, data):
    """A submitted issue starts at its station; one solved on the spot is handled at once.
    Its row, first step and time limits are written as the transaction commits, with those
    of the issues placed with it (``Unit.later``)."""
    station = directory.start_station(category=event["category"],
                                      village_code=event["village_code"],
                                      station_id=event["station_id"], ladder=data.ladder,
                                      rules=data.rules.start)
    issue = domain.Issue(id=str(event["issue_id"]), status="open", tier=station.tier,
                         station_id=station.id, category=event["category"],
                         title=event["title"], village_code=event["village_code"],
                         channel=event["channel"], representative_id=event["representative_id"],
                         tracking_no=event["tracking_no"], version=1,
                         description=event["description"], grid_id=event["grid_id"],
                         grid_member_id=event["grid_member_id"])
    unit.later(inserting(IssueRow.__table__), {
        "received_at": event["occurred_at"], "cooperating": [],
        "possible_duplicate_of": _text(event["possible_duplicate_of"]),
        **{f: getattr(issue, f) for f in ISSUE_FIELDS}})
    _record(unit, issue, domain.Decision(issue, "issue_routed", {"note": None}))
    timers.arm_later(unit, Timer, limits(unit, [issue], data))
    if event["resolution"]:
        unit.write_later()
        act_on(unit, load(unit.session, issue.id), "resolve", data, note=event["resolution"])


def _text(value):
    return None if value is None else str(value)


def act(unit, issue_id, action, data, caller=None, **params):
    """Apply ``action`` to the stored issue, checking the caller holds it."""
    row = load(unit.session, issue_id, lock=True)
    if caller is not None:
        check_holder(caller, row, data.ladder)
    return act_on(unit, row, action, data, **params)


def act_on(unit, row, action, data, *, rearmed=None, **params):
    """Take a step: the issue moves, its event is published, and its time limits are
    those of where it is now."""
    decision = domain.decide(to_issue(row), action, data.ladder, **params)
    for name in ISSUE_FIELDS:
        setattr(row, name, getattr(decision.issue, name))
    row.cooperating = list(decision.issue.cooperating)
    if decision.issue.status == "closed":
        row.closed_at = unit.now
    elif row.closed_at is not None:
        row.closed_at = None
    if action == "return":
        row.returns = (row.returns or 0) + 1
    row.overdue_since = None
    _record(unit, row, decision)
    if rearmed is None:
        rearm(unit, [row], data)
    else:
        rearmed[row.id] = row       # the caller rearms them all at once
    return row


def rearm(unit, rows, data):
    """End the issues' running time limits and start those their new states call for,
    one statement each for all of them."""
    if not rows:
        return
    timers.close_all(unit, Timer, [row.id for row in rows])
    timers.arm_all(unit, Timer, limits(unit, rows, data))


def limits(unit, rows, data):
    """The rows of the time limits the issues' states call for, starting now; a row may
    be a ``domain.Issue``."""
    return [timers.started(unit, data.calendar, kind=limit.name, subject_id=row.id,
                           issue_id=row.id, holder=limit.holder, remind=limit.remind,
                           days=data.rules.limits.days(limit.name, category=row.category))
            for row in rows for limit in domain.time_limits(to_issue(row))]


def fire(unit, timer, stage, *, data):
    """What a time limit does when its last day begins or it runs out: the holder is
    reminded (催办); then the holder and its supervisor are told (督办) and a village
    or town issue goes up a tier by itself; a handled issue's station is asked to call
    the voter back (回访); the voter is told how an open issue stands."""
    row = timers.lock_subject(unit.session, IssueRow.id, timer.issue_id)
    issue = to_issue(row)
    event = domain.TIMER_EVENTS[timer.kind][stage]
    data_fields = {"limit": timer.kind, "due_at": timer.due_at.isoformat(),
                   "provisional": timer.provisional,
                   "supervisor_id": domain.supervisor(issue, data.ladder)}
    _record(unit, row, domain.Decision(issue, event, data_fields))
    if stage == "overdue" and timer.kind in domain.STATION_TIERS:
        row.overdue_since = unit.now
        if timer.kind in domain.ESCALATES_WHEN_OVERDUE:
            act_on(unit, row, "escalate", data, reason="overdue", note=domain.OVERDUE_NOTE)
    if timer.kind == "keep_in_loop":
        timers.close(unit, Timer, row.id, ["keep_in_loop"])
        timers.arm(unit, Timer, data.calendar, kind="keep_in_loop", subject_id=row.id,
                   issue_id=row.id, holder=domain.VOTER, remind=False,
                   days=data.rules.limits.days("keep_in_loop", category=row.category))


def sweep(unit_source, data):
    """Fire every time limit that is due (``lianxin.timers``), and the month's end."""
    timers.recount_provisional(unit_source, Timer, data.calendar)
    with unit_source.transaction() as unit:
        month.arm_month(unit, data)

    def fire_one(unit, timer, stage):
        if timer.kind == month.MONTH_END:
            month.fire_month_end(unit, timer, data.timezone)
        elif timer.kind == month.REVIEW:
            month.fire_review(unit, timer, data)
        else:
            fire(unit, timer, stage, data=data)
    return timers.fire_due(unit_source, Timer, fire_one)


def deadlines(session, holders=None, overdue=None, issue_id=None):
    """Running time limits held by stations, soonest first, with their issue's number
    (none for a station's monthly review)."""
    rows = [t for t in timers.listing(session, Timer, holders, overdue, issue_id=issue_id)
            if t.holder != domain.VOTER and t.kind != month.MONTH_END]
    issues = {i.id: i for i in session.execute(select(IssueRow).where(
        IssueRow.id.in_({t.issue_id for t in rows}))).scalars()} if rows else {}
    return [{"id": t.id, "limit": t.kind, "issue_id": t.issue_id or None, "holder": t.holder,
             "state": t.state, "days": t.days, "started_at": t.started_at,
             "remind_at": t.remind_at, "due_at": t.due_at, "provisional": t.provisional,
             "tracking_no": getattr(issues.get(t.issue_id), "tracking_no", None),
             "title": getattr(issues.get(t.issue_id), "title", None)}
            for t in rows]


def refer(unit, issue_id, referral, data, note=None):
    """The district office hands a returned issue to another department without a
    meeting, unless it has been returned more often than the rules allow."""
    row = load(unit.session, issue_id, lock=True)
    check_reassignable(row, data)
    return act_on(unit, row, "refer", data, note=note, **referral)


def check_reassignable(row, data):
    if domain.must_go_to_meeting(row.returns or 0, data.rules.returns_max):
        raise NotAllowed(f"returned {row.returns} times: the district office decides it at a "
                         "meeting", {"issue_id": [f"returned {row.returns} times, more than the "
                                                  f"{data.rules.returns_max} the rules allow"]})


def _record(unit, issue, decision):
    """The step ``decision`` took, in the issue's history and as its event; ``issue`` (a
    row or a ``domain.Issue``) is where the step left it."""
    data = {**domain.event_fields(decision), **({"actor": unit.actor} if unit.actor else {})}
    unit.later(inserting(StepRow.__table__), {
        "issue_id": issue.id, "event_type": decision.event, "version": issue.version,
        "status": issue.status, "tier": issue.tier, "station_id": issue.station_id,
        "department": issue.department, "reason": data.get("reason"), "note": data.get("note"),
        "review_id": data.get("review_id"), "actor": unit.actor, "occurred_at": unit.now})
    unit.publish(decision.event, issue.id, **data)


def load(session, issue_id, lock=False):
    return load_one(session, IssueRow.id, issue_id, "issue_id", lock)


def load_many(session, issue_ids, lock=False):
    """``{id: row}`` of those of ``issue_ids`` that exist, in one statement; ``lock``
    holds them for update, taken in the order of their ids."""
    query = select(IssueRow).where(IssueRow.id.in_(sorted({str(i) for i in issue_ids})))
    query = query.order_by(IssueRow.id)
    return {row.id: row for row in
            session.execute(query.with_for_update() if lock else query).scalars()}


def check_holder(caller, row, ladder):
    """A station acts only on issues it holds; the district office acts for the district."""
    holds = (caller.role == "station" and caller.id == row.station_id) or (
        caller.role == "district" and row.station_id == ladder.district.id)
    if not holds:
        raise NotYours("this issue is not held by the caller",
                        {"issue_id": [f"held by {row.station_id}"]})


def on_feedback(unit, event, *, data):
    row = load(unit.session, event["issue_id"], lock=True)
    action = domain.feedback_action(event["rating"])
    act_on(unit, row, action, data, rating=event["rating"], note=event["comment"])


def on_assignment(unit, event, *, action, data):
    """A lead assignment completed or returned moves the issue; cooperating ones do not."""
    if not event["lead"]:
        return
    row = load(unit.session, event["issue_id"], lock=True)
    if row.department != event["department"] or row.status != "referred":
        return  # an assignment superseded by a later referral
    note = event["note"]
    if action == "return" and domain.must_go_to_meeting((row.returns or 0) + 1,
                                                        data.rules.returns_max):
        note = f"{note or ''}（{domain.TO_MEETING_NOTE}）"
    act_on(unit, row, action, data, note=note)


def referral_asks(session, decisions):
    """What to ask departments for each referral of a known issue: its category and
    named departments (an unknown issue is refused when the meeting is held)."""
    rows = load_many(session, [d["issue_id"] for d in decisions if d["action"] == "refer"])
    return {index: {"category": rows[str(d["issue_id"])].category,
                    "department": d.get("department"), "cooperating": d["cooperating"]}
            for index, d in enumerate(decisions)
            if d["action"] == "refer" and str(d["issue_id"]) in rows}


def checked_referrals(asks, answers):
    """Departments' answers by decision index, and the refusal of each bad one."""
    answered = dict(zip(asks, answers, strict=False))
    errors = {i: BadValue("unknown department in a referral", a["errors"])
              for i, a in answered.items() if a.get("errors")}
    referrals = {i: {"department": a["department"], "cooperating": a["cooperating"]}
                 for i, a in answered.items() if not a.get("errors")}
    return referrals, errors


def hold_meeting(unit, meeting, referrals, data, refused=None):
    """Record a month-end meeting and apply every decision, all or none; a refusal
    names every decision that cannot be applied, not only the first. A meeting that
    names its agenda (a frozen month) decides an issue not on it only with a reason."""
    applied, refused = [], dict(refused or {})
    agenda = month.on_agenda(unit.session, meeting["agenda"]) if meeting.get("agenda") else None
    rows = load_many(unit.session, [item["issue_id"] for item in meeting["decisions"]],
                     lock=True)
    rearmed = {}
    for index, item in enumerate(meeting["decisions"]):
        if agenda is not None and str(item["issue_id"]) not in agenda and \
                not item.get("off_agenda_reason"):
            refused.setdefault(index, BadValue(
                f"not on the agenda of {meeting['agenda']}",
                {"off_agenda_reason": ["required for an issue not on the agenda"]}))
        if index in refused:
            continue
        params = {"note": item.get("note")}
        try:
            row = rows.get(str(item["issue_id"]))
            if row is None:
                raise missing("issue_id", item["issue_id"])
            if item["action"] == "refer":
                params.update(referrals[index])
            act_on(unit, row, item["action"], data, rearmed=rearmed, **params)
        except Refused as exc:
            refused[index] = exc
            continue
        applied.append({**item, **params, "issue_id": str(item["issue_id"])})
    if refused:
        first = refused[min(refused)]
        raise type(first)("; ".join(f"decision {i}: {refused[i].message}" for i in sorted(refused)),
                          {f"decisions.{i}": refused[i].fields for i in sorted(refused)})
    rearm(unit, list(rearmed.values()), data)
    record = MeetingRow(id=str(uuid.uuid4()), held_on=meeting["held_on"],
                        agenda=meeting.get("agenda"), decisions=applied, recorded_at=unit.now)
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


def deadline_holders(caller, station_id, ladder):
    """Whose time limits a caller lists: a station its own, the district office one
    station's or (None) every station's."""
    if station_id is None and caller.role != "station":
        return None
    check_station_access(caller, station_id or caller.id, ladder)
    return [station_id or caller.id]


def check_reviewing_station(station_id, ladder):
    """Village and town stations review their month; the district decides at a meeting."""
    if ladder.stations[station_id].tier not in domain.REVIEWING_TIERS:
        raise NotAllowed("the district office decides its issues at a meeting",
                         {"station_id": ["a review is held by a village or town station"]})


def station_issues(session, station_id, status=None, category=None):
    query = select(IssueRow).where(IssueRow.station_id == station_id)
    if status:
        query = query.where(IssueRow.status == status)
    if category:
        query = query.where(IssueRow.category == category)
    return session.execute(query.order_by(IssueRow.received_at)).scalars().all()
