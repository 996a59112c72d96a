"""Notify rules: who is told of an event, what they read, and when to retry."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from string import Formatter
from typing import Any

from lianxin.retries import backoff
from services.notify import sms

RECIPIENT_FIELDS = {"voter": "issue_id", "station": "station_id",
                    "representative": "representative_id", "department": "department",
                    "supervisor": "supervisor_id", "grid_leader": "grid_id",
                    "grid_member": "grid_member_id"}
# a supervisor (督办) is a station: reached, and choosing its channel, as a station
ADDRESSED_AS = {"supervisor": "station"}
RECIPIENT_KINDS = tuple(k for k in RECIPIENT_FIELDS if k not in ADDRESSED_AS)
CHANNELS = ("log", "smtp", "webhook", "sms")
ADDRESS_FIELD: dict[str, str | None] = {"log": None, "smtp": "email", "webhook": "webhook",
                                        "sms": "phone"}
# what a recipient lacks, in words, when a channel cannot reach them
ADDRESS_NAME = {"sms": "mobile number"}


@dataclass(frozen=True)
class Message:
    recipient_kind: str
    recipient_id: str
    body: str


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, context: Mapping[str, Any]) -> str:
    """``template`` with its {placeholders} filled; a missing value renders empty."""
    return Formatter().vformat(template, (), _Blank(context)).strip()


def last_day(due_at: datetime | str, zone: tzinfo | None) -> str:
    """The last day of a time limit that ends at ``due_at`` (midnight after it)."""
    moment = datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at
    return f"{(moment.astimezone(zone) - timedelta(microseconds=1)):%Y-%m-%d}"


def messages(event_type: str, event: Mapping[str, Any], templates: Mapping[str, Any],
             display_names: Mapping[Any, str] | None = None,
             zone: tzinfo | None = None) -> list[Message]:
    """Everyone ``templates`` names for ``event_type``, with their rendered message."""
    names = templates.get("names", {})
    department = event.get("department")
    context = {**{k: v for k, v in event.items() if v is not None},
               "limit_name": names.get("limit", {}).get(event.get("limit"), event.get("limit")),
               "due_date": last_day(event["due_at"], zone) if event.get("due_at") else "",
               "department_name": (display_names or {}).get(department, department),
               "station_name": (display_names or {}).get(event.get("station_id"),
                                                         event.get("station_id")),
               "tier_name": names.get("tier", {}).get(event.get("tier"), event.get("tier")),
               "reason_name": names.get("reason", {}).get(event.get("reason"), event.get("reason")),
               "rating_name": names.get("rating", {}).get(event.get("rating"), event.get("rating"))}
    found: dict[tuple[str, str], Message] = {}
    for kind, template in (templates.get(event_type) or {}).items():
        recipient = event.get(RECIPIENT_FIELDS[kind])
        address = (ADDRESSED_AS.get(kind, kind), str(recipient))
        if recipient and address not in found:   # the district supervises itself: told once
            found[address] = Message(*address, render(template, context))
    return list(found.values())


def retry_at(attempts: int, now: datetime, base_seconds: float = 2,
             cap_seconds: float = 300) -> datetime:
    """When to try again after ``attempts`` failures: doubling, capped."""
    return now + timedelta(seconds=backoff(attempts, base_seconds, cap_seconds))


def address_field(channel: str) -> str | None:
    return ADDRESS_FIELD[channel]


def address(channel: str, details: Mapping[str, Any] | None) -> str | None:
    """Where ``channel`` reaches a recipient with these contact details, or None where it
    cannot: no such detail, or for an SMS a phone that is not a mainland mobile number."""
    field = ADDRESS_FIELD[channel]
    value = (details or {}).get(field) if field else None
    return sms.mobile_number(value) if channel == "sms" else value or None


def address_name(channel: str) -> str:
    return ADDRESS_NAME.get(channel) or str(ADDRESS_FIELD[channel])
