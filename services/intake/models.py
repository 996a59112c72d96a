"""Intake's tables: issues as submitted with the voter's personal data, the voter's
timeline (a projection of every service's events), and feedback."""
from typing import Any

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Text

from lianxin.db import UtcDateTime, service_base

# Any: a base made at run time is not a type mypy can check classes against
Base: Any = service_base()


class IssueRow(Base):
    __tablename__ = "issues"
    seq = Column(Integer, primary_key=True)
    id = Column(String(36), nullable=False, unique=True)
    tracking_no = Column(String(32), unique=True)
    channel = Column(String(16), nullable=False)
    category = Column(String(64), nullable=False)
    title = Column(String(200), nullable=False)
    description = Column(Text, nullable=False)
    village_code = Column(String(32), nullable=False)
    station_id = Column(String(64))
    representative_id = Column(String(32))
    grid_id = Column(String(64))
    resolution = Column(Text)
    # personal data: never leaves this service except over the contact RPC
    voter_name = Column(String(100), nullable=False)
    voter_phone = Column(String(32), nullable=False)
    voter_id_number = Column(String(32))
    voter_email = Column(String(200))
    submitted_at = Column(UtcDateTime(), nullable=False)
    # projection of routing's events
    status = Column(String(16), nullable=False)
    tier = Column(String(16), nullable=False)
    current_station_id = Column(String(64))
    department = Column(String(32))
    version = Column(Integer, nullable=False, default=0)
    feedback_pending = Column(Boolean, nullable=False, default=False)
    closed_at = Column(UtcDateTime())   # the voter may reopen it for a while after
    # the voter's receipt: tracking number and access code; only the code's digest is kept
    access_code_digest = Column(String(64))
    # an open issue of the same village, category and phone submitted shortly before
    possible_duplicate_of = Column(String(36))
    visit_id = Column(String(36))   # the representative's visit it was raised at
    reception_day = Column(Boolean, nullable=False, default=False, server_default="0")

    # a submission looks for an earlier one of the same phone, village and category
    # (app.insert_issue) without reading every issue
    __table_args__ = (Index("ix_issues_duplicate", "voter_phone", "village_code", "category"),)


class TimelineRow(Base):
    __tablename__ = "timeline"
    id = Column(Integer, primary_key=True)
    issue_id = Column(String(36), ForeignKey("issues.id"), nullable=False, index=True)
    event_type = Column(String(64), nullable=False)
    status = Column(String(16))
    tier = Column(String(16))
    station_id = Column(String(64))
    department = Column(String(32))
    note = Column(Text)
    occurred_at = Column(UtcDateTime(), nullable=False)
    actor = Column(String(64))              # the front end's user who took the step


class FeedbackRow(Base):
    __tablename__ = "feedback"
    id = Column(Integer, primary_key=True)
    issue_id = Column(String(36), ForeignKey("issues.id"), nullable=False, index=True)
    rating = Column(String(32), nullable=False)
    comment = Column(Text)
    given_at = Column(UtcDateTime(), nullable=False)
    # "voter" (with the access code), or the station that took it by phone (回访)
    taken_by = Column(String(64), nullable=False, default="voter", server_default="voter")


class VisitRow(Base):
    """A representative's visit to a village's voters (走访)."""
    __tablename__ = "visits"
    id = Column(String(36), primary_key=True)
    representative_id = Column(String(32), nullable=False, index=True)
    village_code = Column(String(32), nullable=False)
    visited_on = Column(Date, nullable=False, index=True)
    voters_met = Column(Integer, nullable=False)
    note = Column(Text)
    recorded_by = Column(String(64), nullable=False)
    recorded_at = Column(UtcDateTime(), nullable=False)


class DutyRow(Base):
    """A representative on duty at a town station's reception day (公开接访日)."""
    __tablename__ = "reception_duties"
    id = Column(String(36), primary_key=True)
    station_id = Column(String(64), nullable=False)
    on = Column(Date, nullable=False, index=True)
    representative_id = Column(String(32), nullable=False)
    recorded_at = Column(UtcDateTime(), nullable=False)
    noticed_at = Column(UtcDateTime())          # the representative was told the day before


# the grid adapter's and the Open311 endpoint's tables share this base (one metadata,
# one set of migrations)
from services.intake.grid import models as _grid_models  # noqa: E402,F401
from services.intake.open311 import models as _open311_models  # noqa: E402,F401
