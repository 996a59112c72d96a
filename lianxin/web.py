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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias, cast
from urllib.parse import unquote

from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from lianxin import idempotency, openapi, signing
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
ROLES = ("district", "station", "department", "client")   # client: an Open311 client
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


class JsonWsgiApp(WsgiApp):
    """nameko's WSGI app, answering an unknown path or method with JSON, not HTML."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            return http_error(exc)(environ, start_response)
        request.path_values = values  # type: ignore[attr-defined]  # nameko reads it
        return provider.handle_request(request)(environ, start_response)


def http_error(exc: HTTPException) -> Response:
    name = (exc.name or "error").lower().replace(" ", "_")
    response = json_response({"error": name, "message": exc.description or name, "fields": {}},
                             exc.code or 500)
    valid = getattr(exc, "valid_methods", None)
    if valid:
        response.headers["Allow"] = ", ".join(valid)
    return response


class JsonWebServer(WebServer):
    def get_wsgi_app(self) -> JsonWsgiApp:
        return JsonWsgiApp(self)

    def context_data_from_headers(self, request: Request) -> dict[str, Any]:
        """Who acts, when a front end (the console) calls on a named user's behalf: the
        worker's units of work record it on the steps they take."""
        actor = actor_of(request.headers.get(ACTOR_HEADER, ""))
        return {"actor": actor} if actor else {}


ACTOR_HEADER = "X-Lianxin-Actor"


def actor_of(header: str) -> str | None:
    """The acting user's reference as the front end sends it (``console:17``): printable
    and short, or none. A reference, not a name: names stay with the front end."""
    value = unquote(header).strip()[:64]
    return value if value and value.isprintable() else None


class Route(HttpRequestHandler):
    server = JsonWebServer()

    def __init__(self, method: str, url: str, body: SchemaLike = None, query: SchemaLike = None,
                 response: SchemaLike = None, status: int = 200,
                 auth: Iterable[str] | None = None, summary: str | None = None,
                 spec: bool = False, key_optional: bool = False,
                 also: Iterable[str] = (), signed_with: str | None = None,
                 max_body: int = MAX_BODY_BYTES, **kwargs: Any) -> None:
        self.body_schema = _schema(body)
        self.query_schema = _schema(query)
        self.response_schema = _schema(response)
        self.status = status
        self.auth = tuple(auth or ())
        # with key_optional, a request without a key is let through with caller None
        self.key_optional = key_optional
        self.also = tuple(also)      # other media types it answers in (text/csv ...)
        # a partner's requests are signed (lianxin.signing) with the ``secret`` of this
        # configuration section; the handler gets the signature, to refuse a replay
        self.signed_with = signed_with
        self.max_body = max_body     # bytes of body it takes (a roster is larger)
        self.summary = summary
        self.spec = spec
        kwargs.setdefault("expected_exceptions", Refused)  # logged as a warning, no traceback
        super().__init__(method, url, **kwargs)

    def setup(self) -> None:
        super().setup()
        if self.auth:
            self.keys = load_keys(self.container.config["API_KEYS_FILE"])
        if self.signed_with:
            section = self.container.config[self.signed_with]
            self.secret, self.max_skew = str(section["secret"]), float(section["max_skew"])

    def get_entrypoint_parameters(self, request: Request) -> tuple[Any, dict[str, Any]]:
        args, kwargs = super().get_entrypoint_parameters(request)
        if self.signed_with:
            target = request.path + (f"?{request.query_string.decode()}"
                                     if request.query_string else "")
            kwargs["signature"] = signing.check(self.secret, dict(request.headers),
                                                request.method, target,
                                                raw_body(request, self.max_body), self.max_skew)
        if self.auth:
            anonymous = self.key_optional and "Authorization" not in request.headers
            kwargs["caller"] = None if anonymous else self.authenticate(request)
        if self.body_schema is not None:
            kwargs["body"] = self.load_body(request)
        if self.query_schema is not None:
            query = request.args.to_dict()
            _refuse_nul(query)
            kwargs["query"] = _load(self.query_schema, query)
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

    def handle_request(self, request: Request) -> Response:
        key = request.headers.get(idempotency.HEADER, "").strip()
        if request.method != "POST" or not key:
            return super().handle_request(request)
        request.shallow = False
        try:
            db = next(d for d in self.container.dependencies if hasattr(d, "idempotency_keys"))
            scope = idempotency.digest(request.headers.get("Authorization", ""), request.path)
            body = raw_body(request, self.max_body).decode("utf-8", "replace")
            stored = idempotency.claim(db, key[:200], scope, idempotency.digest(body))
        except Exception as exc:
            return self.response_from_exception(exc)
        if stored is not None:
            status, text = stored
            return Response(text, status=status, mimetype="application/json",
                            headers={"Idempotent-Replayed": "true"})
        response = super().handle_request(request)
        idempotency.record(db, key[:200], scope, response.status_code,
                           response.get_data(as_text=True))
        return response

    def load_body(self, request: Request) -> Any:
        raw = raw_body(request, self.max_body)
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise Refused("the body is not valid JSON", {"_body": [str(exc)]}) from None
        if not isinstance(data, dict):
            raise Refused("the body must be a JSON object", {"_body": ["expected an object"]})
        _refuse_nul(data)
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


def raw_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request's body, read once, or ``TooLarge``. A chunked body has no
    Content-Length: it is read from the stream one byte past the limit, so that too
    much is refused rather than read as nothing."""
    if "lianxin.body" not in request.environ:
        if (request.content_length or 0) > limit:
            raise TooLarge(f"the body is larger than {limit} bytes")
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        raw = (request.environ["wsgi.input"].read(limit + 1) if chunked
               else request.get_data(cache=False))
        if len(raw) > limit:
            raise TooLarge(f"the body is larger than {limit} bytes")
        request.environ["lianxin.body"] = raw
    return bytes(request.environ["lianxin.body"])


_SURROGATE = re.compile("[\ud800-\udfff]")
ROW_ID_MAX = 2**31 - 1       # the largest id a database row has (a 32-bit integer)


def _refuse_nul(value: Any, path: str = "") -> None:
    """Text no database stores faithfully is refused: a NUL character, or half of a
    UTF-16 surrogate pair (which JSON's \\u escapes can carry but UTF-8 cannot)."""
    if isinstance(value, str) and ("\x00" in value or _SURROGATE.search(value)):
        raise BadValue(f"{path or 'the body'}: contains a NUL or unpaired surrogate character",
                       {path or "_body": ["must not contain NUL or unpaired surrogates"]})
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        _refuse_nul(item, f"{path}.{key}" if path else str(key))


def _load(schema: Schema, data: dict[str, Any]) -> Any:
    try:
        return schema.load(data)
    except ValidationError as exc:
        # a schema's load errors are always by field: {field: [message, ...]}
        raise BadValue("invalid request", cast("dict[str, Any]", exc.messages)) from None


route = Route.decorator
