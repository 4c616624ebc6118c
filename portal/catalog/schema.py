"""JSON Schema of a service definition file and of the catalog file (see FORMAT.md)."""

from __future__ import annotations

CODE = {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,63}$"}
QUESTION_CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}
VALUE_KEY = {"type": "string", "pattern": "^[a-z0-9_]{1,64}$"}
LINE = {"type": "string", "minLength": 1, "maxLength": 300}
PARAGRAPHS = {"type": "string", "minLength": 1, "maxLength": 4000}

DATATYPES = [
    "string", "text", "number", "money", "date", "datetime", "yesno", "singlevaluelist",
    "multivaluelist", "address", "email", "phone", "file", "group", "declaration", "info", "exit",
]
KINDS = ["complaint", "permit", "benefit"]
# Datatypes the question pages can ask today. The format already names the others; the loader
# refuses them, naming the file and field, until the question pages can ask them.
ASKABLE = set(DATATYPES)


def localized(properties: dict, required: list[str]) -> dict:
    """A mapping of locale code to an object of the given text properties."""
    return {
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": "^[a-z]{2,3}(_[A-Z]{2})?$"},
        "additionalProperties": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        },
    }


def localized_string() -> dict:
    return {
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": "^[a-z]{2,3}(_[A-Z]{2})?$"},
        "additionalProperties": LINE,
    }


# A number, or a value looked up in one of the service's tables by another answer.
LIMIT = {
    "oneOf": [
        {"type": "number"},
        {
            "type": "object",
            "properties": {"table": CODE, "by": QUESTION_CODE},
            "required": ["table", "by"],
            "additionalProperties": False,
        },
    ]
}
OPERATORS = ["equals", "any_of", "not_equals", "at_least", "at_most", "answered"]

CONDITION = {
    "type": "object",
    "properties": {
        "question": QUESTION_CODE,
        "equals": {"type": "string"},
        "not_equals": {"type": "string"},
        "any_of": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "at_least": LIMIT,
        "at_most": LIMIT,
        "answered": {"type": "boolean"},
    },
    "required": ["question"],
    "oneOf": [{"required": [op]} for op in OPERATORS],
    "additionalProperties": False,
}

QUESTION: dict = {
    "type": "object",
    "properties": {
        "code": QUESTION_CODE,
        "datatype": {"enum": DATATYPES},
        "required": {"type": "boolean"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 10000},
        "max_files": {"type": "integer", "minimum": 1, "maximum": 20},
        "min_items": {"type": "integer", "minimum": 0, "maximum": 50},
        "max_items": {"type": "integer", "minimum": 1, "maximum": 50},
        # A group whose number of items must equal an earlier number answer (e.g. household size).
        "count_matches": QUESTION_CODE,
        "prefill": {"enum": ["account.name", "account.email", "account.phone", "account.address"]},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "show_if": {"oneOf": [CONDITION, {"type": "array", "items": CONDITION, "minItems": 1}]},
        "values": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"key": VALUE_KEY, "text": localized_string()},
                "required": ["key", "text"],
                "additionalProperties": False,
            },
        },
        "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"}},
        "text": localized(
            {"label": LINE, "hint": LINE, "error": LINE, "body": PARAGRAPHS, "add_label": LINE,
             "item_label": LINE, "confirm": LINE},
            ["label"],
        ),
    },
    "required": ["code", "datatype", "text"],
    "additionalProperties": False,
    "allOf": [
        {
            "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
            "then": {"required": ["values"]},
            "else": {"not": {"required": ["values"]}},
        },
        {
            "if": {"properties": {"datatype": {"const": "group"}}},
            "then": {"required": ["questions"]},
            "else": {"not": {"required": ["questions"]}},
        },
    ],
}

# A priority rule: when its conditions hold for the answers (all of them; with ``for_any``, for one
# item of that repeating group), the case gets at least ``priority``, and staff see the reason.
PRIORITY_RULE: dict = {
    "type": "object",
    "properties": {
        "code": QUESTION_CODE,
        "priority": {"type": "integer", "minimum": 1, "maximum": 9},
        "when": {"oneOf": [CONDITION, {"type": "array", "items": CONDITION, "minItems": 1}]},
        "for_any": QUESTION_CODE,
        "text": localized({"reason": LINE}, ["reason"]),
    },
    "required": ["code", "priority", "when", "text"],
    "additionalProperties": False,
}

SERVICE: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"question": QUESTION},
    "type": "object",
    "properties": {
        "code": CODE,
        "kind": {"enum": KINDS},
        "topic": CODE,
        "department": CODE,
        "service_level": {
            "type": "object",
            "properties": {
                "respond_days": {"type": "integer", "minimum": 0, "maximum": 365},
                "resolve_days": {"type": "integer", "minimum": 0, "maximum": 730},
            },
            "required": ["respond_days", "resolve_days"],
            "additionalProperties": False,
        },
        "open311_type": {"enum": ["realtime", "batch", "blackbox"]},
        # Days after a complaint is resolved during which the resident can say it is not fixed.
        "reopen_days": {"type": "integer", "minimum": 0, "maximum": 365},
        # Lookup tables for conditions, e.g. income limits by household size: {"1": 52000, …}.
        "tables": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9-]{0,63}$"},
            "additionalProperties": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": "^[0-9]{1,3}$"},
                "additionalProperties": {"type": "number"},
            },
        },
        "text": localized(
            {
                "name": LINE,
                "description": LINE,
                "keywords": {"type": "array", "items": LINE},
                "next_steps": PARAGRAPHS,
                "before_you_start": PARAGRAPHS,
            },
            ["name", "description", "next_steps"],
        ),
        "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"}},
        "priority_rules": {"type": "array", "items": PRIORITY_RULE},
    },
    "required": ["code", "kind", "topic", "department", "service_level", "text", "questions"],
    "additionalProperties": False,
}

NAMED = {
    "type": "object",
    "properties": {"code": CODE, "text": localized({"name": LINE}, ["name"])},
    "required": ["code", "text"],
    "additionalProperties": False,
}

CATALOG: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "agency": {
            "type": "object",
            "properties": {"text": localized({"name": LINE}, ["name"])},
            "required": ["text"],
            "additionalProperties": False,
        },
        "topics": {"type": "array", "minItems": 1, "items": NAMED},
        "departments": {"type": "array", "minItems": 1, "items": NAMED},
    },
    "required": ["agency", "topics", "departments"],
    "additionalProperties": False,
}
