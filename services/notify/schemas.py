"""Notify's HTTP payloads."""
from marshmallow import Schema, fields, validate

from lianxin.web import ROW_ID_MAX
from services.notify.domain import CHANNELS, RECIPIENT_KINDS

# refused: the far end said no for good (an SMS gateway's refusal that no retry can cure)
NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed", "refused")


class NotificationOut(Schema):
    id = fields.Integer()
    issue_id = fields.String(allow_none=True)
    event_type = fields.String()
    recipient_kind = fields.String()
    recipient_id = fields.String()
    channel = fields.String()
    body = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)


class NotificationsQuery(Schema):
    issue_id = fields.UUID()
    event_type = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(NOTIFICATION_STATUSES))
    after_id = fields.Integer(validate=validate.Range(min=0, max=ROW_ID_MAX),
                              metadata={"description": "only messages with a larger id (a cursor)"})
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10000))


class PreferenceIn(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))


class PreferenceOut(Schema):
    recipient_kind = fields.String(validate=validate.OneOf(RECIPIENT_KINDS))
    recipient_id = fields.String()
    channel = fields.String()
