"""The console's rules, on plain values: who a user is and what they may call, when a
login is locked out and a session over, which forms an issue or assignment offers,
and how a station's issues are ordered.

No HTTP, no database, no templates; ``now`` is passed in.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from services.departments.domain import LIFECYCLE
from services.routing.domain import TRANSITIONS

# station: a village or town station (or the district's own, the Representatives'
# Home); department: a district department; district: the district office's cadres;
# director: reads everything the district office reads, and changes nothing
ROLES = ("station", "department", "district", "director")
UNIT_OF_ROLE = {"station": "station", "department": "department"}   # what ``unit`` names
HOME = {"station": "/station", "department": "/department", "district": "/district",
        "director": "/district"}
READ_METHODS = frozenset({"GET", "HEAD"})
ACTOR_HEADER = "X-Lianxin-Actor"
# what a station may do with an issue, besides the owner's own transitions
STATION_ACTIONS = ("resolve", "escalate")
FEEDBACK_STATUSES = frozenset({"handled"})        # a station records phone feedback (回访)
EXTENSION_STATUSES = frozenset({"accepted"})      # a department asks for more time (延期)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    unit: str | None = None          # the station id or department code, where the role has one

    @property
    def read_only(self) -> bool:
        return self.role == "director"


class ReadOnly(Exception):
    """A read-only user (a director) asked to change something."""


class NoKey(LookupError):
    """The keys file has no key for the user's station or department."""


def user_errors(role: str, unit: str | None, stations: Iterable[str],
                departments: Iterable[str]) -> dict[str, list[str]]:
    """Field errors of an account's role and unit ({} when they fit together)."""
    if role not in ROLES:
        return {"role": [f"must be one of {', '.join(ROLES)}"]}
    kind = UNIT_OF_ROLE.get(role)
    if kind is None:
        return {"unit": [f"a {role} user has no station or department"]} if unit else {}
    known = set(stations) if kind == "station" else set(departments)
    if not unit:
        return {"unit": [f"a {role} user needs a {kind}"]}
    return {} if unit in known else {"unit": [f"unknown {kind} {unit!r}"]}


def key_for(user: User, method: str, keys: Mapping[tuple[str, str | None], str]) -> str:
    """The API key the console calls with on ``user``'s behalf: their station's or
    department's, or the district office's; a director's only to read."""
    if user.read_only and method.upper() not in READ_METHODS:
        raise ReadOnly(f"{user.username} is a director: read only")
    holder = (user.role, user.unit) if user.role in UNIT_OF_ROLE else ("district", None)
    try:
        return keys[holder]
    except KeyError:
        raise NoKey(f"the keys file has no key for {holder[0]} {holder[1] or ''}".strip()
                    ) from None


ACTOR_PREFIX = "console:"


def actor_header(user: User) -> dict[str, str]:
    """The header that tells the service which user acts, so that the step records them:
    a reference to the user (``console:17``), never a name; the console alone names it."""
    return {ACTOR_HEADER: f"{ACTOR_PREFIX}{user.id}"}


def actor_id(reference: str | None) -> int | None:
    """The console user a step's ``actor`` refers to, or None (another front end's)."""
    if not reference or not reference.startswith(ACTOR_PREFIX):
        return None
    number = reference.removeprefix(ACTOR_PREFIX)
    return int(number) if number.isdigit() else None


def locked_until(failures: Sequence[datetime], now: datetime, threshold: int,
                 window: timedelta) -> datetime | None:
    """When an account whose failed logins were at ``failures`` (since its last
    success) may try again: ``threshold`` failures within ``window`` of each other lock
    it until ``window`` after the newest of them; None when it is not locked."""
    times = sorted(at for at in failures if at <= now)
    until = None
    for first, last in zip(times, times[threshold - 1:], strict=False):
        if last - first < window and last + window > now:
            until = last + window if until is None else max(until, last + window)
    return until


def session_over(last_seen: datetime, now: datetime, lifetime: timedelta) -> bool:
    """A session left unused for ``lifetime`` is over."""
    return now - last_seen >= lifetime


def worth_refreshing(last_seen: datetime, now: datetime) -> bool:
    """A session's last use is written at most once a minute."""
    return now - last_seen >= timedelta(minutes=1)


def safe_next(target: str | None) -> str | None:
    """A path of this site to go back to after login, or None for anything else (an
    absolute URL, ``//host``, a backslash trick, a path that is not one)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def issue_actions(issue: Mapping[str, Any], station_id: str) -> list[str]:
    """The forms a station's issue page offers: resolve and escalate while the station
    holds it and routing's transitions allow them; phone feedback once it is handled."""
    actions = [name for name in STATION_ACTIONS
               if issue.get("station_id") == station_id
               and issue.get("status") in TRANSITIONS[name].from_status
               and issue.get("tier") in TRANSITIONS[name].tiers]
    if issue.get("status") in FEEDBACK_STATUSES:
        actions.append("feedback")
    return actions


