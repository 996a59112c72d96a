"""What every service answers: health, its OpenAPI document, and its dead letters."""
from marshmallow import Schema, fields, validate
from sqlalchemy import select, text

from lianxin.web import route


class DeadLetterOut(Schema):
    id = fields.Integer()
    event_type = fields.String()
    payload = fields.String()
    error = fields.String()
    received_at = fields.AwareDateTime()


class DeadLettersQuery(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class BaseService:
    """Endpoints every service class inherits."""

    @route("GET", "/health", summary="Liveness and database check")
    def health(self, request):
        with self.db.reading() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "service": self.name,
                "events": {k: self.db.events[k] for k in ("handled", "repeated", "dead_lettered")}}

    @route("GET", "/openapi.json", summary="This service's OpenAPI document", spec=True)
    def openapi(self, request, spec):
        return spec

    @route("GET", "/dead-letters", query=DeadLettersQuery, response=DeadLetterOut(many=True),
           auth=("district",), summary="Events this service could not handle, newest first")
    def dead_letters(self, request, caller, query):
        table = self.db.dead_letters
        with self.db.reading() as session:
            return session.execute(select(table).order_by(table.c.id.desc())
                                   .limit(query["limit"])).mappings().all()
