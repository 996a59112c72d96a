"""Intake's use cases: submission, the voter's timeline, feedback, contact."""
import secrets
import uuid
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from lianxin.db import load_one, missing
from lianxin.errors import BadValue, NotFound, NotYours
from lianxin.statements import inserting, updating
from services.intake import domain, receptions, visits
from services.intake.models import FeedbackRow, IssueRow, TimelineRow

VOTER_FIELDS = {"name": "voter_name", "phone": "voter_phone", "id_number": "voter_id_number",
                "email": "voter_email"}
ISSUE_FIELDS = ("channel", "category", "title", "description", "village_code", "station_id",
                "representative_id", "grid_id", "resolution", "visit_id")
TIMELINE_FIELDS = ("event_type", "status", "tier", "station_id", "department", "note",
                   "actor", "occurred_at")


def check_placement(placement):
    """``directory.locate``'s answer: a place to start, or the fields it did not know."""
    if "errors" in placement:
        raise BadValue("the submission names something unknown", placement["errors"])


def submit_placed(unit, placed):
    """``submit`` of ``(submission, placement, settings)`` once the visit it names is
    checked: ``Database.together`` runs it with the submissions that arrive with it."""
    submission, placement, settings = placed
    visits.check_visit(unit.session, submission)
    return submit(unit, submission, placement, settings)


def submit(unit, submission, placement, settings):
    """Record a submission and announce it; its voter's details stay in this service.

    Returns the receipt: tracking number and access code (shown this once)."""
    code = "".join(secrets.choice(domain.ACCESS_CODE_ALPHABET)
                   for _ in range(domain.ACCESS_CODE_LENGTH))
    row = SimpleNamespace(
        id=str(uuid.uuid4()), submitted_at=unit.now, version=0, feedback_pending=False,
        status="handled" if submission.get("resolution") else "open",
        tier=placement["tier"], current_station_id=placement["station_id"],
        access_code_digest=domain.code_digest(code),
        reception_day=submission["channel"] == "reception" and receptions.is_reception_day(
            unit.session, submission.get("station_id"),
            unit.now.astimezone(settings.timezone).date()),
        **{f: submission.get(f) for f in ISSUE_FIELDS},
        **{column: submission["voter"].get(key) for key, column in VOTER_FIELDS.items()})
    seq, row.possible_duplicate_of = insert_issue(unit.session, row, submission,
                                                  settings.duplicate_window)
    row.tracking_no = domain.tracking_no(settings.tracking_prefix,
                                         unit.now.astimezone(settings.timezone), seq)
    unit.later(updating(ISSUES, "id"), {"row": row.id, "tracking_no": row.tracking_no})
    unit.later(inserting(TimelineRow.__table__), {
        "issue_id": row.id, "event_type": "issue_submitted", "status": row.status,
        "tier": row.tier, "station_id": row.current_station_id, "department": None,
        "note": row.resolution, "actor": unit.actor, "occurred_at": unit.now})
    unit.publish("issue_submitted", row.id, tracking_no=row.tracking_no, channel=row.channel,
                 category=row.category, title=row.title, village_code=row.village_code,
                 station_id=row.station_id, representative_id=row.representative_id,
                 resolution=row.resolution, description=row.description,
                 possible_duplicate_of=row.possible_duplicate_of, grid_id=row.grid_id,
                 grid_member_id=submission.get("grid_member_id"))
    return {"id": row.id, "tracking_no": row.tracking_no, "access_code": code,
            "status": row.status, "tier": row.tier,
            "possible_duplicate_of": row.possible_duplicate_of}


def insert_issue(session, row, submission, window):
    """Store the issue ``row``; its ``seq`` and the issue it likely repeats, found by the
    same statement: the newest issue still open of the same village, category and phone
    submitted within ``window`` before it, which the station is shown, not silently split."""
    return session.execute(NEW_ISSUE, {
        **vars(row), "dup_village": submission["village_code"],
        "dup_category": submission["category"], "dup_phone": submission["voter"]["phone"],
        "dup_since": row.submitted_at - window}).one()


def project(unit, event, *, event_type, also=None):
    """Add a step to the voter's timeline; routing's events also move the status;
    ``also(unit, issue, event_type, event)`` is told of it in the same transaction."""
    issue = _locked(unit, event["issue_id"])
    if domain.is_newer(event.get("version"), issue.version):
        _move(unit, issue, event, event_type)
    unit.later(inserting(TimelineRow.__table__), {
        "issue_id": issue.id, "event_type": event_type, "status": event.get("status"),
        "tier": event.get("tier"), "station_id": event.get("station_id"),
        "department": event.get("department"), "note": event.get("note"),
        "actor": event.get("actor"), "occurred_at": event["occurred_at"]})
    if also is not None:
        also(unit, issue, event_type, event)


def lock_issues(unit, events):
    """Read and lock the issues of ``events`` in one statement, in id order, for
    ``project`` to find (``Database.together`` calls it with the events of a batch,
    ``inbox.prepare``): one round trip for the batch, not one for each event."""
    _lock(unit, {str(event["issue_id"]) for event in events})


def _lock(unit, issue_ids):
    locked = unit.session.info.setdefault(LOCKED, {})
    wanted = sorted(issue_ids - set(locked))
    if wanted:
        locked.update(dict.fromkeys(wanted))          # asked for: None if there is none
        for found in unit.session.execute(PROJECTED, {"ids": wanted}):
            locked[found.id] = SimpleNamespace(**found._asdict(), moved=None)


project.prepare = lock_issues  # type: ignore[attr-defined]


