"""Departments' HTTP payloads."""
from marshmallow import Schema, fields, validate

TEXT = validate.Length(min=1, max=2000)
ASSIGNMENT_STATUSES = ("assigned", "accepted", "completed", "returned", "closed", "cancelled")


class DepartmentOut(Schema):
    code = fields.String()
    name = fields.String()
    categories = fields.List(fields.String())


class StepOut(Schema):
    action = fields.String()
    status = fields.String()
    note = fields.String(allow_none=True)
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


class AssignmentDetailOut(AssignmentOut):
    steps = fields.List(fields.Nested(StepOut))


class AssignmentsQuery(Schema):
    status = fields.String(validate=validate.OneOf(ASSIGNMENT_STATUSES))
    issue_id = fields.UUID()


class ReturnIn(Schema):
    reason = fields.String(required=True, validate=TEXT)


class ProgressIn(Schema):
    note = fields.String(required=True, validate=TEXT)


class CompleteIn(Schema):
    result = fields.String(required=True, validate=TEXT)


class AcceptIn(Schema):
    note = fields.String(validate=TEXT)
