"""What every service answers: health, its OpenAPI document, and its dead letters."""
from __future__ import annotations

import os
import resource
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import RowMapping, text
from werkzeug.wrappers import Request

from lianxin import clock, deadletters, workdays
from lianxin.consumers import consumers_alive
from lianxin.errors import Unavailable
from lianxin.reference import Reference
from lianxin.web import ROW_ID_MAX, Caller, route

if TYPE_CHECKING:
    from lianxin.db import Database

STATUSES = ("dead", "parked", "replayed", "discarded")
MONTH = validate.Regexp(r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$",
                        error="must be YYYY-MM, a year from 1900 to 2199")


class MonthQuery(Schema):
    """A month of the ledger or of a report."""
    month = fields.String(required=True, validate=MONTH)


class DeadLetterOut(Schema):
    id = fields.Integer()
    event_type = fields.String()
    payload = fields.String()
    error = fields.String()
    status = fields.String(metadata={"description": " | ".join(STATUSES)})
    attempts = fields.Integer()
    received_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime(allow_none=True)


class DeadLettersQuery(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    event_type = fields.String(validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class DeadLetterSelection(Schema):
    ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=ROW_ID_MAX)),
                      validate=validate.Length(min=1, max=1000))
    event_type = fields.String(validate=validate.Length(min=1, max=64))
    status = fields.String(validate=validate.OneOf(deadletters.WAITING))

    @validates_schema
    def names_something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise SchemaError("name ids, an event_type or a status", "ids")


class DeadLetterOutcome(Schema):
    done = fields.Dict(keys=fields.String(), values=fields.String())
    refused = fields.Dict(keys=fields.String(), values=fields.String())


def process_figures() -> dict[str, Any]:
    """This process's CPU time so far and its resident memory now and at its peak, for
    ``lianxin bench`` to read from outside (a container's too). The peak is the kernel's
    VmHWM: ``ru_maxrss`` would carry the parent's over an exec."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    memory = _memory_mb()
    return {"pid": os.getpid(), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "rss_mb": memory.get("VmRSS"), "peak_rss_mb": memory.get("VmHWM")}


def _memory_mb() -> dict[str, float]:
    """VmRSS and VmHWM of /proc/self/status in MB ({} where there is no /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            lines = [line.split() for line in status if line.startswith(("VmRSS", "VmHWM"))]
    except OSError:
        return {}
    return {name.rstrip(":"): round(int(kb) / 1024, 1) for name, kb, _ in lines}


class BaseService:
    """Endpoints every service class inherits."""
    # set by each service class
    name: str
    db: Database
    calendar = Reference(workdays.read)       # the working days every time limit counts

    @route("GET", "/health", summary="Liveness, database check, and what became of events")
    def health(self, request: Request) -> dict[str, Any]:
        if not consumers_alive(self.db.container):
            raise Unavailable("this service's message consumers have stopped",
                              {"consumers": ["stopped: restart the service"]})
        with self.db.reading() as session:
            session.execute(text("SELECT 1"))
        now = clock.now()
        return {"status": "ok", "service": self.name, "events": self.db.health(),
                "process": process_figures(),
                "clock": {"now": now.isoformat(), "moved_by_seconds": clock.offset()},
                "calendar": {"missing_years": self.calendar.missing_years(
                    workdays.years_around(now))}}

    @route("GET", "/openapi.json", summary="This service's OpenAPI document", spec=True)
    def openapi(self, request: Request, spec: dict[str, Any]) -> dict[str, Any]:
        return spec

    @route("GET", "/dead-letters", query=DeadLettersQuery, response=DeadLetterOut(many=True),
           auth=("district",), summary="Events this service could not handle, newest first")
    def dead_letters(self, request: Request, caller: Caller,
                     query: dict[str, Any]) -> Sequence[RowMapping]:
        with self.db.reading() as session:
            return deadletters.listing(session, self.db.dead_letters, **query)

    @route("POST", "/dead-letters/replay", body=DeadLetterSelection, response=DeadLetterOutcome,
           auth=("district",), summary="Send dead or parked letters through the inbox again")
    def replay_dead_letters(self, request: Request, caller: Caller,
                            body: dict[str, Any]) -> dict[str, Any]:
        return self._settle_dead_letters(body, "replay")

    @route("POST", "/dead-letters/discard", body=DeadLetterSelection, response=DeadLetterOutcome,
           auth=("district",), summary="Mark dead or parked letters as not to be replayed")
    def discard_dead_letters(self, request: Request, caller: Caller,
                             body: dict[str, Any]) -> dict[str, Any]:
        return self._settle_dead_letters(body, "discard")

    def _settle_dead_letters(self, selection: dict[str, Any], action: str) -> dict[str, Any]:
        with self.db.transaction() as unit:
            done, refused = deadletters.settle(unit.session, self.db.dead_letters, action,
                                               self.name, self.db.amqp_uri, unit.now,
                                               **selection)
        return {"done": done, "refused": refused}
