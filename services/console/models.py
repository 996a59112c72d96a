"""The console's own tables: its users, their sessions, login attempts, and the audit
of who pressed what. Nothing of an issue is kept here: that stays with the services."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lianxin.db import UtcDateTime


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # station | department | district | director
    unit: Mapped[str | None] = mapped_column(String(64))      # station id or department code
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SessionRow(Base):
    __tablename__ = "sessions"
    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # logout, the session run out, the user disabled or given a new password
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    succeeded: Mapped[bool]
    address: Mapped[str | None] = mapped_column(String(64))


class AuditRow(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    username: Mapped[str] = mapped_column(String(64))   # "-" a voter, "operator" the CLI
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(100))   # an issue, assignment or user
    outcome: Mapped[str] = mapped_column(String(32))   # ok, or the refusal's HTTP status
    detail: Mapped[str | None] = mapped_column(Text)
