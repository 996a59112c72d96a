"""Intake's grid tables: the reports received (by the grid system's own id), the
signatures seen (to refuse a replay), and the status changes owed to the grid system."""
from sqlalchemy import JSON, Column, Integer, String, Text, UniqueConstraint

from lianxin.db import UtcDateTime
from services.intake.models import Base


class GridReportRow(Base):
    """A report of the grid system, by its id: sent again, it is the same issue."""
    __tablename__ = "grid_reports"
    report_id = Column(String(64), primary_key=True)
    issue_id = Column(String(36), nullable=False, unique=True)
    grid_id = Column(String(64), nullable=False)
    received_at = Column(UtcDateTime(), nullable=False)


class SeenSignature(Base):
    __tablename__ = "grid_signatures"
    signature = Column(String(64), primary_key=True)
    seen_at = Column(UtcDateTime(), nullable=False, index=True)


class DeliveryRow(Base):
    """A status change owed to the grid system; its id is the feed's cursor."""
    __tablename__ = "grid_deliveries"
    __table_args__ = (UniqueConstraint("issue_id", "seq"),)
    id = Column(Integer, primary_key=True)
    issue_id = Column(String(36), nullable=False, index=True)
    seq = Column(Integer, nullable=False)           # 1, 2, ... per issue: the order to keep
    payload = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False, index=True)   # pending sent parked
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    created_at = Column(UtcDateTime(), nullable=False)
    next_attempt_at = Column(UtcDateTime(), nullable=False)
    sent_at = Column(UtcDateTime())


class GridRow(Base):
    """A grid of the grid system's roster; one removed from it stays, marked, so that the
    issues that named it keep their grid."""
    __tablename__ = "grids"
    id = Column(String(64), primary_key=True)
    name = Column(String(100), nullable=False)
    village_code = Column(String(32), nullable=False, index=True)
    households = Column(Integer)
    updated_at = Column(UtcDateTime(), nullable=False)
    removed_at = Column(UtcDateTime())


class GridPersonRow(Base):
    """Someone on a grid: personal data, kept in intake like a voter's."""
    __tablename__ = "grid_people"
    id = Column(String(64), primary_key=True)
    name = Column(String(100), nullable=False)
    phone = Column(String(32), nullable=False)
    line = Column(String(16), nullable=False)       # party_member representative household_head
    role = Column(String(8), nullable=False)        # leader member
    grid_id = Column(String(64), nullable=False, index=True)
    representative_id = Column(String(32))          # Lianxin's record, when matched
    updated_at = Column(UtcDateTime(), nullable=False)
    removed_at = Column(UtcDateTime())
