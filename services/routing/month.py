"""The district's month: the stations' reviews due by the rules' review day, the
classified ledger frozen after the freeze day, and the agenda of the directors' meeting
built from it (rules and counting: ``ledger``)."""
import json
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lianxin import timers
from lianxin.errors import BadValue, NotAllowed, NotFound
from services.routing import domain, ledger
from services.routing.models import IssueRow, LedgerMonthRow, StepRow, Timer

MONTH_END = "month_end"          # the timer that freezes a month after its freeze day
REVIEW = "review"                # a station's monthly review (研判), due by the review day
_REVIEWS = uuid.UUID("6f1d5c3e-2b51-4a8e-9a57-2c1f0c1b7e11")   # names review timers


def check_month(session, month, now, tz):
    """A month may be frozen from the system's first issue to the present one."""
    if month > ledger.month_of(now, tz):
        raise BadValue(f"{month} has not begun", {"month": ["is in the future"]})
    first = session.execute(select(IssueRow.received_at).order_by(IssueRow.received_at)
                            .limit(1)).scalar()
    if first is None or month < ledger.month_of(first, tz):
        raise BadValue(f"{month} is before the first issue",
                       {"month": ["is before the system's first issue"]})


def freeze(unit, month, tz, by):
    """Freeze the month's ledger: its items and counts, with their hash, never rewritten."""
    if unit.session.get(LedgerMonthRow, month) is not None:
        raise NotAllowed(f"the ledger of {month} is frozen already",
                         {"month": ["frozen already: a snapshot is never rewritten"]})
    check_month(unit.session, month, unit.now, tz)
    start, end = ledger.month_bounds(month, tz)
    items = _plain(ledger_items(unit.session, start, end))
    summary = ledger.summarize(items)
    row = LedgerMonthRow(month=month, frozen_at=unit.now, frozen_by=by, items=items,
                         summary=summary, content_hash=ledger.content_hash(items, summary))
    unit.session.add(row)
    unit.session.flush()
    return row


def snapshot(session, month):
    row = session.get(LedgerMonthRow, month)
    if row is None:
        raise NotFound(f"the ledger of {month} is not frozen", {"month": ["not frozen"]})
    return row


def agenda(session, month):
    """The directors' meeting agenda of a frozen month, each item with its history."""
    frozen = snapshot(session, month)
    groups = ledger.agenda(frozen.items)
    for group in groups:
        for item in group["items"]:
            steps = session.execute(select(StepRow).where(StepRow.issue_id == item["id"])
                                    .order_by(StepRow.version, StepRow.id)).scalars()
            item["history"] = [{"event_type": s.event_type, "station_id": s.station_id,
                                "reason": s.reason, "note": s.note, "review_id": s.review_id,
                                "occurred_at": s.occurred_at.isoformat()} for s in steps]
    return {"month": month, "content_hash": frozen.content_hash, "groups": groups,
            "total": sum(len(g["items"]) for g in groups)}


def on_agenda(session, month):
    """The ids of the issues on a month's agenda."""
    return {item["id"] for group in ledger.agenda(snapshot(session, month).items)
            for item in group["items"]}


def arm_month(unit, data):
    """Keep the present month's timers (rows, no cron): the ledger's freeze at the end of
    the rules' freeze day, and each village and town station's review due by the end of
    the review day, armed while that day is still to come."""
    month = ledger.month_of(unit.now, data.timezone)
    year, number = map(int, month.split("-"))
    days = data.rules.month
    if unit.session.execute(select(Timer.id).where(
            Timer.kind == MONTH_END, Timer.subject_id == f"ledger:{month}")).first() is None:
        _add(unit, MONTH_END, f"ledger:{month}", data.ladder.district.id,
             _end_of(days.on("freeze_day", year, number), data.timezone))
    due_at = _end_of(days.on("review_day", year, number), data.timezone)
    if unit.now >= due_at:
        return
    subjects = {review_subject(station.id, month): station.id
                for station in data.ladder.stations.values()
                if station.tier in domain.REVIEWING_TIERS}
    armed = set(unit.session.execute(select(Timer.subject_id).where(
        Timer.kind == REVIEW, Timer.subject_id.in_(subjects))).scalars())
    for subject, station_id in subjects.items():
        if subject not in armed:
            _add(unit, REVIEW, subject, station_id, due_at)


