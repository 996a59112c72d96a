"""Departments' use cases: each takes a unit of work and plain values, applies the rules."""
import uuid
from datetime import timezone
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from lianxin import timers
from lianxin.db import load_one
from lianxin.errors import NotAllowed, NotFound, NotYours
from lianxin.statements import inserting
from services.departments import domain, hearings
from services.departments.models import AssignmentRow, AssignmentStepRow, ExtensionRow, Timer


def create_assignments(unit, event, *, data):
    """A referral becomes one assignment for the lead and one per cooperating department,
    each with its time to accept (签收) running. They are written as the transaction
    commits, with those of the referrals handled with it (``Unit.later``)."""
    issue_id = str(event["issue_id"])
    settle_others(unit, issue_id, *domain.SUPERSEDED)
    departments = [(event["department"], True)] + [(c, False) for c in event["cooperating"]]
    for code, lead in departments:
        row = SimpleNamespace(id=str(uuid.uuid4()), issue_id=issue_id, department=code,
                              lead=lead, status="assigned", category=event["category"],
                              tracking_no=event["tracking_no"], title=event["title"],
                              brief=event["note"], description=event["description"],
                              created_at=unit.now, updated_at=unit.now)
        unit.later(NEW_ASSIGNMENT, vars(row))
        _record(unit, row, "assign", "assignment_created", event["note"])
        timers.arm_later(unit, Timer, limits(unit, row, data))


def act(unit, assignment_id, action, department, note=None, *, data):
    """Move the caller's own assignment one step; another department's is not found.
    A step that changes its status ends the time limit that ran and starts the next."""
    row = load(unit.session, assignment_id, department, lock=True)
    before = row.status
    row.status, event = domain.advance(row.status, action)
    row.updated_at = unit.now
    if action == "complete":
        row.result = note
    _record(unit, row, action, event, note)
    if row.status != before:
        rearm(unit, row, data)
    if row.lead and action in domain.FOLLOWS_LEAD:
        settle_others(unit, row.issue_id, *domain.FOLLOWS_LEAD[action])
    unit.session.flush()
    unit.session.refresh(row, ["due_at"])
    return row


def settle_others(unit, issue_id, status, reason):
    """Close or cancel the issue's assignments still open, so none is left actionable
    and no time limit runs on them."""
    if any(row["issue_id"] == issue_id for row in unit.pending(NEW_ASSIGNMENT)):
        unit.write_later()       # one made earlier in this transaction is found too
    for row in _still_open(unit, issue_id):
        row.status, row.updated_at = status, unit.now
        unit.later(STEP, {"assignment_id": row.id, "action": status, "status": status,
                          "note": reason, "actor": None, "occurred_at": unit.now})
        rearm(unit, row, None)


def read_still_open(unit, events):
    """Read the assignments still open of the issues of ``events`` in one statement,
    for ``settle_others`` to find (``Database.together`` calls it with the referrals of
    a batch, ``inbox.prepare``): one round trip for the batch, not one per referral."""
    found = {str(event["issue_id"]): [] for event in events}
    for row in unit.session.execute(STILL_OPEN, {"issues": sorted(found)}).scalars():
        found[row.issue_id].append(row)
    unit.session.info[READ_OPEN] = found


create_assignments.prepare = read_still_open  # type: ignore[attr-defined]


def _still_open(unit, issue_id):
    """The issue's assignments still open: as read for its batch, the first time they
    are asked for in the transaction (nothing of the issue was made or settled before
    that); from the database otherwise."""
    read = unit.session.info.get(READ_OPEN, {})
    if issue_id in read:
        return read.pop(issue_id)
    return unit.session.execute(STILL_OPEN, {"issues": [issue_id]}).scalars().all()


STEP = inserting(AssignmentStepRow.__table__)
NEW_ASSIGNMENT = inserting(AssignmentRow.__table__)
STILL_OPEN = select(AssignmentRow).where(  # of the issues named
    AssignmentRow.issue_id.in_(bindparam("issues", expanding=True)),
    AssignmentRow.status.in_(domain.OPEN))
READ_OPEN = "departments-still-open"      # session.info: issue id → its open assignments


