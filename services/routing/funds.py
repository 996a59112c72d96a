"""财力保障: the district's emergency pool for issues that stations cannot solve for want
of money. An issue escalated with the reason ``needs_funding`` may be given allocations
(amount, source department, date), and what was spent of each is recorded."""
from decimal import Decimal

from sqlalchemy import select

from lianxin.errors import BadValue, NotAllowed, NotFound
from lianxin.workdays import month_bounds
from services.routing.models import FundRow, StepRow


def allocate(unit, issue_id, allocation, departments):
    """An allocation from the pool, by a known department, to an issue that went up for
    want of funds."""
    if allocation["source_department"] not in departments:
        raise BadValue.field("source_department",
                             f"unknown department {allocation['source_department']!r}")
    needs = unit.session.execute(select(StepRow.id).where(
        StepRow.issue_id == str(issue_id), StepRow.reason == "needs_funding").limit(1)).first()
    if needs is None:
        raise NotAllowed("only an issue escalated for want of funds draws on the pool",
                         {"issue_id": ["never escalated with the reason needs_funding"]})
    row = FundRow(issue_id=str(issue_id), recorded_at=unit.now, spent=Decimal(0), **allocation)
    unit.session.add(row)
    unit.session.flush()
    return row


def spend(unit, allocation_id, amount):
    row = unit.session.get(FundRow, allocation_id)
    if row is None:
        raise NotFound(f"no allocation {allocation_id}", {"allocation_id": ["not found"]})
    if row.spent + amount > row.amount:
        raise BadValue.field("amount", f"more than the {row.amount - row.spent} left of it")
    row.spent += amount
    return row


def statement(session, month, tz, pool):
    """The pool, what was allocated and spent in the month, and each allocation."""
    start, end = month_bounds(month, tz)
    rows = session.execute(select(FundRow).where(
        FundRow.allocated_on >= start.date(), FundRow.allocated_on < end.date())
        .order_by(FundRow.allocated_on, FundRow.id)).scalars().all()
    allocated = sum((r.amount for r in rows), Decimal(0))
    return {"month": month, "pool": pool, "allocated": allocated,
            "spent": sum((r.spent for r in rows), Decimal(0)),
            "left": pool - allocated if pool is not None else None, "allocations": rows}
