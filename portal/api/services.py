"""The service catalog through the API: every service, and each with its answers as a JSON Schema."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale

from ..catalog.answers_schema import answers_schema
from . import bp
from .common import operation, reply
from .problems import Problem
from .schemas import link, ref, responses


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _service(definition, locale: str, *, full: bool) -> dict:
    found = {"code": definition.code, "name": definition.name(locale), "kind": definition.kind,
             "department": definition.department, "respond_days": definition.respond_days,
             "resolve_days": definition.resolve_days}
    if full:
        found["answers_schema"] = answers_schema(definition, locale)
    return found


@bp.get("/services")
@operation({"operationId": "listServices", "summary": "The services residents can ask for",
            "tags": ["services"],
            "responses": responses(200, ref("ServiceList"), links={
                "getFirstService": link("getService", "The first service, with its answers' schema.",
                                        code="$response.body#/items/0/code")})}, scope="services:read")
def services(actor):
    catalog, locale = current_app.extensions["catalog"], _locale()
    items = [_service(d, locale, full=False) for d in sorted(catalog.services.values(), key=lambda d: d.code)]
    return reply({"items": items})


@bp.get("/services/<code>")
@operation({"operationId": "getService", "summary": "One service, with its answers as a JSON Schema",
            "tags": ["services"],
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": responses(200, ref("Service"), 404)}, scope="services:read")
def service(actor, code: str):
    definition = current_app.extensions["catalog"].services.get(code)
    if definition is None:
        raise Problem("not-found")
    return reply(_service(definition, _locale(), full=True))
