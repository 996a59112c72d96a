"""Intake rules: what a submission must carry for its channel, and the voter's timeline."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from lianxin.errors import NotAllowed

# channel -> (fields it requires, fields it must not carry)
CHANNEL_RULES: dict[str, tuple[set[str], set[str]]] = {
    "visit": ({"representative_id"}, set()),
    "reception": ({"station_id"}, set()),
    "hotline": (set(), {"station_id"}),
    "online": (set(), {"station_id"}),
    "grid": ({"grid_id"}, {"station_id"}),
}


def channel_errors(submission: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors of a submission against its channel's rules ({} when it fits)."""
    required, forbidden = CHANNEL_RULES[submission["channel"]]
    errors: dict[str, list[str]] = {}
    for name in sorted(required):
        if not submission.get(name):
            errors[name] = [f"required for the {submission['channel']} channel"]
    for name in sorted(forbidden):
        if submission.get(name):
            errors[name] = [f"not allowed for the {submission['channel']} channel: "
                            "it starts at the voter's village station"]
    return errors


def tracking_no(prefix: str, submitted_at: datetime, sequence: int) -> str:
    """The number a voter quotes: prefix, year and month received, sequence."""
    return f"{prefix}{submitted_at:%Y%m}{sequence:06d}"


def check_feedback(status: str, feedback_pending: bool, rating: str = "satisfied",
                   reopen_until: datetime | None = None, now: datetime | None = None) -> None:
    """Feedback is taken once per handling, when the issue is handled; after it is
    closed the voter may still say "unsatisfied", and reopen it, until the window ends."""
    if status == "closed" and reopen_until is not None and now is not None:
        if feedback_pending:
            raise NotAllowed("feedback after closing has already been given",
                             {"status": ["feedback already given; awaiting reopening"]})
        if rating != "unsatisfied":
            raise NotAllowed("a closed issue takes only an unsatisfied rating, which reopens it",
                             {"rating": ["the issue is closed: only unsatisfied reopens it"]})
        if now >= reopen_until:
            raise NotAllowed("the window to reopen this issue has ended",
                             {"status": [f"closed; it could be reopened until "
                                         f"{reopen_until.isoformat()}"]})
        return
    if status != "handled":
        raise NotAllowed(f"feedback is taken when an issue is handled; it is {status}",
                       {"status": [f"is {status}; feedback needs handled"]})
    if feedback_pending:
        raise NotAllowed("feedback for this handling has already been given",
                       {"status": ["feedback already given; awaiting close-out"]})


def is_newer(version: int | None, current: int | None) -> bool:
    """A routing event moves the projection only if it is newer than what it shows."""
    return version is not None and version > (current or 0)


# The steps a voter sees, and whether with their note: the results and progress meant
# for the voter, never the internal notes of escalations, meetings or returns.
VOTER_STEPS: dict[str, bool] = {
    "issue_submitted": True, "issue_routed": False, "issue_escalated": False,
    "issue_referred": False, "issue_forwarded": False, "issue_resolved": True,
    "issue_closed": False, "issue_reopened": False, "assignment_accepted": False,
    "assignment_progressed": True, "feedback_received": True,
    # time: the voter is told how an open issue stands, and of a department's new deadline
    "issue_progress": True, "extension_granted": False,
}
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no 0/O, 1/I
ACCESS_CODE_LENGTH = 8                                       # 32**8: about 10**12 codes


def voter_timeline(steps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The voter's steps only, each with its note only where the voter should read it."""
    return [{**step, "note": step["note"] if VOTER_STEPS[step["event_type"]] else None,
             "actor": None} for step in steps if step["event_type"] in VOTER_STEPS]


def code_digest(code: str) -> str:
    """What is stored of an access code: its SHA-256, never the code itself."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def code_matches(digest: str | None, code: str | None) -> bool:
    if not digest or not code:
        return False
    return hmac.compare_digest(digest, code_digest(code))


def sees_everything(role: str | None, caller_id: str | None,
                    stations: Iterable[str | None]) -> bool:
    """The district office, and a station that took or holds the issue, see its whole
    record; a voter with the access code sees the voter's steps."""
    return role == "district" or (role == "station" and caller_id in set(stations))
