"""Routing's HTTP and RPC payloads."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lianxin import timers
from lianxin.contracts import ESCALATION_REASONS, ISSUE_STATUSES
from lianxin.endpoints import MONTH
from services.routing.domain import MEETING_ACTIONS, REVIEW_ACTIONS

TEXT = validate.Length(min=1, max=2000)
CODE = validate.Length(min=1, max=32)


class StationOut(Schema):
    id = fields.String()
    tier = fields.String()
    place_code = fields.String()
    place_name = fields.String()
    name = fields.String()
    parent_id = fields.String(allow_none=True)


class IssueOut(Schema):
    id = fields.String()
    tracking_no = fields.String()
    status = fields.String()
    tier = fields.String()
    station_id = fields.String()
    category = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    possible_duplicate_of = fields.String(allow_none=True)
    village_code = fields.String()
    channel = fields.String()
    representative_id = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    cooperating = fields.List(fields.String())
    version = fields.Integer()
    returns = fields.Integer(metadata={"description": "times departments returned it (退回)"})
    overdue_since = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when its time limit ran out, while it has not moved since"})
    received_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)


class LedgerItemOut(IssueOut):
    overdue_escalations = fields.Integer(metadata={
        "description": "times time escalated it: a station let its limit run out"})


class StepOut(Schema):
    event_type = fields.String()
    version = fields.Integer()
    status = fields.String()
    tier = fields.String()
    station_id = fields.String()
    department = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    review_id = fields.String(allow_none=True, metadata={
        "description": "the station's monthly review (研判) that decided the step"})
    actor = fields.String(allow_none=True, metadata={
        "description": "the user who took the step, as the front end named them (X-Lianxin-Actor)"})
    occurred_at = fields.AwareDateTime()


class RouteOut(Schema):
    issue = fields.Nested(IssueOut)
    steps = fields.List(fields.Nested(StepOut))


class StationIssuesQuery(Schema):
    status = fields.String(validate=validate.OneOf(ISSUE_STATUSES))
    category = fields.String(validate=validate.Length(min=1, max=64))


class ResolveIn(Schema):
    resolution = fields.String(required=True, validate=TEXT)


class EscalateIn(Schema):
    # "overdue" is the reason of the escalations time makes, not a station's
    reason = fields.String(required=True, validate=validate.OneOf(
        [r for r in ESCALATION_REASONS if r != "overdue"]))   # overdue: time's, not a station's
    note = fields.String(required=True, validate=TEXT)


class CityReplyIn(Schema):
    reply = fields.String(required=True, validate=TEXT)


class DecisionIn(Schema):
    issue_id = fields.UUID(required=True)
    off_agenda_reason = fields.String(validate=TEXT, metadata={
        "description": "why an issue not on the meeting's agenda is decided"})
    action = fields.String(required=True, validate=validate.OneOf(MEETING_ACTIONS))
    department = fields.String(validate=CODE)
    cooperating = fields.List(fields.String(validate=CODE), validate=validate.Length(max=10),
                              load_default=list)
    note = fields.String(validate=TEXT)

    @validates_schema
    def reply_needs_text(self, data, **kwargs):
        if data["action"] in ("reply", "city") and not data.get("note"):
            raise ValidationError("a reply or forward needs a note", "note")
        if data["action"] != "refer" and (data.get("department") or data.get("cooperating")):
            raise ValidationError("only a referral names departments", "department")


class ReferIn(Schema):
    department = fields.String(validate=CODE, metadata={
        "description": "the lead; by default the category's department"})
    cooperating = fields.List(fields.String(validate=CODE), validate=validate.Length(max=10),
                              load_default=list)
    note = fields.String(validate=TEXT)


class DeadlinesQuery(timers.DeadlinesQuery):
    station_id = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "one station's (the district office may ask for any)"})


class DeadlineOut(timers.DeadlineOut):
    limit = fields.String(metadata={"description": "the rules' time limit: village, town, "
                                                   "district, feedback (回访) or review (a "
                                                   "station's monthly 研判, no issue)"})
    holder = fields.String(metadata={"description": "the station that must act"})


class MeetingIn(Schema):
    held_on = fields.Date(required=True)
    agenda = fields.String(validate=MONTH, metadata={
        "description": "the frozen month whose agenda the meeting decides (GET /agenda)"})
    decisions = fields.List(fields.Nested(DecisionIn), required=True,
                            validate=validate.Length(min=1, max=1000))

    @validates_schema
    def one_decision_per_issue(self, data, **kwargs):
        ids = [d["issue_id"] for d in data["decisions"]]
        if len(ids) != len(set(ids)):
            raise ValidationError("an issue may be decided once per meeting", "decisions")


class MeetingOut(Schema):
    id = fields.String()
    held_on = fields.Date()
    agenda = fields.String(allow_none=True)
    decisions = fields.List(fields.Dict())


class LedgerQuery(Schema):
    month = fields.String(required=True, validate=MONTH)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class LedgerOut(Schema):
    month = fields.String()
    summary = fields.Dict()
    items = fields.List(fields.Nested(LedgerItemOut))


class SnapshotOut(Schema):
    month = fields.String()
    frozen_at = fields.AwareDateTime()
    frozen_by = fields.String(metadata={"description": "month end, or the district office"})
    content_hash = fields.String(metadata={
        "description": "SHA-256 of the items and summary as canonical JSON"})
    summary = fields.Dict()
    items = fields.List(fields.Dict())


class AgendaItemOut(Schema):
    id = fields.String()
    tracking_no = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    station_id = fields.String()
    received_at = fields.String()
    overdue_since = fields.String(allow_none=True)
    returns = fields.Integer()
    history = fields.List(fields.Dict())


class AgendaGroupOut(Schema):
    category = fields.String()
    items = fields.List(fields.Nested(AgendaItemOut))


class AgendaOut(Schema):
    month = fields.String()
    content_hash = fields.String()
    total = fields.Integer()
    groups = fields.List(fields.Nested(AgendaGroupOut))


STATION_REASONS = [r for r in ESCALATION_REASONS if r != "overdue"]


class ReviewDecisionIn(Schema):
    issue_id = fields.UUID(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(tuple(REVIEW_ACTIONS)))
    reason = fields.String(validate=validate.OneOf(STATION_REASONS), metadata={
        "description": "why it goes up (an escalation only)"})
    note = fields.String(required=True, validate=TEXT)

    @validates_schema
    def escalation_needs_reason(self, data, **kwargs):
        if data["decision"] == "escalate" and not data.get("reason"):
            raise ValidationError("an escalation needs a reason", "reason")
        if data["decision"] != "escalate" and data.get("reason"):
            raise ValidationError("only an escalation has a reason", "reason")


class ReviewIn(Schema):
    month = fields.String(required=True, validate=MONTH)
    held_on = fields.Date(required=True)
    decisions = fields.List(fields.Nested(ReviewDecisionIn), required=True,
                            validate=validate.Length(max=1000))


class ReviewOut(Schema):
    id = fields.String()
    station_id = fields.String()
    month = fields.String()
    held_on = fields.Date()
    decisions = fields.List(fields.Dict())
    recorded_at = fields.AwareDateTime()


class ReviewsQuery(Schema):
    month = fields.String(validate=MONTH)


class ReportOut(Schema):
    """A part of the monthly circular: named tables of counts (``lianxin report``)."""
    class Meta:
        unknown = "include"

    month = fields.String()
    totals = fields.Dict()
    by_town = fields.Dict()
    by_category = fields.Dict()
    by_channel = fields.Dict()
    open_by_tier = fields.Dict()
    open_by_station = fields.Dict()
    overdue = fields.List(fields.Dict())
    clusters = fields.List(fields.Dict())
    funds = fields.Dict(metadata={"description": "the emergency pool (财力保障): pool, "
                                                "allocated, spent, left, in yuan"})


class CityRecordOut(Schema):
    sent_at = fields.AwareDateTime()
    asked = fields.String(allow_none=True, metadata={"description": "what the city was asked"})
    answered_at = fields.AwareDateTime(allow_none=True)
    answer = fields.String(allow_none=True)


def positive(amount):
    """More than nothing and less than a trillion yuan (a function, so that the OpenAPI
    document keeps the amount a decimal string without a numeric bound)."""
    if not 0 < amount < 10**12:
        raise ValidationError("must be more than 0 and less than 10^12")


POSITIVE = positive


class AllocationIn(Schema):
    amount = fields.Decimal(required=True, places=2, as_string=True, validate=POSITIVE,
                            metadata={"description": "yuan"})
    source_department = fields.String(required=True, validate=CODE)
    allocated_on = fields.Date(required=True)
    note = fields.String(validate=TEXT)


class AllocationOut(AllocationIn):
    id = fields.Integer()
    issue_id = fields.String()
    spent = fields.Decimal(places=2, as_string=True)


class SpentIn(Schema):
    amount = fields.Decimal(required=True, places=2, as_string=True, validate=POSITIVE)


class FundsOut(Schema):
    month = fields.String()
    pool = fields.Decimal(places=2, as_string=True, allow_none=True)
    allocated = fields.Decimal(places=2, as_string=True)
    spent = fields.Decimal(places=2, as_string=True)
    left = fields.Decimal(places=2, as_string=True, allow_none=True)
    allocations = fields.List(fields.Nested(AllocationOut))
