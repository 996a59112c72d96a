"""Use cases on the console's own database: accounts, logins and their lockout,
sessions, and the audit. Each takes a SQLAlchemy session and ``now``."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from lianxin.db import make_engine, migrate, migrations_of
from services.console import domain, security
from services.console.models import AuditRow, LoginAttempt, SessionRow, UserRow

# The sample directory's users (data/hanbin.yml); their passwords are public, like the
# sample API keys: `lianxin users sample` creates them, `make run` on its first start.
SAMPLE_USERS = (
    ("baimiao", "李明", "station", "st-610902101002"),         # 白庙村人大代表联络站
    ("guanmiao-sq", "王芳", "station", "st-610902101001"),     # 关庙社区人大代表联络站
    ("guanmiao", "陈刚", "station", "st-610902101"),           # 关庙镇人大代表中心联络站
    ("jtj", "赵敏", "department", "jtj"),                      # 区交通运输局
    ("nlsj", "孙磊", "department", "nlsj"),                    # 区农业农村和水利局
    ("district", "周静", "district", None),                    # 区人大代表之家
    ("director", "吴国华", "director", None),                  # 主任, read only
)


def sample_password(username: str) -> str:
    return f"{username}-sample"


@dataclass(frozen=True)
class Policy:
    """How long a session lasts unused, and how many failed logins lock an account."""
    session_lifetime: timedelta = timedelta(minutes=120)
    lockout_failures: int = 5
    lockout_window: timedelta = timedelta(minutes=15)
    track_failures: int = 10       # a voter's lookups that found nothing, from one address

    @classmethod
    def from_config(cls, console: dict) -> Policy:
        return cls(timedelta(minutes=float(console["session_minutes"])),
                   int(console["lockout_failures"]),
                   timedelta(minutes=float(console["lockout_minutes"])),
                   int(console["track_failures"]))


class AccountError(ValueError):
    """An account that cannot be made or changed as asked: ``fields`` says why."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()))
        self.fields = fields


