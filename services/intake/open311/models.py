"""Intake's Open311 tables: what a submission by an Open311 client carried beyond an
ordinary one, and the citizens' updates clients posted (FixMyStreet's extension)."""
from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, String, Text, UniqueConstraint

from lianxin.db import UtcDateTime
from services.intake.models import Base


class Open311RequestRow(Base):
    """An issue submitted through POST requests: the client whose key sent it, and the
    location and media the spec carries (the issue itself is an ordinary issue)."""
    __tablename__ = "open311_requests"
    issue_id = Column(String(36), ForeignKey("issues.id"), primary_key=True)
    client_id = Column(String(64), nullable=False, index=True)
    lat = Column(Float)
    long = Column(Float)
    address_string = Column(Text)
    address_id = Column(String(64))
    media_urls = Column(JSON, nullable=False)
    photos = Column(Integer, nullable=False, default=0)     # files uploaded: counted, not kept
    received_at = Column(UtcDateTime(), nullable=False)


class Open311UpdateRow(Base):
    """A citizen's update a client posted: a step of the issue's timeline, once per the
    client's own ``update_id``."""
    __tablename__ = "open311_updates"
    __table_args__ = (UniqueConstraint("client_id", "external_id"),)
    timeline_id = Column(Integer, ForeignKey("timeline.id"), primary_key=True)
    issue_id = Column(String(36), ForeignKey("issues.id"), nullable=False, index=True)
    client_id = Column(String(64), nullable=False)
    external_id = Column(String(64))          # the client's update_id, if it sent one
    received_at = Column(UtcDateTime(), nullable=False)