def review_subject(station_id, month):
    """The timer subject of a station's review of a month (fits a timer's 36 characters)."""
    return str(uuid.uuid5(_REVIEWS, f"{month}:{station_id}"))


def _end_of(day: date, tz: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(tz))


def _add(unit, kind, subject, holder, due_at):
    unit.session.add(Timer(kind=kind, subject_id=subject, issue_id="", holder=holder, days=0,
                           started_at=unit.now, due_at=due_at, fire_at=due_at,
                           provisional=False, state="pending"))


def fire_month_end(unit, timer, tz):
    """The freeze day is over: freeze the month, unless the district office already has."""
    month = timer.subject_id.removeprefix("ledger:")
    if unit.session.get(LedgerMonthRow, month) is None:
        try:
            with unit.savepoint():
                freeze(unit, month, tz, "month end")
        except BadValue:
            pass                      # a month with no issues has no ledger to freeze
    timers.close(unit, Timer, timer.subject_id)


def fire_review(unit, timer, data):
    """The review day is over and the station has not reviewed: if it holds open issues,
    its supervisor is told (督办) and the timer stays overdue until the review is held."""
    station = data.ladder.stations[timer.holder]
    held_open = unit.session.execute(select(func.count()).select_from(IssueRow).where(
        IssueRow.station_id == station.id, IssueRow.status == "open")).scalar()
    if not held_open:
        timers.close(unit, Timer, timer.subject_id, state="cancelled")   # nothing to review
        return
    month = ledger.month_of(timer.due_at - timedelta(microseconds=1), data.timezone)
    unit.publish("review_overdue", None, station_id=station.id,
                 supervisor_id=station.parent_id, month=month,
                 due_at=timer.due_at.isoformat(), open_issues=held_open)


def ledger_items(session, start, end):
    """Every issue on the ledger of the month [start, end), with how often time
    escalated it (a limit run out at a village or town station)."""
    rows = session.execute(select(IssueRow).where(IssueRow.received_at < end).where(
        (IssueRow.closed_at.is_(None)) | (IssueRow.closed_at >= start))
        .order_by(IssueRow.received_at)).scalars().all()
    by_time = dict(session.execute(
        select(StepRow.issue_id, func.count()).where(StepRow.reason == "overdue",
                                                     StepRow.occurred_at < end)
        .group_by(StepRow.issue_id)).all())
    return [{**{c.name: getattr(row, c.name) for c in IssueRow.__table__.columns},
             "overdue_escalations": by_time.get(row.id, 0)} for row in rows]


def _plain(items):
    """Items as JSON keeps them: timestamps as ISO-8601 text."""
    return json.loads(json.dumps(items, default=lambda v: v.isoformat()
                                 if isinstance(v, datetime) else str(v)))


def city_record(session, issue_id):
    """What the city congress was sent and answered about a forwarded issue (市区联动)."""
    steps = session.execute(select(StepRow).where(StepRow.issue_id == str(issue_id))
                            .order_by(StepRow.version, StepRow.id)).scalars().all()
    sent = [s for s in steps if s.event_type == "issue_forwarded"]
    if not sent:
        raise NotFound("this issue was never forwarded to the city",
                       {"issue_id": ["not forwarded to the city"]})
    answers = [s for s in steps if s.tier == "city" and s.event_type == "issue_resolved"]
    return [{"sent_at": forward.occurred_at, "asked": forward.note,
             "answered_at": answer.occurred_at if answer else None,
             "answer": answer.note if answer else None}
            for forward, answer in _pair(sent, answers)]


def _pair(sent, answers):
    """Each forward with the first answer after it (None while the city has not replied)."""
    for forward in sent:
        yield forward, next((a for a in answers if a.version > forward.version), None)
