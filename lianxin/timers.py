"""Time limits kept as rows of the owning service's database, and the sweep that fires them.

A timer is armed in the transaction of the step that starts a time limit and closed in
the transaction of the step that ends it; nothing is scheduled in memory, so a
restart forgets nothing. Each sweep claims the timers that are due (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so that replicas never fire one twice) and fires each in the
same transaction as its effect. A timer goes ``pending`` → ``reminded`` when its last
working day begins (催办) → ``overdue`` when the limit has run out (督办), and stays
overdue, for everyone to see, until the step it waits for is taken (``done``).
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import eventlet
from marshmallow import Schema, fields
from sqlalchemy import Boolean, Column, Integer, String, bindparam, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from lianxin.statements import inserting
from lianxin.workdays import WorkCalendar

log = logging.getLogger(__name__)

OPEN = ("pending", "reminded", "overdue")
WAITING = ("pending", "reminded")              # states the sweep still has to fire
SWEEP_BATCH = 50        # timers fired per transaction: short ones, so that steps interleave


def add_table(base: Any, datetime_type: Any) -> Any:
    """The table of timers on a service's declarative base."""
    class Timer(base):  # type: ignore[misc, valid-type]
        __tablename__ = "timers"
        id = Column(Integer, primary_key=True)
        kind = Column(String(32), nullable=False)           # the time limit, as in the rules
        subject_id = Column(String(36), nullable=False, index=True)   # what it waits on
        issue_id = Column(String(36), nullable=False, index=True)
        holder = Column(String(64), nullable=False, index=True)      # station or department
        days = Column(Integer, nullable=False)
        started_at = Column(datetime_type(), nullable=False)
        remind_at = Column(datetime_type())
        due_at = Column(datetime_type(), nullable=False)
        provisional = Column(Boolean, nullable=False, default=False)
        state = Column(String(16), nullable=False)   # pending reminded overdue done cancelled
        fire_at = Column(datetime_type(), index=True)   # when the sweep acts next, if ever
        fired_at = Column(datetime_type())
        closed_at = Column(datetime_type())
    return Timer


class Busy(Exception):
    """The timer's subject is locked by a step under way; the timer stays due."""


def lock_subject(session: Any, column: Any, value: str) -> Any:
    """The subject row of a timer, locked for this transaction, or ``Busy`` when a step
    holds it: the sweep never waits on a step that may be waiting on the sweep's timers."""
    query = select(column.class_).where(column == str(value)).with_for_update(skip_locked=True)
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise Busy(value)
    return row


def next_stage(state: str, remind_at: datetime | None, due_at: datetime,
               now: datetime) -> str | None:
    """The stage a timer reaches at ``now``: ``overdue`` once the limit has run out
    (even if the reminder was never sent), ``reminded`` once its last day has begun."""
    if state in WAITING and now >= due_at:
        return "overdue"
    if state == "pending" and remind_at is not None and now >= remind_at:
        return "reminded"
    return None


def schedule(calendar: WorkCalendar, start: datetime, days: int,
             remind: bool = True) -> dict[str, Any]:
    """When a limit of ``days`` working days from ``start`` reminds and runs out."""
    deadline = calendar.add_working_days(start, days)
    remind_at = deadline.at - timedelta(days=1) if remind else None
    return {"due_at": deadline.at, "remind_at": remind_at, "provisional": deadline.provisional,
            "fire_at": remind_at or deadline.at}


def arm(unit: Any, model: Any, calendar: WorkCalendar, **limit: Any) -> None:
    """Start a time limit now (``limit``: the arguments of ``started``)."""
    arm_all(unit, model, [started(unit, calendar, **limit)])


