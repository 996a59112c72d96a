"""Departments' tables: assignments and their history."""
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text

from lianxin.db import UtcDateTime, service_base

# Any: a base made at run time is not a type mypy can check classes against
Base: Any = service_base()


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
    created_at = Column(UtcDateTime(), nullable=False)
    updated_at = Column(UtcDateTime(), nullable=False)


class AssignmentStepRow(Base):
    __tablename__ = "assignment_steps"
    id = Column(Integer, primary_key=True)
    assignment_id = Column(String(36), ForeignKey("assignments.id"), nullable=False, index=True)
    action = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    note = Column(Text)
    occurred_at = Column(UtcDateTime(), nullable=False)
