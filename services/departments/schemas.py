"""Departments' HTTP payloads."""
from marshmallow import Schema, fields, validate

from lianxin import timers

TEXT = validate.Length(min=1, max=2000)
ASSIGNMENT_STATUSES = ("assigned", "accepted", "completed", "returned", "closed", "cancelled")
EXTENSION_STATUSES = ("requested", "granted", "refused", "lapsed")


class DepartmentOut(Schema):
    code = fields.String()
    name = fields.String()
    categories = fields.List(fields.String())


class StepOut(Schema):
    action = fields.String()
    status = fields.String()
    note = fields.String(allow_none=True)
    actor = fields.String(allow_none=True,
                          metadata={"description": "who took it (X-Lianxin-Actor)"})
    occurred_at = fields.AwareDateTime()


class AssignmentOut(Schema):
    id = fields.String()
    issue_id = fields.String()
    department = fields.String()
    lead = fields.Boolean()
    status = fields.String()
    category = fields.String()
    tracking_no = fields.String()
    title = fields.String()
    brief = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when its running time limit (签收 or 办结) runs out, if one runs"})
    overdue_since = fields.AwareDateTime(allow_none=True, metadata={
        "description": "its time limit ran out then and it has not moved since"})


class ExtensionOut(Schema):
    id = fields.Integer()
    days = fields.Integer(metadata={"description": "working days asked"})
    reason = fields.String()
    status = fields.String(metadata={"description": "requested | granted | refused | lapsed "
                                                    "(the assignment ended undecided)"})
    requested_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class ExtensionStepOut(ExtensionOut):
    assignment_id = fields.String()
    due_at = fields.AwareDateTime(metadata={
        "description": "the deadline to complete after this step"})


class ExtensionsQuery(Schema):
    status = fields.String(validate=validate.OneOf(EXTENSION_STATUSES))


class ExtensionListedOut(ExtensionStepOut):
    department = fields.String()
    tracking_no = fields.String()
    title = fields.String()
    issue_id = fields.String()


class HearingEntryIn(Schema):
    department = fields.String(required=True, validate=validate.Length(min=1, max=32))
    attendee = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "who attended and signed for the department"})
    undertaking = fields.String(required=True, validate=TEXT, metadata={
        "description": "what the department undertook"})
    assignment_ids = fields.List(fields.UUID(), required=True,
                                 validate=validate.Length(min=1, max=1000))


class HearingIn(Schema):
    held_on = fields.Date(required=True)
    entries = fields.List(fields.Nested(HearingEntryIn), required=True,
                          validate=validate.Length(min=1, max=100))


class HearingOut(Schema):
    id = fields.String()
    held_on = fields.Date()
    entries = fields.List(fields.Dict())


class AssignmentHearingOut(Schema):
    id = fields.String()
    held_on = fields.String()
    attendee = fields.String()
    undertaking = fields.String()


class AssignmentDetailOut(AssignmentOut):
    steps = fields.List(fields.Nested(StepOut))
    extensions = fields.List(fields.Nested(ExtensionOut))
    hearing = fields.Nested(AssignmentHearingOut, allow_none=True, metadata={
        "description": "the 面对面 hearing that handed it over"})


class AssignmentsQuery(Schema):
    status = fields.String(validate=validate.OneOf(ASSIGNMENT_STATUSES))
    issue_id = fields.UUID()
    lead = fields.Boolean(metadata={"description": "only lead (true) or cooperating (false)"})
    department = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "one department's (the district office; a department sees its own)"})


class ReturnIn(Schema):
    reason = fields.String(required=True, validate=TEXT)


class ProgressIn(Schema):
    note = fields.String(required=True, validate=TEXT)


class CompleteIn(Schema):
    result = fields.String(required=True, validate=TEXT)


class AcceptIn(Schema):
    note = fields.String(validate=TEXT)


class ExtensionIn(Schema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata={
        "description": "working days more to complete, at most the rules' extensions.max_days"})
    reason = fields.String(required=True, validate=TEXT)


class DecisionIn(Schema):
    note = fields.String(validate=TEXT)


class DeadlinesQuery(timers.DeadlinesQuery):
    department = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "one department's (the district office may ask for any)"})


class DeadlineOut(timers.DeadlineOut):
    assignment_id = fields.String()
    department = fields.String(metadata={"description": "the department that must act"})
    limit = fields.String(metadata={"description": "accept (签收) or complete (办结)"})


class DepartmentsReportOut(Schema):
    month = fields.String()
    departments = fields.Dict(metadata={"description": "per department code: assigned, "
                                        "completed, returned, accept_limits, accept_in_time, "
                                        "complete_limits, complete_in_time, extensions_asked, "
                                        "extensions_granted, overdue_now"})