def arm_all(unit: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Start time limits (``started``'s rows) in the unit's transaction, with one statement
    written at once: a query later in the transaction finds them."""
    if rows:
        unit.session.execute(inserting(model.__table__), rows)


def arm_later(unit: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """``arm_all`` as the transaction commits (``Unit.later``), in one statement with the
    other time limits started meanwhile: for limits nothing in the transaction reads
    before then, such as those of a new subject."""
    unit.later(inserting(model.__table__), *rows)


def started(unit: Any, calendar: WorkCalendar, *, kind: str, subject_id: str, issue_id: str,
            holder: str, days: int, remind: bool = True) -> dict[str, Any]:
    """The row of a time limit that starts now."""
    return {"kind": kind, "subject_id": str(subject_id), "issue_id": str(issue_id),
            "holder": holder, "days": days, "started_at": unit.now, "state": "pending",
            **schedule(calendar, unit.now, days, remind)}


def close(unit: Any, model: Any, subject_id: str, kinds: Iterable[str] | None = None,
          state: str = "done") -> None:
    """End the subject's open timers (of ``kinds``, else all) in the unit's transaction,
    with one statement; a timer the sweep holds in its session sees it at once, so the
    sweep does not fire a timer that the one before it ended."""
    close_all(unit, model, [subject_id], kinds, state)


def close_all(unit: Any, model: Any, subject_ids: Iterable[str],
              kinds: Iterable[str] | None = None, state: str = "done") -> None:
    """``close`` for every subject of ``subject_ids``, with one statement."""
    closed = unit.session.execute(_closing(model.__table__, kinds is not None), {
        "subjects": [str(s) for s in subject_ids], "kinds": list(kinds or ()), "to": state,
        "at": unit.now}).scalars().all()
    for timer_id in closed:
        held = unit.session.identity_map.get(identity_key(model, timer_id))
        if held is not None:
            for name, value in (("state", state), ("fire_at", None), ("closed_at", unit.now)):
                set_committed_value(held, name, value)


@functools.cache
def _closing(table: Any, of_kinds: bool) -> Any:
    query = table.update().where(table.c.subject_id.in_(bindparam("subjects", expanding=True)),
                                 table.c.state.in_(OPEN))
    if of_kinds:
        query = query.where(table.c.kind.in_(bindparam("kinds", expanding=True)))
    return query.values(state=bindparam("to"), fire_at=None,
                        closed_at=bindparam("at")).returning(table.c.id)


def open_timer(session: Any, model: Any, subject_id: str, kind: str, lock: bool = False) -> Any:
    query = select(model).where(model.subject_id == str(subject_id), model.kind == kind,
                                model.state.in_(OPEN))
    return session.execute(query.with_for_update() if lock else query).scalars().first()


def extend(timer: Any, calendar: WorkCalendar, days: int) -> None:
    """Move a timer's limit ``days`` working days past its present deadline."""
    last_day = timer.due_at - timedelta(microseconds=1)
    timer.days += days
    timer.state, timer.fired_at = "pending", None
    for name, value in schedule(calendar, last_day, days).items():
        setattr(timer, name, value)
    if timer.remind_at is not None and timer.remind_at <= timer.started_at:
        timer.remind_at = None


def claim_due(unit: Any, model: Any, limit: int = SWEEP_BATCH) -> list[Any]:
    """Due timers locked for this transaction; rows another replica holds are skipped."""
    query = (select(model).where(model.state.in_(WAITING), model.fire_at <= unit.now)
             .order_by(model.fire_at, model.id).limit(limit)
             .with_for_update(skip_locked=True))
    return list(unit.session.execute(query).scalars())


def fire_due(db: Any, model: Any, fire: Callable[[Any, Any, str], None],
             limit: int = SWEEP_BATCH) -> int:
    """Fire every due timer in batches, each with its effect in one transaction.
    ``fire(unit, timer, stage)`` does what the stage calls for; a timer whose effect
    fails is left due and logged, and never stops the others. What was due when the
    sweep began has been fired when it returns (``db.note_sweep``, shown by /health)."""
    fired, began = 0, None
    while True:
        with db.transaction() as unit:
            began = began or unit.now
            due = claim_due(unit, model, limit)
            for timer in due:
                stage = next_stage(timer.state, timer.remind_at, timer.due_at, unit.now)
                if stage is None:
                    continue
                try:
                    with unit.savepoint():
                        timer.state, timer.fired_at = stage, unit.now
                        timer.fire_at = timer.due_at if stage == "reminded" else None
                        unit.session.flush()
                        fire(unit, timer, stage)   # which may close this timer
                except Busy:
                    continue           # a step holds its subject: due again at the next sweep
                except Exception:
                    log.exception("timer %s (%s) could not fire; left due", timer.id, timer.kind)
                    timer.fire_at = unit.now + timedelta(minutes=5)
                    continue
                fired += 1
        if len(due) < limit:
            db.note_sweep(began, fired)
            return fired
        eventlet.sleep(0)      # let requests and events in between batches (SQLite never yields)


def recount_provisional(db: Any, model: Any, calendar: WorkCalendar) -> int:
    """``recompute_provisional`` in a transaction of its own, the first time a sweep of
    this process runs with ``calendar``: the calendar is read at start and does not
    change while the process runs, so a later sweep would find nothing to count again
    (and would read every provisional deadline to find that out)."""
    if getattr(db, "recounted_with", None) is calendar:
        return 0
    with db.transaction() as unit:
        changed = recompute_provisional(unit, model, calendar)
    db.recounted_with = calendar
    return changed


def recompute_provisional(unit: Any, model: Any, calendar: WorkCalendar) -> int:
    """Deadlines counted Monday to Friday over a year since added to the calendar,
    counted again on the calendar's days."""
    rows = unit.session.execute(select(model).where(model.state.in_(WAITING),
                                                    model.provisional.is_(True))).scalars().all()
    changed = 0
    for row in rows:
        timing = schedule(calendar, row.started_at, row.days, row.remind_at is not None)
        if timing["due_at"] != row.due_at or not timing["provisional"]:
            for name, value in timing.items():
                setattr(row, name, value)
            if row.state == "reminded":
                row.fire_at = row.due_at
            changed += 1
    return changed


def listing(session: Any, model: Any, holders: Iterable[str] | None = None,
            overdue: bool | None = None, limit: int = 1000,
            issue_id: str | None = None) -> list[Any]:
    """Open timers, soonest deadline first; ``holders`` narrows them to some holders,
    ``issue_id`` to one issue's."""
    query = select(model).where(model.state.in_(OPEN))
    if issue_id is not None:
        query = query.where(model.issue_id == str(issue_id))
    if holders is not None:
        query = query.where(model.holder.in_(list(holders)))
    if overdue is not None:
        query = query.where((model.state == "overdue") if overdue else
                            (model.state != "overdue"))
    return list(session.execute(query.order_by(model.due_at, model.id).limit(limit)).scalars())


class DeadlinesQuery(Schema):
    """What ``GET /deadlines`` narrows to (each service adds whose)."""
    overdue = fields.Boolean(metadata={"description": "only overdue ones, or only the others"})
    issue_id = fields.UUID(metadata={"description": "one issue's only"})


class DeadlineOut(Schema):
    """A running time limit as ``GET /deadlines`` lists it (each service adds whose)."""
    id = fields.Integer()
    issue_id = fields.String(allow_none=True)       # none for a station's monthly review
    tracking_no = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "pending | reminded | overdue"})
    days = fields.Integer(metadata={"description": "working days allowed, extensions included"})
    started_at = fields.AwareDateTime()
    remind_at = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime()
    provisional = fields.Boolean(metadata={
        "description": "counted Monday to Friday over a year the calendar lacks"})


def ended_within(session: Any, model: Any, start: datetime, end: datetime,
                 kinds: Iterable[str]) -> list[Any]:
    """Timers of ``kinds`` whose limit ended in [start, end): the step taken in time or
    late, or the limit run out with the step still not taken."""
    query = select(model).where(model.kind.in_(list(kinds)), (
        (model.closed_at >= start) & (model.closed_at < end) & (model.state == "done")) | (
        (model.due_at >= start) & (model.due_at < end) & (model.state == "overdue")))
    return list(session.execute(query).scalars())


def in_time(timer: Any) -> bool:
    """Whether the step a timer waited for was taken by its deadline."""
    return timer.state == "done" and timer.closed_at <= timer.due_at
