"""A service's Open311 GeoReport v2 definition, made from its definition file (the same file as its
web form): one attribute per question a client can answer, in the file's order.

- The first ``address`` question is where the problem is: Open311's own ``lat``/``long``,
  ``address_string`` and ``address_id`` fields answer it, so it is no attribute.
- ``info`` pages become attributes with ``variable`` false (text to show, nothing to answer).
- A question asked only after some answers (``show_if``) is never ``required`` here, and its
  ``description`` says so; the answers still decide, as on the pages, when the request is checked.
- Exit pages, files (Open311's ``media`` instead), repeating groups and declarations have no
  Open311 form; a service with a required one of these is not offered through Open311.
"""

from __future__ import annotations

from typing import Any

from .definition import OPEN311_DATATYPE, Question, ServiceDefinition

NOT_ATTRIBUTES = {"exit", "file", "group", "declaration"}
OFFERED_KINDS = ("complaint",)


def location_question(definition: ServiceDefinition) -> Question | None:
    return next((q for q in definition.questions if q.datatype == "address"), None)


def offered(definition: ServiceDefinition) -> bool:
    """Offered through Open311: a complaint whose every required question Open311 can answer."""
    return definition.kind in OFFERED_KINDS and not any(
        q.required and q.datatype in NOT_ATTRIBUTES - {"exit"} for q in definition.questions)


def attribute_questions(definition: ServiceDefinition) -> list[Question]:
    where = location_question(definition)
    return [q for q in definition.questions if q.datatype not in NOT_ATTRIBUTES and q is not where
            and (where is None or q.code != where.code)]


def _values(question: Question, locale: str, yes_no: tuple[str, str]) -> list[dict[str, str]]:
    if question.datatype == "yesno":
        return [{"key": "yes", "name": yes_no[0]}, {"key": "no", "name": yes_no[1]}]
    return [{"key": key, "name": name} for key, name in question.values(locale)]


def attributes(definition: ServiceDefinition, locale: str, *, yes_no: tuple[str, str],
               datatype_words: dict[str, str], asked_when: str) -> list[dict[str, Any]]:
    """The attributes in ``locale``. The words a definition file does not hold (yes and no, what
    each datatype takes, a note for conditional questions) come from the caller, translated."""
    found = []
    for order, question in enumerate(attribute_questions(definition), start=1):
        text = question.text(locale)
        variable = question.datatype != "info"
        description = text.get("label", "") if variable else text.get("body", text.get("label", ""))
        if text.get("hint") and variable:
            description = f"{description} {text['hint']}"
        if question.conditions:
            description = f"{description} ({asked_when})"
        attribute: dict[str, Any] = {
            "variable": variable, "code": question.code,
            "datatype": OPEN311_DATATYPE.get(question.datatype, "string") if variable else "string",
            "required": variable and question.required and not question.conditions,
            "datatype_description": datatype_words.get(question.datatype, "") if variable else "",
            "order": order, "description": description.strip(),
        }
        if question.datatype in ("singlevaluelist", "multivaluelist", "yesno"):
            attribute["values"] = _values(question, locale, yes_no)
        found.append(attribute)
    return found