class Store:
    """The console's database: migrated when opened, one short transaction at a time."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        migrate(self.engine, migrations_of("console"))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session committed at the end, or rolled back on an error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def display_name(session: Session, user_id: int) -> str | None:
    row = session.get(UserRow, user_id)
    return None if row is None else row.display_name


def as_user(row: UserRow) -> domain.User:
    return domain.User(row.id, row.username, row.display_name, row.role, row.unit)


# accounts ---------------------------------------------------------------------
def add_user(session: Session, now: datetime, *, username: str, display_name: str, role: str,
             unit: str | None, password: str, stations: Iterable[str],
             departments: Iterable[str]) -> UserRow:
    errors = domain.user_errors(role, unit or None, stations, departments)
    if not username.strip() or len(username) > 64:
        errors["username"] = ["1 to 64 characters"]
    if not display_name.strip():
        errors["display_name"] = ["required"]
    if len(password) < 8:
        errors["password"] = ["at least 8 characters"]
    if _find(session, username) is not None:
        errors["username"] = [f"{username!r} exists"]
    if errors:
        raise AccountError(errors)
    row = UserRow(username=username, display_name=display_name.strip(), role=role,
                  unit=unit or None, password_hash=security.hash_password(password),
                  disabled=False, created_at=now, password_changed_at=now)
    session.add(row)
    session.flush()
    return row


def set_disabled(session: Session, now: datetime, username: str, disabled: bool) -> UserRow:
    """Disable an account (ending its sessions) or enable it again."""
    row = _existing(session, username)
    row.disabled = disabled
    if disabled:
        _end_sessions(session, row.id, now)
    return row


def reset_password(session: Session, now: datetime, username: str, password: str) -> UserRow:
    """A new password; every session of the account ends and its lockout is lifted."""
    if len(password) < 8:
        raise AccountError({"password": ["at least 8 characters"]})
    row = _existing(session, username)
    row.password_hash = security.hash_password(password)
    row.password_changed_at = now
    _end_sessions(session, row.id, now)
    # counted as a success, so that failures before it no longer lock the account
    session.add(LoginAttempt(username=username, at=now, succeeded=True, address="reset"))
    return row


def users(session: Session) -> list[UserRow]:
    return list(session.execute(select(UserRow).order_by(UserRow.role, UserRow.username))
                .scalars())


def add_samples(session: Session, now: datetime, stations: Iterable[str],
                departments: Iterable[str]) -> list[tuple[UserRow, bool]]:
    """The sample users, each ``(row, made)``: made now, or there already (kept as it is)."""
    stations, departments = list(stations), list(departments)
    rows = []
    for username, name, role, unit in SAMPLE_USERS:
        row = _find(session, username)
        made = row is None
        if row is None:
            row = add_user(session, now, username=username, display_name=name, role=role,
                           unit=unit, password=sample_password(username), stations=stations,
                           departments=departments)
        rows.append((row, made))
    return rows


def has_users(session: Session) -> bool:
    return bool(session.execute(select(func.count(UserRow.id))).scalar())


# logging in -----------------------------------------------------------------------
@dataclass(frozen=True)
class Login:
    user: domain.User | None = None
    locked_until: datetime | None = None
    disabled: bool = False


def log_in(session: Session, now: datetime, username: str, password: str, policy: Policy,
           address: str | None = None) -> Login:
    """Check a login: refused while the account is locked out (and not counted), a
    failure counted, the lockout said as soon as a failure makes it."""
    failures = _recent_failures(session, username, now, policy.lockout_window)
    locked = domain.locked_until(failures, now, policy.lockout_failures, policy.lockout_window)
    if locked is not None:
        return Login(locked_until=locked)
    row = _find(session, username)
    ok = security.password_matches(row.password_hash if row else None, password)
    succeeded = row is not None and ok and not row.disabled
    session.add(LoginAttempt(username=username[:64], at=now, succeeded=succeeded,
                             address=(address or "")[:64] or None))
    if row is None or not ok:
        return Login(locked_until=domain.locked_until(
            [*failures, now], now, policy.lockout_failures, policy.lockout_window))
    return Login(user=as_user(row)) if succeeded else Login(disabled=True)


def _recent_failures(session: Session, username: str, now: datetime,
                     window: timedelta) -> list[datetime]:
    """Failed logins that may still lock the account (two windows back), since its
    last success."""
    since = session.execute(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True))).scalar()
    query = select(LoginAttempt.at).where(LoginAttempt.username == username,
                                          LoginAttempt.succeeded.is_(False),
                                          LoginAttempt.at > now - 2 * window)
    if since is not None:
        query = query.where(LoginAttempt.at > since)
    return list(session.execute(query).scalars())


# the voter's lookups ------------------------------------------------------------------
TRACK = "(track)"        # the ``username`` of the login_attempts rows of voters' lookups


def track_locked(session: Session, now: datetime, address: str | None,
                 policy: Policy) -> datetime | None:
    """Until when an address that looked up too many receipts that were not found must
    wait (``track_failures`` within ``lockout_window``), or None: receipts cannot be
    guessed from one address."""
    failures = session.execute(select(LoginAttempt.at).where(
        LoginAttempt.username == TRACK, LoginAttempt.address == (address or "")[:64],
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.at > now - 2 * policy.lockout_window)).scalars()
    return domain.locked_until(list(failures), now, policy.track_failures,
                               policy.lockout_window)


def note_lookup(session: Session, now: datetime, address: str | None, found: bool) -> None:
    session.add(LoginAttempt(username=TRACK, at=now, succeeded=found,
                             address=(address or "")[:64]))


# sessions ----------------------------------------------------------------------------
def start_session(session: Session, now: datetime, user: domain.User) -> str:
    """A new session of ``user``: the token its cookie carries."""
    token = security.new_token()
    session.add(SessionRow(token_digest=security.digest(token), user_id=user.id,
                           created_at=now, last_seen_at=now))
    return token


@dataclass(frozen=True)
class Seen:
    user: domain.User | None = None
    expired: bool = False        # there was a session, and it is over


def find_session(session: Session, now: datetime, token: str | None, policy: Policy) -> Seen:
    """The user of the session ``token`` opens, its last use noted; ``expired`` when
    it ran out unused (it is ended then)."""
    if not token:
        return Seen()
    row = session.get(SessionRow, security.digest(token))
    if row is None or row.ended_at is not None:
        return Seen(expired=row is not None)
    user = session.get(UserRow, row.user_id)
    if user is None or user.disabled:
        row.ended_at = now
        return Seen(expired=True)
    if domain.session_over(row.last_seen_at, now, policy.session_lifetime):
        row.ended_at = now
        return Seen(expired=True)
    if domain.worth_refreshing(row.last_seen_at, now):
        row.last_seen_at = now
    return Seen(user=as_user(user))


def end_session(session: Session, now: datetime, token: str | None) -> None:
    row = session.get(SessionRow, security.digest(token)) if token else None
    if row is not None and row.ended_at is None:
        row.ended_at = now


# the audit ---------------------------------------------------------------------------
def audit(session: Session, now: datetime, username: str, action: str, target: str | None,
          outcome: str, detail: str | None = None) -> None:
    session.add(AuditRow(at=now, username=username[:64], action=action,
                         target=(target or None) and target[:100], outcome=outcome[:32],
                         detail=detail))


def audit_trail(session: Session, limit: int = 100) -> list[AuditRow]:
    return list(session.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
                .scalars())


def _find(session: Session, username: str) -> UserRow | None:
    return session.execute(select(UserRow).where(UserRow.username == username)
                           ).scalar_one_or_none()


def _existing(session: Session, username: str) -> UserRow:
    row = _find(session, username)
    if row is None:
        raise AccountError({"username": [f"no user {username!r}"]})
    return row


def _end_sessions(session: Session, user_id: int, now: datetime) -> None:
    session.execute(update(SessionRow).where(SessionRow.user_id == user_id,
                                             SessionRow.ended_at.is_(None))
                    .values(ended_at=now))