def _locked(unit, issue_id):
    """What a step of the issue changes and the grid system is told, its row locked."""
    if str(issue_id) not in unit.session.info.get(LOCKED, {}):
        _lock(unit, {str(issue_id)})
    issue = unit.session.info[LOCKED][str(issue_id)]
    if issue is None:
        raise missing("issue_id", issue_id)
    return issue


def _move(unit, issue, event, event_type):
    """The issue as a newer step leaves it, written as the transaction commits: one
    row per issue, holding its newest state however many steps of the batch moved it."""
    issue.version, issue.status, issue.tier = event["version"], event["status"], event["tier"]
    issue.current_station_id, issue.department = event["station_id"], event["department"]
    if event_type in ("issue_reopened", "issue_closed"):
        issue.feedback_pending = False   # reopened: a new handling; closed: reopen window
    if issue.moved is None:
        issue.moved = {"row": issue.id}
        unit.later(updating(ISSUES, "id"), issue.moved)
    issue.moved.update(
        {name: getattr(issue, name) for name in MOVED}, closed_at=(
            event["occurred_at"] if event_type == "issue_closed" else None))


ISSUES = IssueRow.__table__
DUPLICATE = (select(ISSUES.c.id).where(ISSUES.c.village_code == bindparam("dup_village"),
                                        ISSUES.c.category == bindparam("dup_category"),
                                        ISSUES.c.voter_phone == bindparam("dup_phone"),
                                        ISSUES.c.status != "closed",
                                        ISSUES.c.submitted_at >= bindparam("dup_since"))
             .order_by(ISSUES.c.seq.desc()).limit(1))
NEW_ISSUE = (ISSUES.insert().values(possible_duplicate_of=DUPLICATE.scalar_subquery())
             .returning(ISSUES.c.seq, ISSUES.c.possible_duplicate_of))
MOVED = ("version", "status", "tier", "current_station_id", "department", "feedback_pending")
PROJECTED = (select(*[ISSUES.c[name] for name in ("id", "tracking_no", "channel", "village_code",
                                                  *MOVED)])
             .where(ISSUES.c.id.in_(bindparam("ids", expanding=True)))
             .order_by(ISSUES.c.id).with_for_update())
LOCKED = "intake-locked-issues"     # session.info: issue id → its row as read and moved


def give_feedback(unit, issue_id, feedback, caller=None, reopen_until=None):
    """The voter's rating of a handling, given with the receipt's access code, or
    taken by phone (回访) by a station that took or holds the issue; after it is closed,
    "unsatisfied" until ``reopen_until(row)`` reopens it."""
    row = load(unit.session, issue_id, lock=True)
    taken_by = check_access(row, caller, feedback.get("access_code"))
    window_ends = reopen_until(row) if reopen_until and row.closed_at else None
    domain.check_feedback(row.status, row.feedback_pending, feedback["rating"], window_ends,
                          unit.now)
    row.feedback_pending = True
    unit.session.add(FeedbackRow(issue_id=row.id, rating=feedback["rating"], taken_by=taken_by,
                                 comment=feedback.get("comment"), given_at=unit.now))
    unit.session.add(TimelineRow(issue_id=row.id, event_type="feedback_received",
                                 status=row.status, tier=row.tier, note=feedback["rating"],
                                 actor=unit.actor, occurred_at=unit.now))
    unit.publish("feedback_received", row.id, rating=feedback["rating"],
                 comment=feedback.get("comment"))
    return row


def load(session, issue_id, lock=False):
    return load_one(session, IssueRow.id, issue_id, "issue_id", lock)


def find(session, tracking_no):
    return load_one(session, IssueRow.tracking_no, tracking_no, "tracking_no")


def check_access(row, caller, access_code):
    """Who may see or rate the issue: "voter" with its access code, or the station or
    district office entitled to its whole record; anyone else is told it is not found,
    so that a guess learns nothing."""
    if caller is not None:
        if domain.sees_everything(caller.role, caller.id, (row.station_id, row.current_station_id)):
            return caller.id or caller.role
        raise NotYours("this issue is not one the caller took or holds",
                       {"issue_id": [f"held by {row.current_station_id}"]})
    if domain.code_matches(row.access_code_digest, access_code):
        return "voter"
    raise NotFound("no issue with this number and access code",
                   {"access_code": ["missing or wrong for this issue"]})


def view(session, issue_id, caller=None, access_code=None):
    """Where the issue is and the steps it took: every step and note for the station or
    district office entitled to them, the voter's steps for the voter."""
    row = load(session, issue_id)
    everything = check_access(row, caller, access_code) != "voter"
    steps = session.execute(select(TimelineRow).where(TimelineRow.issue_id == row.id)
                            .order_by(TimelineRow.occurred_at, TimelineRow.id)).scalars().all()
    steps = [{c: getattr(s, c) for c in TIMELINE_FIELDS} for s in steps]
    return {"id": row.id, "tracking_no": row.tracking_no, "status": row.status, "tier": row.tier,
            "station_id": row.current_station_id, "department": row.department,
            "category": row.category, "title": row.title, "channel": row.channel,
            "submitted_at": row.submitted_at,
            "description": row.description,
            "possible_duplicate_of": row.possible_duplicate_of if everything else None,
            "reception_day": row.reception_day, "visit_id": row.visit_id,
            "timeline": steps if everything else domain.voter_timeline(steps)}


def contact(session, issue_id):
    row = session.execute(select(IssueRow).where(IssueRow.id == str(issue_id))).scalar_one_or_none()
    if row is None:
        return None
    return {key: getattr(row, column) for key, column in VOTER_FIELDS.items()}
