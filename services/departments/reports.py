"""Departments' part of the monthly circular (通报): per department, what it was given,
completed and returned, its time limits kept, and its extensions (延期)."""
from collections import Counter, defaultdict

from sqlalchemy import select

from lianxin import timers
from lianxin.workdays import month_bounds
from services.departments.models import AssignmentRow, AssignmentStepRow, ExtensionRow, Timer


def circular(session, name, tz):
    start, end = month_bounds(name, tz)
    rows = defaultdict(Counter)
    for row in session.execute(select(AssignmentRow).where(
            AssignmentRow.created_at >= start, AssignmentRow.created_at < end,
            AssignmentRow.lead.is_(True))).scalars():
        rows[row.department]["assigned"] += 1
    lead = AssignmentRow.id == AssignmentStepRow.assignment_id
    steps = session.execute(select(AssignmentStepRow.action, AssignmentRow.department)
                            .join(AssignmentRow, lead)
                            .where(AssignmentStepRow.occurred_at >= start,
                                   AssignmentStepRow.occurred_at < end,
                                   AssignmentRow.lead.is_(True))).all()
    for action, department in steps:
        if action in ("complete", "return"):
            rows[department][{"complete": "completed", "return": "returned"}[action]] += 1
    for timer in timers.ended_within(session, Timer, start, end, ("accept", "complete")):
        rows[timer.holder][f"{timer.kind}_limits"] += 1
        rows[timer.holder][f"{timer.kind}_in_time"] += timers.in_time(timer)
    for status, department in session.execute(
            select(ExtensionRow.status, AssignmentRow.department)
            .join(AssignmentRow, AssignmentRow.id == ExtensionRow.assignment_id)
            .where(ExtensionRow.requested_at >= start, ExtensionRow.requested_at < end)).all():
        rows[department]["extensions_asked"] += 1
        rows[department]["extensions_granted"] += status == "granted"
    for (department,) in session.execute(select(AssignmentRow.department).where(
            AssignmentRow.overdue_since.is_not(None))).all():
        rows[department]["overdue_now"] += 1
    return {"month": name, "departments": {d: dict(c) for d, c in sorted(rows.items())}}
