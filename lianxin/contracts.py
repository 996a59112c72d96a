"""The event contract: every event's name, publisher, schema and consumers.

Publishers and consumers import the same schema, so a misspelt event is an import
error. Consumers read tolerantly (unknown fields are dropped) and changes to a
schema are additive. Events carry ids, tiers, stations and categories, never a
voter's name, phone or ID number.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from lianxin import clock

TIERS = ("village", "town", "district", "city")
ISSUE_STATUSES = ("open", "referred", "forwarded", "handled", "closed")
CHANNELS = ("visit", "reception", "hotline", "online", "grid")
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
ESCALATION_REASONS = ("beyond_authority", "needs_funding", "cross_boundary", "needs_department",
                      "other", "overdue")
# the time limits of the rules file (docs/configuration.md, "Time limits")
TIME_LIMITS = ("village", "town", "district", "accept", "complete", "feedback", "reopen",
               "keep_in_loop")


class Notice(Schema):
    """What every event carries; a notice of the month's rhythm concerns no single issue."""
    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class Event(Notice):
    """An event in the life of one issue."""
    issue_id = fields.UUID(required=True)


# intake ------------------------------------------------------------------------

class IssueSubmitted(Event):
    tracking_no = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True)
    title = fields.String(required=True)
    village_code = fields.String(required=True)
    station_id = fields.String(load_default=None, allow_none=True)
    representative_id = fields.String(load_default=None, allow_none=True)
    resolution = fields.String(load_default=None, allow_none=True)
    # what the voter wrote; the voter's name, phone and ID number never travel
    description = fields.String(load_default=None, allow_none=True)
    # an open issue of the same village, category and voter submitted shortly before
    possible_duplicate_of = fields.UUID(load_default=None, allow_none=True)
    # a grid report's grid, and the grid member (of the grid system's roster) who reported
    # it when not a representative: both are told of each step, like a representative
    grid_id = fields.String(load_default=None, allow_none=True)
    grid_member_id = fields.String(load_default=None, allow_none=True)


class FeedbackReceived(Event):
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    comment = fields.String(load_default=None, allow_none=True)


class ReceptionDutyDue(Notice):
    """A representative is on duty at a town station's reception day (公开接访日) tomorrow."""
    station_id = fields.String(required=True)
    representative_id = fields.String(required=True)
    on = fields.Date(required=True)


# routing: every event states where the issue is after the step -----------------

class IssueMoved(Event):
    tracking_no = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ISSUE_STATUSES))
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    station_id = fields.String(load_default=None, allow_none=True)
    representative_id = fields.String(load_default=None, allow_none=True)
    department = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    grid_id = fields.String(load_default=None, allow_none=True)
    grid_member_id = fields.String(load_default=None, allow_none=True)
    # the front end's user who took the step (a reference such as console:17, not a name)
    actor = fields.String(load_default=None, allow_none=True)


class IssueRouted(IssueMoved):
    reason = fields.String(load_default=None, allow_none=True)


class IssueEscalated(IssueMoved):
    from_station_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(ESCALATION_REASONS))
    review_id = fields.String(load_default=None, allow_none=True)   # the monthly review (研判)


class IssueReferred(IssueMoved):
    category = fields.String(required=True)
    cooperating = fields.List(fields.String(), load_default=list)
    description = fields.String(load_default=None, allow_none=True)


class IssueClosed(IssueMoved):
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))


class IssueTimed(IssueMoved):
    """A time limit on the issue reminded (催办), run out (督办), or come round again."""
    limit = fields.String(required=True, validate=validate.OneOf(TIME_LIMITS))
    due_at = fields.AwareDateTime(required=True)
    provisional = fields.Boolean(load_default=False)
    # who supervises the holder: the station a tier up, or the district office
    supervisor_id = fields.String(load_default=None, allow_none=True)


class ReviewOverdue(Notice):
    """A station holding open issues has not held its monthly review (研判) by the day the
    rules name: its supervisor is told (督办)."""
    station_id = fields.String(required=True)
    supervisor_id = fields.String(required=True)
    month = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    open_issues = fields.Integer(required=True)


# departments -------------------------------------------------------------------

