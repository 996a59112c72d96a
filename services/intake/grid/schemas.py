"""The grid system's payloads (docs/integrations.md)."""
from marshmallow import Schema, fields, validate

from lianxin.web import ROW_ID_MAX
from services.intake.schemas import CODE, VoterIn

DELIVERY_STATUSES = ("pending", "sent", "parked")
CURSOR = validate.Range(min=0, max=ROW_ID_MAX)


class GridReportIn(Schema):
    report_id = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "the grid system's own id of the report: sent again, the same issue"})
    grid_id = fields.String(required=True, validate=CODE)
    reporter_id = fields.String(validate=CODE, metadata={
        "description": "the grid member who reported; a representative's id links the issue"})
    category = fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={
        "description": "the grid system's category code (the grid file maps it)"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    village_code = fields.String(validate=CODE, metadata={"description": "else the grid's"})
    resident = fields.Nested(VoterIn, required=True, metadata={
        "description": "who raised it: kept in intake, never sent back"})


class GridReceiptOut(Schema):
    report_id = fields.String()
    issue_id = fields.String()
    tracking_no = fields.String()
    access_code = fields.String(metadata={"description": "for the resident; only the first time"})
    status = fields.String()
    tier = fields.String()


class FeedQuery(Schema):
    after = fields.Integer(load_default=0, validate=CURSOR,
                           metadata={"description": "the cursor: the last change_id read"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class FeedOut(Schema):
    changes = fields.List(fields.Dict())
    next = fields.Integer(metadata={"description": "the cursor to ask after next"})


class DeliveriesQuery(Schema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    issue_id = fields.UUID()
    after_id = fields.Integer(load_default=0, validate=CURSOR)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class DeliveryOut(Schema):
    id = fields.Integer()
    issue_id = fields.String()
    seq = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    next_attempt_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    payload = fields.Dict()


class ReplayIn(Schema):
    ids = fields.List(fields.Integer(validate=CURSOR), validate=validate.Length(min=1, max=1000))
    status = fields.String(load_default="parked", validate=validate.OneOf(("parked",)))


class ReplayOut(Schema):
    replayed = fields.Integer()


class Removals(Schema):
    grids = fields.List(fields.String(validate=CODE), load_default=list)
    people = fields.List(fields.String(validate=CODE), load_default=list)


class RosterIn(Schema):
    """Rows as the grid system exports them; each is checked on its own (``row``: its
    number in the export, echoed in a rejection)."""
    grids = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=20000))
    people = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=50000))


class RosterDeltaIn(RosterIn):
    remove = fields.Nested(Removals, load_default=dict)


class Tally(Schema):
    added = fields.Integer()
    changed = fields.Integer()
    unchanged = fields.Integer()
    removed = fields.Integer()


class RosterReportOut(Schema):
    grids = fields.Nested(Tally)
    people = fields.Nested(Tally)
    rejected = fields.List(fields.Dict(), metadata={"description": "{kind, row, id, reason}"})
    conflicts = fields.List(fields.Dict(), metadata={"description": "{row, id, reason}"})
    representatives_matched = fields.Integer()


class RosterQuery(Schema):
    village_code = fields.String(validate=CODE)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class RosterGridOut(Schema):
    id = fields.String()
    name = fields.String()
    village_code = fields.String()
    households = fields.Integer(allow_none=True)
    leader = fields.String(allow_none=True, metadata={"description": "the leader's name"})
    members = fields.Integer(metadata={"description": "people on it in force, leader aside"})
    removed = fields.Boolean()


class RosterSummaryOut(Schema):
    grids = fields.Integer(metadata={"description": "grids in force"})
    removed_grids = fields.Integer()
    people = fields.Integer(metadata={"description": "people in force"})
    last_changed_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the roster last added, changed or removed a row"})


class RosterListingOut(Schema):
    """Intake's copy of the roster, for the district office: names, never phones."""
    summary = fields.Nested(RosterSummaryOut)
    total = fields.Integer(metadata={"description": "grids listed, over every page"})
    page = fields.Integer()
    limit = fields.Integer()
    grids = fields.List(fields.Nested(RosterGridOut))
