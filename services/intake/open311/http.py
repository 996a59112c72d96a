"""The Open311 entrypoint: an HTTP handler on the services' one web server that
reads a query or a form (urlencoded or multipart), checks a client's ``api_key``, and
answers with a ``documents.Document`` in the format of the path's suffix, errors
included (404 unknown, 403 a missing or wrong key, 400 anything else; never HTML).

It is not a ``lianxin.web.Route``: the service's OpenAPI document (JSON) leaves it out.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from eventlet.event import Event
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.formparser import parse_form_data
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

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
from lianxin.web import MAX_BODY_BYTES, Caller, JsonWebServer, load_keys, raw_body
from services.intake.open311 import documents, georeport
from services.intake.open311.documents import Document

log = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 8 * 1024 * 1024     # a multipart body with its photos
MAX_UPLOADS = 5                        # files in one multipart body
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# the HTTP status of a refusal (the spec's three), and the code its errors carry
STATUS = {NotFound: 404, NotYours: 403, Unauthenticated: 403}
CODE = {TooLarge: 413, NotAllowed: 409, Unavailable: 503}


@dataclass(frozen=True)
class Call:
    """What an Open311 entrypoint is handed besides the request."""
    params: dict[str, list[str]]      # query, then form: each name's non-empty values
    client: Caller | None = None      # the client whose api_key came, where one is required
    uploads: int = 0                  # files of a multipart body (read, counted, not kept)


class Open311(HttpRequestHandler):
    server = JsonWebServer()          # the one server of the service's JSON routes

    def __init__(self, method: str, url: str, client: bool = False, **kwargs: Any) -> None:
        self.client = client          # the call needs a client's api_key
        kwargs.setdefault("expected_exceptions", Refused)
        super().__init__(method, url, **kwargs)

    def get_url_rule(self) -> Rule:
        return Rule(self.url, methods=None if self.method == "*" else self.method.split(","))

    def setup(self) -> None:
        super().setup()
        if self.client:
            self.keys = load_keys(self.container.config["API_KEYS_FILE"])

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        values = dict(request.path_values)  # type: ignore[attr-defined]  # set by the app
        fmt = values.pop("fmt", None) or ("json" if request.path.endswith(".json") else "xml")
        try:
            document = self.answer(request, values)
        except Exception as exc:
            document = problem(exc)
        body, content_type = documents.render(document, fmt)
        return Response(body, status=document.status,
                        headers={**document.headers, "Content-Type": content_type})

    def answer(self, request: Request, values: dict[str, Any]) -> Document:
        if self.method == "*":
            self.refuse_unknown(request)
        params, uploads = read(request)
        client = authenticate(self.keys, params) if self.client else None
        args, kwargs = (request,), {**values, "call": Call(params, client, uploads)}
        self.check_signature(args, kwargs)
        done = Event()
        self.container.spawn_worker(self, args, kwargs,
                                    context_data=self.server.context_data_from_headers(request),
                                    handle_result=partial(self.handle_result, done))
        result: Document = done.wait()
        return result

    def refuse_unknown(self, request: Request) -> None:
        """A path under /open311 that no Open311 entrypoint answers: 404, or 400 naming
        the methods when the path is known."""
        routes = Map([e.get_url_rule() for e in self.container.entrypoints
                      if isinstance(e, Open311) and e.method != "*"])
        try:
            routes.bind("").match(request.path, method=request.method)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            raise WrongMethod(f"{request.method} is not allowed here; use {allowed}",
                              allowed) from None
        except HTTPException:
            pass
        raise NotFound("no such Open311 resource (the formats are .xml and .json)",
                       {"path": [request.path]})


class WrongMethod(Refused):
    def __init__(self, message: str, allowed: str) -> None:
        super().__init__(message)
        self.allowed = allowed


def read(request: Request) -> tuple[dict[str, list[str]], int]:
    """The query's and, for a POST, the body's parameters (an empty one is absent), and
    how many files a multipart body carried."""
    params: dict[str, list[str]] = {}
    pairs: list[tuple[str, str]] = list(request.args.items(multi=True))
    uploads = 0
    if request.method == "POST":
        form, uploads = read_body(request)
        pairs = form + pairs
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise BadValue.field(name.replace("\x00", ""), "contains a NUL character")
        if value.strip():
            params.setdefault(name, []).append(value.strip())
    return params, uploads


def read_body(request: Request) -> tuple[list[tuple[str, str]], int]:
    multipart = request.mimetype == MULTIPART
    raw = raw_body(request, MAX_UPLOAD_BYTES if multipart else MAX_BODY_BYTES)
    if not multipart:
        if request.mimetype not in (FORM, "") and raw.strip():
            raise BadValue.field("Content-Type", f"send {FORM} or {MULTIPART}")
        try:
            return parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                             max_num_fields=1000), 0
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadValue.field("_body", f"not a UTF-8 form: {exc}") from None
    environ = {**request.environ, "wsgi.input": io.BytesIO(raw),
               "CONTENT_LENGTH": str(len(raw))}
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    try:
        _, form, files = parse_form_data(environ, max_form_parts=1000, silent=False)
    except (HTTPException, ValueError) as exc:
        raise BadValue.field("_body", f"not a multipart form: {exc}") from None
    count = sum(len(files.getlist(name)) for name in files)
    if count > MAX_UPLOADS:
        raise BadValue.field("_body", f"at most {MAX_UPLOADS} files")
    for name in files:
        for upload in files.getlist(name):
            upload.close()
    return list(form.items(multi=True)), count


def authenticate(keys: dict[str, Caller], params: dict[str, list[str]]) -> Caller:
    """The client whose ``api_key`` came (in the form or the query)."""
    key = georeport.single(params, "api_key")
    if key is None:
        raise Unauthenticated("api_key is required", {"api_key": ["missing"]})
    caller = keys.get(key)
    if caller is None or caller.role != "client":
        raise NotYours("invalid api_key: not a client's key", {"api_key": ["not a client's key"]})
    return caller


def problem(exc: BaseException) -> Document:
    """The spec's error document for what went wrong."""
    if isinstance(exc, WrongMethod):
        return documents.errors(400, (405, exc.message), Allow=exc.allowed)
    if isinstance(exc, Refused):
        kind = next(k for k in type(exc).__mro__ if k in (*STATUS, *CODE, Refused))
        status = STATUS.get(kind, 400)
        code = CODE.get(kind, status)
        return documents.errors(status, *[(code, line) for line in georeport.refusal_lines(exc)])
    log.error("Open311 request failed: %s", type(exc).__name__, exc_info=exc)
    return documents.errors(400, (500, "general service error: the request could not be "
                                       "processed; please tell the district office"))


open311 = Open311.decorator
