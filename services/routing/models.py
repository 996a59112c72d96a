"""Routing's tables: where each issue sits now, its history, its time limits, meetings
and the frozen months of the ledger."""
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, Numeric, String, Text

from lianxin import timers
from lianxin.db import UtcDateTime, service_base

# Any: a base made at run time is not a type mypy can check classes against
Base: Any = service_base()


class IssueRow(Base):
    __tablename__ = "issues"
    id = Column(String(36), primary_key=True)
    tracking_no = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, index=True)
    tier = Column(String(16), nullable=False)
    station_id = Column(String(64), nullable=False, index=True)
    category = Column(String(64), nullable=False)
    title = Column(String(200), nullable=False)
    description = Column(Text)   # what the voter wrote (no name, phone or ID number)
    possible_duplicate_of = Column(String(36))   # flagged by intake for the station
    village_code = Column(String(32), nullable=False)
    channel = Column(String(16), nullable=False)
    representative_id = Column(String(32))
    grid_id = Column(String(64))               # a grid report's grid and reporting member
    grid_member_id = Column(String(64))
    department = Column(String(32))
    cooperating = Column(JSON, nullable=False, default=list)
    version = Column(Integer, nullable=False)
    returns = Column(Integer, nullable=False, default=0, server_default="0")   # 退回 so far
    overdue_since = Column(UtcDateTime())   # its time limit ran out and it has not moved since
    received_at = Column(UtcDateTime(), nullable=False, index=True)
    closed_at = Column(UtcDateTime())


Timer = timers.add_table(Base, UtcDateTime)


class StepRow(Base):
    __tablename__ = "steps"
    id = Column(Integer, primary_key=True)
    issue_id = Column(String(36), ForeignKey("issues.id"), nullable=False, index=True)
    event_type = Column(String(64), nullable=False)
    version = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False)
    tier = Column(String(16), nullable=False)
    station_id = Column(String(64), nullable=False)
    department = Column(String(32))
    reason = Column(String(32))
    note = Column(Text)
    occurred_at = Column(UtcDateTime(), nullable=False)
    review_id = Column(String(36))          # the station's monthly review that took the step
    actor = Column(String(64))              # the front end's user who took it (console:17)


class MeetingRow(Base):
    __tablename__ = "meetings"
    id = Column(String(36), primary_key=True)
    held_on = Column(Date, nullable=False)
    agenda = Column(String(7))   # the frozen month whose agenda it decided, if any
    decisions = Column(JSON, nullable=False)
    recorded_at = Column(UtcDateTime(), nullable=False)


class LedgerMonthRow(Base):
    """A month's classified ledger (按月分类台账) frozen at its end: never rewritten."""
    __tablename__ = "ledger_months"
    month = Column(String(7), primary_key=True)
    frozen_at = Column(UtcDateTime(), nullable=False)
    frozen_by = Column(String(64), nullable=False)   # "month end", or who froze it
    content_hash = Column(String(64), nullable=False)
    summary = Column(JSON, nullable=False)
    items = Column(JSON, nullable=False)


class ReviewRow(Base):
    """A station's monthly review: what it decided for each open issue it held."""
    __tablename__ = "reviews"
    id = Column(String(36), primary_key=True)
    station_id = Column(String(64), nullable=False, index=True)
    month = Column(String(7), nullable=False)
    held_on = Column(Date, nullable=False)
    decisions = Column(JSON, nullable=False)
    recorded_at = Column(UtcDateTime(), nullable=False)


class FundRow(Base):
    """An allocation from the district's emergency pool (财力保障) to an issue."""
    __tablename__ = "fund_allocations"
    id = Column(Integer, primary_key=True)
    issue_id = Column(String(36), ForeignKey("issues.id"), nullable=False, index=True)
    amount = Column(Numeric(14, 2), nullable=False)          # yuan
    source_department = Column(String(32), nullable=False)   # whose funds
    allocated_on = Column(Date, nullable=False, index=True)
    spent = Column(Numeric(14, 2), nullable=False)
    note = Column(Text)
    recorded_at = Column(UtcDateTime(), nullable=False)
