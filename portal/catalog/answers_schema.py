"""A service's answers as a JSON Schema (2020-12): what a case's ``answers`` hold for the service,
in the shape the question pages store them, with the question's text in one language as each
property's title. The case API publishes it with each service; it is built from the same
definition file as the web form, so there is no second description to keep in step."""

from __future__ import annotations

from typing import Any

from .definition import Question, ServiceDefinition

NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
ADDRESS = {"type": "object", "properties": {name: {"type": "string"} for name in
                                             ("street", "city", "zip", "latitude", "longitude")},
           "required": ["street"]}
# Pages that ask nothing store nothing.
NOT_ANSWERS = {"info", "exit"}


def _question(question: Question, locale: str) -> dict[str, Any]:
    kind = question.datatype
    schema: dict[str, Any]
    if kind in ("string", "text", "email", "phone"):
        schema = {"type": "string", "maxLength": question.max_length}
        if kind == "email":
            schema["format"] = "email"
    elif kind in ("number", "money"):
        schema = {"type": "string", "pattern": NUMBER}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "datetime":
        schema = {"type": "string", "format": "date-time"}
    elif kind == "yesno":
        schema = {"type": "string", "enum": ["yes", "no"]}
    elif kind == "singlevaluelist":
        schema = {"type": "string", "enum": [key for key, _ in question.values(locale)]}
    elif kind == "multivaluelist":
        schema = {"type": "array", "items": {"type": "string", "enum": [key for key, _ in question.values(locale)]},
                  "uniqueItems": True}
    elif kind == "address":
        schema = dict(ADDRESS)
    elif kind == "file":
        schema = {"type": "array", "items": {"type": "string"}, "maxItems": question.max_files}
    elif kind == "group":
        inner = _object(question.questions, locale)
        schema = {"type": "array", "items": inner, "minItems": question.min_items, "maxItems": question.max_items}
    else:  # a declaration, and any datatype the format names later: what was stored, as stored
        schema = {}
    return {"title": question.label(locale), "x-datatype": kind, **schema}


def _object(questions, locale: str) -> dict[str, Any]:
    asked = [q for q in questions if q.datatype not in NOT_ANSWERS]
    return {"type": "object",
            "properties": {q.code: _question(q, locale) for q in asked},
            # Required only where the question is on every route; branches decide the rest.
            "required": [q.code for q in asked if q.required and not q.conditions]}


def answers_schema(definition: ServiceDefinition, locale: str) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": definition.name(locale), **_object(definition.questions, locale)}
