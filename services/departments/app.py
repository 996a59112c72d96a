"""Departments' use cases."""
import uuid

from sqlalchemy import select

from lianxin.errors import NotFound
from services.departments import domain
from services.departments.models import AssignmentRow, AssignmentStepRow


def create_assignments(unit, event):
    """A referral becomes one assignment for the lead and one per cooperating department."""
    issue_id = str(event["issue_id"])
    settle_others(unit, issue_id, *domain.SUPERSEDED)
    departments = [(event["department"], True)] + [(c, False) for c in event["cooperating"]]
    for code, lead in departments:
        row = AssignmentRow(id=str(uuid.uuid4()), issue_id=str(event["issue_id"]), department=code,
                            lead=lead, status="assigned", category=event["category"],
                            tracking_no=event["tracking_no"], title=event["title"],
                            brief=event["note"], description=event["description"],
                            created_at=unit.now, updated_at=unit.now)
        unit.session.add(row)
        _record(unit, row, "assign", "assignment_created", event["note"])


def act(unit, assignment_id, action, department, note=None):
    """Move the caller's own assignment one step; another department's is not found."""
    row = load(unit.session, assignment_id, department, lock=True)
    row.status, event = domain.advance(row.status, action)
    row.updated_at = unit.now
    if action == "complete":
        row.result = note
    _record(unit, row, action, event, note)
    if row.lead and action in domain.FOLLOWS_LEAD:
        settle_others(unit, row.issue_id, *domain.FOLLOWS_LEAD[action])
    return row


def settle_others(unit, issue_id, status, reason):
    """Close or cancel the issue's assignments still open, so none is left actionable."""
    rows = unit.session.execute(select(AssignmentRow).where(
        AssignmentRow.issue_id == issue_id,
        AssignmentRow.status.in_(domain.OPEN))).scalars().all()
    for row in rows:
        row.status, row.updated_at = status, unit.now
        unit.session.add(AssignmentStepRow(assignment_id=row.id, action=status, status=status,
                                           note=reason, occurred_at=unit.now))


def _record(unit, row, action, event, note):
    unit.session.add(AssignmentStepRow(assignment_id=row.id, action=action, status=row.status,
                                       note=note, occurred_at=unit.now))
    unit.publish(event, row.issue_id, tracking_no=row.tracking_no, title=row.title,
                 assignment_id=row.id, department=row.department,
                 lead=row.lead, note=note)


def load(session, assignment_id, department, lock=False):
    """One of ``department``'s assignments; another department's is not found."""
    query = select(AssignmentRow).where(AssignmentRow.id == str(assignment_id),
                                        AssignmentRow.department == department)
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no assignment {assignment_id} for this department",
                       {"assignment_id": ["not found"]})
    return row


def assignments(session, department, status=None, issue_id=None):
    query = select(AssignmentRow).where(AssignmentRow.department == department)
    if status:
        query = query.where(AssignmentRow.status == status)
    if issue_id:
        query = query.where(AssignmentRow.issue_id == str(issue_id))
    return session.execute(query.order_by(AssignmentRow.created_at)).scalars().all()


def detail(session, assignment_id, department):
    """One of the department's assignments with every step it took."""
    row = load(session, assignment_id, department)
    steps = session.execute(select(AssignmentStepRow)
                            .where(AssignmentStepRow.assignment_id == row.id)
                            .order_by(AssignmentStepRow.id)).scalars().all()
    return {**{c.name: getattr(row, c.name) for c in row.__table__.columns}, "steps": steps}
