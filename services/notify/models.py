"""Notify's tables: channel preferences and every message sent or failed."""
from typing import Any

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint

from lianxin.db import UtcDateTime, service_base

# Any: a base made at run time is not a type mypy can check classes against
Base: Any = service_base()


class Preference(Base):
    __tablename__ = "preferences"
    recipient_kind = Column(String(16), primary_key=True)
    recipient_id = Column(String(64), primary_key=True)
    channel = Column(String(16), nullable=False)


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("event_id", "recipient_kind", "recipient_id"),)
    id = Column(Integer, primary_key=True)
    issue_id = Column(String(36), index=True)          # none for a notice of the month
    event_id = Column(String(36), nullable=False)
    event_type = Column(String(64), nullable=False, index=True)
    recipient_kind = Column(String(16), nullable=False)
    recipient_id = Column(String(64), nullable=False)
    channel = Column(String(16), nullable=False)
    body = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    created_at = Column(UtcDateTime(), nullable=False)
    next_attempt_at = Column(UtcDateTime(), nullable=False)
    sent_at = Column(UtcDateTime())
