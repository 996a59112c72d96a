"""Intake's HTTP payloads."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lianxin.contracts import CHANNELS, RATINGS
from services.intake.domain import channel_errors

CODE = validate.Length(min=1, max=64)


class VoterIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    phone = fields.String(required=True, validate=validate.Regexp(
        r"^\+?[0-9][0-9\- ]{4,19}$", error="must be a phone number"))
    id_number = fields.String(validate=validate.Regexp(
        r"^[0-9]{17}[0-9Xx]$", error="must be an 18-character resident ID number"))
    email = fields.Email(validate=validate.Length(max=200))


class SubmissionIn(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True, validate=CODE)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    village_code = fields.String(required=True, validate=CODE)
    station_id = fields.String(validate=CODE)
    representative_id = fields.String(validate=CODE)
    grid_id = fields.String(validate=CODE)
    resolution = fields.String(validate=validate.Length(min=1, max=2000),
                               metadata={"description": "set when solved on the spot"})
    visit_id = fields.String(validate=validate.Length(min=1, max=36), metadata={
        "description": "the representative's visit (走访) it was raised at (POST /visits)"})
    voter = fields.Nested(VoterIn, required=True)

    @validates_schema
    def fits_channel(self, data, **kwargs):
        errors = channel_errors(data)
        if errors:
            raise ValidationError(errors)


class SubmittedOut(Schema):
    """The receipt: the access code is shown this once; the voter needs it (with the
    tracking number) to follow the issue and give feedback."""
    id = fields.String()
    tracking_no = fields.String()
    access_code = fields.String()
    status = fields.String()
    tier = fields.String()
    possible_duplicate_of = fields.String(allow_none=True)


class TimelineOut(Schema):
    event_type = fields.String()
    status = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    station_id = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    actor = fields.String(allow_none=True, metadata={
        "description": "who took the step, as the front end named them; never to the voter"})
    occurred_at = fields.AwareDateTime()


class IssueOut(Schema):
    id = fields.String()
    tracking_no = fields.String()
    status = fields.String()
    tier = fields.String()
    station_id = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    category = fields.String()
    title = fields.String()
    channel = fields.String()
    submitted_at = fields.AwareDateTime()
    description = fields.String(allow_none=True)
    possible_duplicate_of = fields.String(allow_none=True,
                                          metadata={"description": "shown to stations only"})
    reception_day = fields.Boolean(metadata={
        "description": "taken at a town station on its reception day (公开接访日)"})
    visit_id = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineOut))


ACCESS_CODE = fields.String(validate=validate.Length(min=1, max=32),
                            metadata={"description": "the access code on the voter's receipt"})


class FeedbackIn(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    comment = fields.String(validate=validate.Length(max=2000))
    access_code = ACCESS_CODE


class AccessQuery(Schema):
    access_code = ACCESS_CODE


class TrackingQuery(AccessQuery):
    tracking_no = fields.String(required=True, validate=validate.Length(min=1, max=32))


class FeedbackReportOut(Schema):
    month = fields.String()
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer())
    satisfaction = fields.Float(allow_none=True, metadata={
        "description": "satisfied and basically satisfied over all ratings"})
    taken_by_phone = fields.Integer()
    by_town = fields.Dict()


class VisitIn(Schema):
    representative_id = fields.String(required=True, validate=CODE)
    village_code = fields.String(required=True, validate=CODE)
    visited_on = fields.Date(required=True)
    voters_met = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=0, max=100000))
    note = fields.String(validate=validate.Length(min=1, max=2000))


class VisitOut(VisitIn):
    id = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.AwareDateTime()


class VisitsQuery(Schema):
    month = fields.String(validate=validate.Regexp(r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$",
                                                   error="must be YYYY-MM"))
    representative_id = fields.String(validate=CODE)


class WorkRecordOut(Schema):
    month = fields.String()
    representatives = fields.Dict(metadata={"description": "per representative: visits, "
                                            "voters_met, issues, issues_<status>"})


class RosterIn(Schema):
    station_id = fields.String(required=True, validate=CODE)
    on = fields.Date(required=True, metadata={
        "description": "the 15th, or the working day used when the 15th is not one"})
    representative_ids = fields.List(fields.String(validate=CODE), required=True,
                                     validate=validate.Length(min=1, max=50))


class RosterOut(RosterIn):
    pass


class RostersQuery(Schema):
    month = fields.String(required=True, validate=validate.Regexp(
        r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$", error="must be YYYY-MM"))