def rearm(unit, row, data):
    """End the assignment's running time limit and start the one its status calls for
    (``data`` may be None when the status calls for none). Its overdue state ends, and
    a request for an extension nobody decided lapses once it is no longer handled."""
    timers.close(unit, Timer, row.id)
    row.overdue_since = None
    if domain.time_limit(row.status) != domain.EXTENDABLE:
        for request in _extensions(unit.session, row.id, "requested"):
            request.status, request.decided_at = "lapsed", unit.now
    timers.arm_all(unit, Timer, limits(unit, row, data))


def limits(unit, row, data):
    """The row of the time limit the assignment's status calls for, starting now, in a
    list: empty when its status calls for none."""
    kind = domain.time_limit(row.status)
    return [] if kind is None else [timers.started(
        unit, data.calendar, kind=kind, subject_id=row.id, issue_id=row.issue_id,
        holder=row.department, days=data.rules.limits.days(kind, category=row.category,
                                                           department=row.department))]


def fire(unit, timer, stage, *, data):
    """A department's time limit: its last day begins and the department is reminded
    (催办); it runs out and the department and the district office are told (督办)."""
    row = timers.lock_subject(unit.session, AssignmentRow.id, timer.subject_id)
    if stage == "overdue":
        row.overdue_since = unit.now
    supervisor = data.district_id if domain.supervised(stage) else None
    _record(unit, row, stage, domain.TIMER_EVENTS[stage], None, step_note=timer.kind,
            **_timed(timer, supervisor))


def sweep(unit_source, data):
    """Fire every time limit that is due (``lianxin.timers``)."""
    timers.recount_provisional(unit_source, Timer, data.calendar)
    return timers.fire_due(unit_source, Timer, lambda unit, timer, stage:
                           fire(unit, timer, stage, data=data))


def ask_extension(unit, assignment_id, department, days, reason, *, data):
    """The department asks for ``days`` more working days to complete (延期); the
    district office is asked to decide."""
    row = load(unit.session, assignment_id, department, lock=True)
    asked = _extensions(unit.session, row.id)
    domain.check_extension_request(
        status=row.status, days=days, pending=any(e.status == "requested" for e in asked),
        granted=sum(e.status == "granted" for e in asked),
        extensions_max=data.rules.extensions_max,
        extension_max_days=data.rules.extension_max_days)
    timer = _running(unit.session, row)
    request = ExtensionRow(assignment_id=row.id, days=days, reason=reason, status="requested",
                           requested_at=unit.now)
    unit.session.add(request)
    _record(unit, row, "ask_extension", "extension_requested", reason,
            **_timed(timer, data.district_id, days))
    return _extension_step(unit, request, timer)


def decide_extension(unit, assignment_id, grant, note=None, *, data):
    """The district office grants the pending request, moving the deadline to complete
    that many working days past the present one, or refuses it, moving nothing."""
    row = load_one(unit.session, AssignmentRow.id, assignment_id, "assignment_id", lock=True)
    pending = _extensions(unit.session, row.id, "requested")
    domain.check_extension_decision(status=row.status, pending=bool(pending))
    request = pending[-1]
    timer = _running(unit.session, row, lock=True)
    request.status = "granted" if grant else "refused"
    request.decided_at, request.decision_note = unit.now, note
    if grant:
        timers.extend(timer, data.calendar, request.days)
        row.overdue_since = None
    row.updated_at = unit.now
    _record(unit, row, "grant_extension" if grant else "refuse_extension",
            f"extension_{request.status}", note, **_timed(timer, data.district_id, request.days))
    return _extension_step(unit, request, timer)


def _extension_step(unit, request, timer):
    unit.session.flush()
    return {**{c.name: getattr(request, c.name) for c in request.__table__.columns},
            "due_at": timer.due_at.astimezone(timezone.utc)}


def _running(session, row, lock=False):
    """The assignment's running time to complete, which an extension moves."""
    timer = timers.open_timer(session, Timer, row.id, domain.EXTENDABLE, lock=lock)
    if timer is None:
        raise NotAllowed("no time limit to complete runs on this assignment",
                         {"assignment_id": ["no time limit to complete runs"]})
    return timer


def _extensions(session, assignment_id, status=None):
    query = select(ExtensionRow).where(ExtensionRow.assignment_id == str(assignment_id))
    if status:
        query = query.where(ExtensionRow.status == status)
    return session.execute(query.order_by(ExtensionRow.id)).scalars().all()


