"""What every service answers: health, its OpenAPI document, and its dead letters."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate
from sqlalchemy import RowMapping, select, text
from werkzeug.wrappers import Request

from lianxin.web import Caller, route

if TYPE_CHECKING:
    from lianxin.db import Database


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
    # set by each service class
    name: str
    db: Database

    @route("GET", "/health", summary="Liveness and database check")
    def health(self, request: Request) -> dict[str, Any]:
        with self.db.reading() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "service": self.name,
                "events": self.db.health()}

    @route("GET", "/openapi.json", summary="This service's OpenAPI document", spec=True)
    def openapi(self, request: Request, spec: dict[str, Any]) -> dict[str, Any]:
        return spec

    @route("GET", "/dead-letters", query=DeadLettersQuery, response=DeadLetterOut(many=True),
           auth=("district",), summary="Events this service could not handle, newest first")
    def dead_letters(self, request: Request, caller: Caller,
                     query: dict[str, Any]) -> Sequence[RowMapping]:
        table = self.db.dead_letters
        with self.db.reading() as session:
            return session.execute(select(table).order_by(table.c.id.desc())
                                   .limit(query["limit"])).mappings().all()