def assignment_actions(status: str) -> list[str]:
    """The forms an assignment's page offers in ``status``: departments' lifecycle,
    and an extension while it is accepted."""
    actions = [name for name, step in LIFECYCLE.items() if status in step.from_status]
    return actions + (["extension"] if status in EXTENSION_STATUSES else [])


# the lists of a department's assignments: the statuses each shows (overdue: open, late)
ASSIGNMENT_LISTS: dict[str, frozenset[str]] = {
    "open": frozenset({"assigned", "accepted"}), "assigned": frozenset({"assigned"}),
    "accepted": frozenset({"accepted"}), "overdue": frozenset({"assigned", "accepted"}),
    "done": frozenset({"completed", "returned", "closed", "cancelled"}),
}


def assignments_listed(assignments: Iterable[Mapping[str, Any]],
                       shown: str) -> list[Mapping[str, Any]]:
    """The assignments of one list, those overdue first, then the soonest due."""
    rows = [a for a in assignments if a["status"] in ASSIGNMENT_LISTS[shown]
            and (shown != "overdue" or a.get("overdue_since"))]
    return sorted(rows, key=lambda a: (not a.get("overdue_since"), a.get("due_at") or "~",
                                       a.get("created_at") or ""))


def by_deadline(issues: Iterable[Mapping[str, Any]], deadlines: Iterable[Mapping[str, Any]],
                now: datetime) -> list[dict[str, Any]]:
    """A station's issues, each with its running deadline (``due_at``, ``state``) and
    ``overdue``, the soonest due first and those with no limit running last."""
    due = {d["issue_id"]: d for d in deadlines if d.get("issue_id")}
    rows = []
    for issue in issues:
        limit = due.get(issue["id"]) or {}
        due_at = _moment(limit.get("due_at"))
        overdue = (limit.get("state") == "overdue" or bool(issue.get("overdue_since"))
                   or (due_at is not None and due_at <= now))
        rows.append({**issue, "due_at": due_at, "deadline_state": limit.get("state"),
                     "overdue": overdue})
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (not r["overdue"], r["due_at"] or far,
                                       r.get("received_at") or ""))


def station_load(stations: Iterable[Mapping[str, Any]],
                 issues: Mapping[str, Sequence[Mapping[str, Any]]],
                 deadlines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each station, in the ladder's order, with the issues it holds by status and how
    many of its time limits have run out."""
    overdue: dict[str, int] = {}
    for line in deadlines:
        if line.get("state") == "overdue" and line.get("holder"):
            overdue[line["holder"]] = overdue.get(line["holder"], 0) + 1
    rows = []
    for station in stations:
        held = issues.get(station["id"], [])
        counts: dict[str, int] = {}
        for issue in held:
            counts[issue["status"]] = counts.get(issue["status"], 0) + 1
        rows.append({**station, "held": len(held), "by_status": counts,
                     "overdue": overdue.get(station["id"], 0)})
    return rows


def timeline(steps: Iterable[Mapping[str, Any]],
             route: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Intake's timeline of an issue (everyone's steps), each with who took it and why
    from routing's record of the same step (same event, same moment) where it has one."""
    known = {(r.get("event_type"), _moment(r.get("occurred_at"))): r for r in route}
    merged = []
    for step in steps:
        same = known.get((step.get("event_type"), _moment(step.get("occurred_at")))) or {}
        merged.append({**step, "actor": step.get("actor") or same.get("actor"),
                       "reason": step.get("reason") or same.get("reason")})
    return merged


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class MeetingSheet:
    """What a meeting can decide: the agenda's items still waiting at the district, the
    issues waiting there that are not on it, and the agenda's items decided already."""
    on_agenda: list[Mapping[str, Any]]
    off_agenda: list[Mapping[str, Any]]
    decided: list[Mapping[str, Any]]

    @property
    def ids(self) -> list[str]:
        return [str(i["id"]) for i in (*self.on_agenda, *self.off_agenda)]


def meeting_sheet(agenda: Mapping[str, Any] | None,
                  waiting: Iterable[Mapping[str, Any]]) -> MeetingSheet:
    waiting_ids = {str(i["id"]): i for i in waiting}
    items = [item for group in (agenda or {}).get("groups", []) for item in group["items"]]
    listed = {str(item["id"]) for item in items}
    return MeetingSheet([i for i in items if str(i["id"]) in waiting_ids],
                        [i for key, i in waiting_ids.items() if key not in listed],
                        [i for i in items if str(i["id"]) not in waiting_ids])


def by_department(assignments: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Assignments grouped by department, in the order they came."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in assignments:
        grouped.setdefault(row["department"], []).append(row)
    return grouped


def fundable(steps: Iterable[Mapping[str, Any]]) -> bool:
    """Whether an issue may draw on the emergency pool: it was escalated for want of funds."""
    return any(s.get("reason") == "needs_funding" for s in steps)