def extensions(session, status=None):
    """Extension requests with the assignment each is for, oldest first (``status``
    ``requested``: what the district office has still to decide)."""
    query = select(ExtensionRow, AssignmentRow).join(
        AssignmentRow, AssignmentRow.id == ExtensionRow.assignment_id)
    if status:
        query = query.where(ExtensionRow.status == status)
    rows = session.execute(query.order_by(ExtensionRow.requested_at, ExtensionRow.id)).all()
    return [{**{c.name: getattr(ext, c.name) for c in ext.__table__.columns},
             "department": a.department, "tracking_no": a.tracking_no, "title": a.title,
             "issue_id": a.issue_id, "due_at": a.due_at} for ext, a in rows]


def _timed(timer, supervisor, days=None):
    """The fields of an ``AssignmentTimed`` event about ``timer``."""
    return {"limit": timer.kind, "due_at": timer.due_at.astimezone(timezone.utc).isoformat(),
            "provisional": timer.provisional, "supervisor_id": supervisor, "days": days}


def _record(unit, row, action, event, note, step_note=None, **fields):
    """A step of the assignment (written as the transaction commits, in the order the
    steps were taken) and the event that tells of it."""
    unit.later(STEP, {"assignment_id": row.id, "action": action, "status": row.status,
                      "note": note if step_note is None else step_note, "actor": unit.actor,
                      "occurred_at": unit.now})
    if unit.actor:
        fields["actor"] = unit.actor
    unit.publish(event, row.issue_id, tracking_no=row.tracking_no, title=row.title,
                 assignment_id=row.id, department=row.department,
                 lead=row.lead, note=note, **fields)


def load(session, assignment_id, department, lock=False):
    """One of ``department``'s assignments (any, for ``None``: the district office);
    another department's is not found."""
    query = select(AssignmentRow).where(AssignmentRow.id == str(assignment_id))
    if department is not None:
        query = query.where(AssignmentRow.department == department)
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no assignment {assignment_id} for this department",
                       {"assignment_id": ["not found"]})
    return row


def assignments(session, department, status=None, issue_id=None, lead=None):
    """Assignments oldest first: one department's, or (``department`` None) every one's."""
    query = select(AssignmentRow)
    if department:
        query = query.where(AssignmentRow.department == department)
    if lead is not None:
        query = query.where(AssignmentRow.lead == lead)
    if status:
        query = query.where(AssignmentRow.status == status)
    if issue_id:
        query = query.where(AssignmentRow.issue_id == str(issue_id))
    return session.execute(query.order_by(AssignmentRow.created_at)).scalars().all()


def detail(session, assignment_id, department):
    """One assignment with every step it took and every extension asked (a department's
    own, or any for the district office: ``department`` None)."""
    row = load(session, assignment_id, department)
    steps = session.execute(select(AssignmentStepRow)
                            .where(AssignmentStepRow.assignment_id == row.id)
                            .order_by(AssignmentStepRow.id)).scalars().all()
    return {**{c.name: getattr(row, c.name) for c in row.__table__.columns},
            "due_at": row.due_at, "steps": steps, "extensions": _extensions(session, row.id),
            "hearing": hearings.of_assignment(session, row)}


def deadline_department(caller, asked, catalog):
    """Whose time limits a caller lists: a department its own, the district office one
    department's or (None) every department's."""
    own = caller.id if caller.role == "department" else None
    if own is not None and asked not in (None, own):
        raise NotYours.field("department", "a department sees its own time limits only")
    department = own or asked
    if department is not None and department not in catalog.departments:
        raise NotFound.field("department", f"unknown department {department!r}")
    return department


def deadlines(session, departments=None, overdue=None, issue_id=None):
    """Running time limits of assignments (of ``departments``, else all), soonest first."""
    rows = timers.listing(session, Timer, departments, overdue, issue_id=issue_id)
    found = {a.id: a for a in session.execute(select(AssignmentRow).where(
        AssignmentRow.id.in_({t.subject_id for t in rows}))).scalars()} if rows else {}
    return [{"id": t.id, "assignment_id": t.subject_id, "issue_id": t.issue_id,
             "tracking_no": found[t.subject_id].tracking_no, "title": found[t.subject_id].title,
             "department": t.holder, "limit": t.kind, "state": t.state, "days": t.days,
             "started_at": t.started_at, "remind_at": t.remind_at, "due_at": t.due_at,
             "provisional": t.provisional}
            for t in rows]
