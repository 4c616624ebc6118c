"""Open311 answers in XML or JSON, as the address's extension asks (``.xml`` or ``.json``), and the
specification's errors: an array of ``{code, description}`` with the HTTP status of the first."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from flask import Response, current_app, json
from flask_babel import get_locale

FORMATS = ("xml", "json")
MEDIA = {"xml": "text/xml", "json": "application/json"}
# The element of each list's members in XML, by the list's element.
MEMBERS = {"services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
           "errors": "error", "endpoints": "endpoint", "formats": "format", "notes": "note",
           "service_request_updates": "request_update", "attributes_given": "attribute"}


class Open311Error(Exception):
    """Errors for the client: (HTTP status, description) pairs; the response's status is the first's."""

    def __init__(self, *errors: tuple[int, str]):
        super().__init__("; ".join(text for _code, text in errors))
        self.errors = errors

    @property
    def status(self) -> int:
        return self.errors[0][0]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _element(name: str, value: Any) -> ET.Element:
    node = ET.Element(name)
    if isinstance(value, dict):
        for key, inner in value.items():
            node.append(_element(key, inner))
    elif isinstance(value, list):
        member = MEMBERS.get(name, "item")
        for inner in value:
            node.append(_element(member, inner))
    else:
        node.text = _text(value)
    return node


def to_xml(root: str, body: Any) -> bytes:
    return ET.tostring(_element(root, body), encoding="utf-8", xml_declaration=True)


def reply(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """``body`` as JSON, or as XML under ``root`` (a list: one member element per item)."""
    data = to_xml(root, body) if fmt == "xml" else json.dumps(body).encode()
    response = current_app.response_class(data, status=status, mimetype=MEDIA[fmt])
    if fmt == "xml":
        response.charset = "utf-8"
    response.headers["Content-Language"] = str(get_locale() or "en")
    return response


def errors(fmt: str, error: Open311Error) -> Response:
    body = [{"code": code, "description": text} for code, text in error.errors]
    return reply(fmt, "errors", body, error.status)