class AssignmentEvent(Event):
    tracking_no = fields.String(required=True)
    title = fields.String(required=True)
    assignment_id = fields.UUID(required=True)
    department = fields.String(required=True)
    lead = fields.Boolean(required=True)
    note = fields.String(load_default=None, allow_none=True)
    actor = fields.String(load_default=None, allow_none=True)   # as on IssueMoved


class AssignmentTimed(AssignmentEvent):
    """A department's time limit reminded, run out, or moved by an extension (延期)."""
    limit = fields.String(required=True, validate=validate.OneOf(TIME_LIMITS))
    due_at = fields.AwareDateTime(required=True)
    provisional = fields.Boolean(load_default=False)
    supervisor_id = fields.String(load_default=None, allow_none=True)   # the district office
    days = fields.Integer(load_default=None, allow_none=True)          # of an extension


EVENTS: dict[str, tuple[str, type[Notice], tuple[str, ...]]] = {
    # name: (publisher, schema, consumers)
    "issue_submitted": ("intake", IssueSubmitted, ("routing", "notify")),
    "feedback_received": ("intake", FeedbackReceived, ("routing",)),
    "reception_duty_due": ("intake", ReceptionDutyDue, ("notify",)),
    "issue_routed": ("routing", IssueRouted, ("intake", "notify")),
    "issue_escalated": ("routing", IssueEscalated, ("intake", "notify")),
    "issue_resolved": ("routing", IssueMoved, ("intake", "notify")),
    "issue_referred": ("routing", IssueReferred, ("intake", "departments", "notify")),
    "issue_forwarded": ("routing", IssueMoved, ("intake", "notify")),
    "issue_closed": ("routing", IssueClosed, ("intake", "notify")),
    "issue_reopened": ("routing", IssueMoved, ("intake", "notify")),
    "issue_reminded": ("routing", IssueTimed, ("intake", "notify")),
    "issue_overdue": ("routing", IssueTimed, ("intake", "notify")),
    "callback_requested": ("routing", IssueTimed, ("intake", "notify")),
    "issue_progress": ("routing", IssueTimed, ("intake", "notify")),
    "review_overdue": ("routing", ReviewOverdue, ("notify",)),
    "assignment_created": ("departments", AssignmentEvent, ("intake", "notify")),
    "assignment_accepted": ("departments", AssignmentEvent, ("intake",)),
    "assignment_returned": ("departments", AssignmentEvent, ("routing", "intake")),
    "assignment_progressed": ("departments", AssignmentEvent, ("intake",)),
    "assignment_completed": ("departments", AssignmentEvent, ("routing", "intake")),
    "assignment_reminded": ("departments", AssignmentTimed, ("intake", "notify")),
    "assignment_overdue": ("departments", AssignmentTimed, ("intake", "notify")),
    "extension_requested": ("departments", AssignmentTimed, ("intake", "notify")),
    "extension_granted": ("departments", AssignmentTimed, ("intake", "notify")),
    "extension_refused": ("departments", AssignmentTimed, ("intake", "notify")),
}


def publisher(event_type: str) -> str:
    return EVENTS[event_type][0]


_SCHEMAS = {name: event_schema() for name, (_, event_schema, _) in EVENTS.items()}


def schema(event_type: str) -> Notice:
    """The (shared, reusable) schema instance of ``event_type``."""
    return _SCHEMAS[event_type]


def subscriptions(service: str) -> list[str]:
    """The events ``service`` consumes, in contract order."""
    return [name for name, (_, _, consumers) in EVENTS.items() if service in consumers]


def handler_name(event_type: str) -> str:
    """Every consumer handles ``event_type`` in a method of this name."""
    return f"on_{event_type}"


def new_event(event_type: str, issue_id: object, now: datetime | None = None,
              **data: Any) -> dict[str, Any]:
    """A complete, validated event payload ready for the outbox (``issue_id`` None for
    a notice)."""
    payload = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": (now or clock.now()).isoformat(),
        **({} if issue_id is None else {"issue_id": str(issue_id)}),
        **data,
    }
    event_schema = schema(event_type)
    return event_schema.dump(event_schema.load(payload, unknown=RAISE))
