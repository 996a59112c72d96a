"""Intake rules: what a submission must carry for its channel, and the voter's timeline."""
from __future__ import annotations

from collections.abc import Mapping
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


def check_feedback(status: str, feedback_pending: bool) -> None:
    """Feedback is taken once per handling, and only when the issue is handled."""
    if status != "handled":
        raise NotAllowed(f"feedback is taken when an issue is handled; it is {status}",
                       {"status": [f"is {status}; feedback needs handled"]})
    if feedback_pending:
        raise NotAllowed("feedback for this handling has already been given",
                       {"status": ["feedback already given; awaiting close-out"]})


def is_newer(version: int | None, current: int | None) -> bool:
    """A routing event moves the projection only if it is newer than what it shows."""
    return version is not None and version > (current or 0)
