"""面对面: the hearing at which the referrals of a meeting are handed to departments,
each department's representative signing for its items and saying what it undertakes.
The hearing is shown on each assignment it handed over."""
import uuid

from sqlalchemy import select

from lianxin.errors import BadValue
from services.departments.models import AssignmentRow, HearingRow


def record(unit, hearing, catalog):
    """Record a hearing, all or none: each entry's department is known and signs only for
    lead assignments of its own that are still open."""
    errors = {}
    for index, entry in enumerate(hearing["entries"]):
        if entry["department"] not in catalog.departments:
            errors[f"entries.{index}.department"] = [f"unknown department {entry['department']!r}"]
            continue
        ids = [str(a) for a in entry["assignment_ids"]]
        found = {row.id: row for row in unit.session.execute(
            select(AssignmentRow).where(AssignmentRow.id.in_(ids))).scalars()}
        wrong = [a for a in ids if a not in found or found[a].department != entry["department"]
                 or found[a].status not in ("assigned", "accepted")]
        if wrong:
            errors[f"entries.{index}.assignment_ids"] = [
                f"not an open assignment of {entry['department']}: {a}" for a in wrong]
    if errors:
        raise BadValue("the hearing names assignments it cannot hand over", errors)
    row = HearingRow(id=str(uuid.uuid4()), held_on=hearing["held_on"], recorded_at=unit.now,
                     entries=[{**e, "assignment_ids": [str(a) for a in e["assignment_ids"]]}
                              for e in hearing["entries"]])
    unit.session.add(row)
    for entry in row.entries:
        for assignment in unit.session.execute(select(AssignmentRow).where(
                AssignmentRow.id.in_(entry["assignment_ids"]))).scalars():
            assignment.hearing_id = row.id
    return row


def of_assignment(session, assignment):
    """What the hearing that handed an assignment over records for its department."""
    if assignment.hearing_id is None:
        return None
    hearing = session.get(HearingRow, assignment.hearing_id)
    entry = next(e for e in hearing.entries if assignment.id in e["assignment_ids"])
    return {"id": hearing.id, "held_on": hearing.held_on.isoformat(),
            "attendee": entry["attendee"], "undertaking": entry["undertaking"]}
