"""The HTTP layer: one ``route`` entrypoint that authenticates, loads and dumps.

``@route("POST", "/issues", body=IssueIn, response=IssueOut, status=201)`` parses the
JSON body with the marshmallow schema (a 4xx naming each bad field otherwise),
passes it as ``body``, and dumps the handler's return value. The same declarations
produce each service's OpenAPI document.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Request, Response

from lianxin import openapi
from lianxin.config import read_yaml
from lianxin.errors import (
    BadValue,
    NotAllowed,
    NotFound,
    NotYours,
    Refused,
    TooLarge,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger(__name__)
# what a route takes for a body, query or response: a schema class or instance, or none
SchemaLike: TypeAlias = "Schema | type[Schema] | None"
MAX_BODY_BYTES = 64 * 1024
ROLES = ("district", "station", "department")
# Each kind of refusal and the HTTP status that says it; anything else is a 500.
STATUS: dict[type[Refused], int] = {BadValue: 422, NotAllowed: 409, NotFound: 404, NotYours: 403,
          Unauthenticated: 401, TooLarge: 413, Unavailable: 503, Refused: 400}


def status_of(exc: Refused) -> int:
    """The HTTP status of a refusal: that of its nearest kind in ``STATUS``."""
    return next(STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS)


@dataclass(frozen=True)
class Caller:
    role: str
    id: str | None = None


def load_keys(path: str | os.PathLike[str]) -> dict[str, Caller]:
    """``{api key: Caller}`` from the keys file (docs/configuration.md)."""
    keys: dict[str, Caller] = {}
    for entry in read_yaml(path)["keys"]:
        if entry["role"] not in ROLES:
            raise ValueError(f"{path}: role {entry['role']!r} is not one of {ROLES}")
        keys[str(entry["key"])] = Caller(entry["role"], entry.get("id"))
    return keys


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False, default=str), status=status,
                    mimetype="application/json")


def csv_response(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


class Route(HttpRequestHandler):
    def __init__(self, method: str, url: str, body: SchemaLike = None, query: SchemaLike = None,
                 response: SchemaLike = None, status: int = 200,
                 auth: Iterable[str] | None = None, summary: str | None = None,
                 spec: bool = False, **kwargs: Any) -> None:
        self.body_schema = _schema(body)
        self.query_schema = _schema(query)
        self.response_schema = _schema(response)
        self.status = status
        self.auth = tuple(auth or ())
        self.summary = summary
        self.spec = spec
        kwargs.setdefault("expected_exceptions", Refused)  # logged as a warning, no traceback
        super().__init__(method, url, **kwargs)

    def setup(self) -> None:
        super().setup()
        if self.auth:
            self.keys = load_keys(self.container.config["API_KEYS_FILE"])

    def get_entrypoint_parameters(self, request: Request) -> tuple[Any, dict[str, Any]]:
        args, kwargs = super().get_entrypoint_parameters(request)
        if self.auth:
            kwargs["caller"] = self.authenticate(request)
        if self.body_schema is not None:
            kwargs["body"] = self.load_body(request)
        if self.query_schema is not None:
            kwargs["query"] = _load(self.query_schema, request.args.to_dict())
        if self.spec:
            routes = [e for e in self.container.entrypoints if isinstance(e, Route)]
            kwargs["spec"] = openapi.document(self.container.service_name, routes)
        return args, kwargs

    def authenticate(self, request: Request) -> Caller:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        caller = self.keys.get(key.strip()) if scheme.lower() == "bearer" else None
        if caller is None:
            raise Unauthenticated("an API key is required: Authorization: Bearer <key>",
                               {"Authorization": ["missing or unknown API key"]})
        if caller.role not in self.auth:
            raise NotYours(f"this action needs a {' or '.join(self.auth)} key",
                            {"Authorization": [f"a {caller.role} key may not do this"]})
        return caller

    def load_body(self, request: Request) -> Any:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise TooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
        raw = request.get_data(cache=False)
        if len(raw) > MAX_BODY_BYTES:
            raise TooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise Refused("the body is not valid JSON", {"_body": [str(exc)]}) from None
        if not isinstance(data, dict):
            raise Refused("the body must be a JSON object", {"_body": ["expected an object"]})
        return _load(cast(Schema, self.body_schema), data)  # set: get_entrypoint_parameters checks

    def response_from_result(self, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        if self.response_schema is not None:
            result = self.response_schema.dump(result)
        return json_response(result, self.status)

    def response_from_exception(self, exc: BaseException) -> Response:
        if isinstance(exc, Refused):
            return json_response(exc.body(), status_of(exc))
        log.error("request failed: %s", type(exc).__name__, exc_info=exc)
        return json_response({"error": "internal", "message": "internal error", "fields": {}}, 500)


def _schema(schema: SchemaLike) -> Schema | None:
    """A schema instance, made once per route rather than once per request."""
    return schema() if isinstance(schema, type) else schema


def _load(schema: Schema, data: dict[str, Any]) -> Any:
    try:
        return schema.load(data)
    except ValidationError as exc:
        # a schema's load errors are always by field: {field: [message, ...]}
        raise BadValue("invalid request", cast("dict[str, Any]", exc.messages)) from None


route = Route.decorator
