"""The case API's documentation for developers, at /developers: an HTML page in the portal's
layout and languages, made at request time from the same OpenAPI document the API serves at
/api/v1/openapi.json, so that every operation the API has is on the page as the API declares it.

It belongs to the API's package (it reads the API's document and examples, which the web pages
may not import) but is served outside /api/v1 on purpose, on a blueprint of its own: the API's
prefix takes no cookies and answers only JSON and problem details, while this is a page like any
other, in the portal's layout, with the language chosen in the portal's own way and HTML error
pages. The document's own texts (summaries, descriptions) are the API's reference in English and
are marked as such (``lang="en"``); the page's headings, labels and guidance are translated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template

from . import examples, openapi

bp = Blueprint("developers", __name__)

METHODS = ("get", "post", "put", "patch", "delete")
TAG_ORDER = ("oauth", "services", "cases")


@dataclass
class Field:
    name: str
    where: str  # path, query, header; "body" for a field of a request body
    type: str
    required: bool
    description: str = ""


@dataclass
class Answer:
    status: str
    description: str
    media_types: list[str]
    headers: list[str]
    example: str | None = None
    body: str | None = None  # the name of its body's schema, described under "objects"


@dataclass
class Operation:
    id: str
    method: str
    path: str
    tag: str
    summary: str
    description: str
    scopes: list[str]
    parameters: list[Field]
    body_media: str | None = None
    body_fields: list[Field] = field(default_factory=list)
    body_example: str | None = None
    answers: list[Answer] = field(default_factory=list)
    leads_to: list[str] = field(default_factory=list)  # operationIds its links lead to


def resolve(document: dict, schema: dict | None) -> dict:
    """``schema`` with its ``$ref`` (to this document) followed."""
    seen = 0
    while schema and "$ref" in schema and seen < 10:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema, seen = target, seen + 1
    return schema or {}


def type_of(document: dict, schema: dict | None) -> str:
    """A short description of a schema's type: ``string (date-time)``, ``array of Event``,
    ``one of: a, b``, ``string or null``."""
    if not schema:
        return "any"
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = resolve(document, schema)
        return type_of(document, target) if "enum" in target else name
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(type_of(document, s) for s in schema["anyOf"])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return f"array of {type_of(document, schema.get('items'))}"
    extras = [schema[k] for k in ("format", "pattern") if k in schema]
    extras += [f"{k} {schema[k]}" for k in ("minimum", "maximum", "minLength", "maxLength") if k in schema]
    return f"{kind} ({'; '.join(str(e) for e in extras)})" if extras else kind


def _example(document: dict, schema: dict | None) -> str | None:
    found = resolve(document, schema).get("examples")
    return json.dumps(found[0], indent=2, ensure_ascii=False) if found else None


def _body(document: dict, operation: dict) -> tuple[str | None, list[Field], str | None]:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None, [], None
    media, described = next(iter(content.items()))
    schema = resolve(document, described.get("schema"))
    required = set(schema.get("required", ()))
    fields = [Field(name, "body", type_of(document, prop), name in required, prop.get("description", ""))
              for name, prop in schema.get("properties", {}).items()]
    return media, fields, _example(document, described.get("schema"))


def _answers(document: dict, operation: dict) -> list[Answer]:
    found = []
    for status, answer in sorted(operation.get("responses", {}).items()):
        content = answer.get("content", {})
        example = next((_example(document, m.get("schema")) for m in content.values() if status.startswith("2")),
                       None)
        refs = [m["schema"]["$ref"] for m in content.values() if "$ref" in m.get("schema", {})]
        found.append(Answer(status, answer.get("description", ""), list(content), list(answer.get("headers", {})),
                            example, refs[0].rsplit("/", 1)[-1] if refs else None))
    return found


def operations(document: dict) -> list[Operation]:
    """Every operation of the document, grouped by tag (OAuth, services, cases, then the others)."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [Field(p["name"], p["in"], type_of(document, p.get("schema")), bool(p.get("required")),
                                p.get("description", "")) for p in operation.get("parameters", ())]
            media, fields, example = _body(document, operation)
            scopes = sorted({s for requirement in operation.get("security", ()) for v in requirement.values()
                             for s in v})
            links = {link["operationId"] for answer in operation.get("responses", {}).values()
                     for link in answer.get("links", {}).values() if "operationId" in link}
            found.append(Operation(
                id=operation.get("operationId") or f"{method}-{path}", method=method.upper(),
                path=document.get("servers", [{"url": ""}])[0]["url"] + path,
                tag=(operation.get("tags") or ["other"])[0], summary=operation.get("summary", ""),
                description=operation.get("description", ""), scopes=scopes, parameters=parameters,
                body_media=media, body_fields=fields, body_example=example,
                answers=_answers(document, operation), leads_to=sorted(links)))
    rank = {tag: i for i, tag in enumerate(TAG_ORDER)}
    return sorted(found, key=lambda o: (rank.get(o.tag, len(rank)), o.tag, o.path, o.method))


def objects(document: dict) -> list[tuple[str, str, list[Field]]]:
    """Each named schema with fields: its name, description and fields."""
    found = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        properties = schema.get("properties")
        if not properties:
            continue
        required = set(schema.get("required", ()))
        found.append((name, schema.get("description", ""),
                      [Field(field_name, "body", type_of(document, prop), field_name in required,
                             prop.get("description", "")) for field_name, prop in properties.items()]))
    return found


def groups(found: list[Operation]) -> list[tuple[str, list[Operation]]]:
    tags: dict[str, list[Operation]] = {}
    for operation in found:
        tags.setdefault(operation.tag, []).append(operation)
    return list(tags.items())


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@bp.get("/developers")
def reference():
    app = current_app._get_current_object()
    document = openapi.cached(app)
    found = operations(document)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/") + openapi.BASE
    shown = {"token": _pretty(examples.TOKEN), "list": _pretty(examples.CASE_LIST), "case": _pretty(examples.CASE),
             "action": _pretty(examples.ACTION_REQUEST), "problem": _pretty(examples.PROBLEM)}
    return render_template("public/developers.html", groups=groups(found), objects=objects(document), base=base,
                           document=document, reference=examples.REFERENCE, shown=shown,
                           etag=f'"{examples.REFERENCE}.{examples.CASE["revision"]}"',
                           names={o.id: f"{o.method} {o.path}" for o in found})
