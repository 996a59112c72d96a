"""Each service's OpenAPI document, generated from its routes' marshmallow schemas."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

if TYPE_CHECKING:
    from lianxin.web import Route

PATH_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(url: str) -> str:
    """``/issues/<issue_id>`` as OpenAPI writes it: ``/issues/{issue_id}``."""
    return PATH_PARAM.sub(r"{\1}", url)


def document(service_name: str, routes: Iterable[Route]) -> dict[str, Any]:
    """The OpenAPI 3 document of ``routes`` (``web.Route`` entrypoints)."""
    spec = APISpec(title=f"Lianxin {service_name}", version="1.0.0",
                   openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("signature", {
        "type": "apiKey", "in": "header", "name": "X-Lianxin-Signature",
        "description": "HMAC-SHA256 with the partner's secret, beside X-Lianxin-Timestamp "
                       "(docs/integrations.md)"})
    paths: dict[str, dict[str, Any]] = {}
    for entry in sorted(routes, key=lambda e: (e.url, e.method)):
        paths.setdefault(openapi_path(entry.url), {})[entry.method.lower()] = _operation(entry)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(entry: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": entry.summary or entry.method_name.replace("_", " "),
        "operationId": entry.method_name, "responses": {}}
    params: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAM.findall(entry.url)]
    if entry.query_schema is not None:
        params.append({"in": "query", "schema": entry.query_schema})
    if params:
        operation["parameters"] = params
    if entry.body_schema is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": entry.body_schema}}}
    ok: dict[str, Any] = {"description": "success"}
    if entry.response_schema is not None:
        ok["content"] = {"application/json": {"schema": entry.response_schema}}
        ok["content"].update({kind: {"schema": {"type": "string"}} for kind in entry.also})
    operation["responses"][str(entry.status)] = ok
    operation["responses"]["4XX"] = {"description": "error: {error, message, fields}"}
    if entry.signed_with:
        operation["security"] = [{"signature": []}]
        operation["description"] = "Signed by the partner system (docs/integrations.md)."
    if entry.auth:
        operation["security"] = [{"bearer": []}, {}] if entry.key_optional else [{"bearer": []}]
        needs = "May carry" if entry.key_optional else "Needs"
        operation["description"] = f"{needs} a {' or '.join(entry.auth)} API key."
    return operation
