"""Open311 documents in the two formats the spec names, chosen by the path's suffix.

XML is what the spec requires (UTF-8, an XML declaration, no namespace); JSON is the
same document by the Spark convention: the root element is dropped, a repeated
element becomes an array, so ``<services><service>…`` is ``[{…}]``. A value of None
is left out in both (the spec: an empty parameter is the same as none).
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# the element of each item, under a root or a list-valued field
ITEM = {"services": "service", "service_requests": "request", "errors": "error",
        "service_request_updates": "request_update", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format"}
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Document:
    """What an Open311 entrypoint answers: a root (``services``, ``service_definition``,
    ``service_requests``, ``errors`` ...) and its items, or its fields."""
    root: str
    body: list[dict[str, Any]] | dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def errors(status: int, *problems: tuple[int, str], **headers: str) -> Document:
    """The spec's error document: ``[{code, description}, ...]`` with the HTTP status."""
    return Document("errors", [{"code": code, "description": description}
                               for code, description in problems], status, headers)


def render(document: Document, fmt: str) -> tuple[bytes, str]:
    """The document's bytes in ``fmt`` (``xml`` or ``json``) and their content type."""
    if fmt == "json":
        text = json.dumps(_pruned(document.body), ensure_ascii=False)
        return text.encode("utf-8"), FORMATS["json"]
    root = ET.Element(document.root)
    _fill(root, document.root, document.body)
    ET.indent(root)
    text = DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
    return text.encode("utf-8"), FORMATS["xml"]


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM[name]), ITEM[name], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if item is not None:
                _fill(ET.SubElement(element, key), key, item)
    else:
        element.text = _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))
