"""Departments' tables: assignments, their history, time limits, extensions, hearings."""
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import column_property

from lianxin import timers
from lianxin.db import UtcDateTime, service_base

# Any: a base made at run time is not a type mypy can check classes against
Base: Any = service_base()

Timer = timers.add_table(Base, UtcDateTime)


class AssignmentRow(Base):
    __tablename__ = "assignments"
    id = Column(String(36), primary_key=True)
    issue_id = Column(String(36), nullable=False, index=True)
    department = Column(String(32), nullable=False, index=True)
    lead = Column(Boolean, nullable=False)
    status = Column(String(16), nullable=False)
    category = Column(String(64), nullable=False)
    tracking_no = Column(String(32), nullable=False)
    title = Column(String(200), nullable=False)
    brief = Column(Text)
    description = Column(Text)   # what the voter wrote, as referred
    result = Column(Text)
    overdue_since = Column(UtcDateTime())   # its time limit ran out and it has not moved since
    created_at = Column(UtcDateTime(), nullable=False)
    updated_at = Column(UtcDateTime(), nullable=False)
    hearing_id = Column(String(36))   # the 面对面 hearing that handed it over
    # the deadline of its running time limit (签收 or 办结), if one runs; read, not stored
    due_at = column_property(select(Timer.due_at)
                             .where(Timer.subject_id == id, Timer.state.in_(timers.OPEN))
                             .order_by(Timer.due_at).limit(1)
                             .correlate_except(Timer).scalar_subquery())


class AssignmentStepRow(Base):
    __tablename__ = "assignment_steps"
    id = Column(Integer, primary_key=True)
    assignment_id = Column(String(36), ForeignKey("assignments.id"), nullable=False, index=True)
    action = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    note = Column(Text)
    occurred_at = Column(UtcDateTime(), nullable=False)
    actor = Column(String(64))              # the front end's user who took it (console:17)


class ExtensionRow(Base):
    """A department's request for more working days to complete (延期), and the
    district office's decision."""
    __tablename__ = "extensions"
    id = Column(Integer, primary_key=True)
    assignment_id = Column(String(36), ForeignKey("assignments.id"), nullable=False, index=True)
    days = Column(Integer, nullable=False)
    reason = Column(Text, nullable=False)
    status = Column(String(16), nullable=False)   # requested granted refused lapsed
    requested_at = Column(UtcDateTime(), nullable=False)
    decided_at = Column(UtcDateTime())
    decision_note = Column(Text)


class HearingRow(Base):
    """A 面对面 hearing: per department, who signed, what it undertook, for which items."""
    __tablename__ = "hearings"
    id = Column(String(36), primary_key=True)
    held_on = Column(Date, nullable=False)
    entries = Column(JSON, nullable=False)
    recorded_at = Column(UtcDateTime(), nullable=False)
