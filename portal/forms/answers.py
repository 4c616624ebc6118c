"""Answers given all at once as data (the case API's JSON body, Open311's ``attribute[...]`` fields),
checked by the question pages' own forms.

Each answer is put to the form its page would show (``pages.build``), as if the resident had typed
it there: a value a page refuses is refused here with the page's own message in the caller's
language, and what is kept is exactly what the page would keep. Which questions are asked, which
are required and whether the answers reach an exit come from the definition (its route), as for the
pages; ``portal.cases.intake`` checks the same once more before it makes the case.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..catalog import Question, ServiceDefinition
from .pages import build

# Pages that ask nothing: never given as answers.
NOT_ANSWERS = {"info", "exit"}
ADDRESS_PARTS = ("street", "city", "zip", "latitude", "longitude")


@dataclass(frozen=True)
class Invalid:
    """One answer that cannot be used: where (a question's code; ``group[2].code`` inside a
    repeating group), why (``unknown``, ``invalid``, ``missing``, ``exit``, ``file``) and the words."""

    question: str
    reason: str
    message: str


class _Shape(ValueError):
    """The value is not of a shape the question takes (a list for a date, an object for a number)."""


def check(definition: ServiceDefinition, given: dict[str, Any], locale: str) -> tuple[dict[str, Any], list[Invalid]]:
    """The answers to store for ``given`` (question code -> value in the shape a case stores), and
    every problem found, in the definition's order. Optional questions left out count as left blank."""
    problems: list[Invalid] = []
    known = {q.code: q for q in definition.questions if q.datatype not in NOT_ANSWERS}
    problems += [Invalid(code, "unknown", _unknown(code)) for code in given if code not in known]
    answers: dict[str, Any] = {}
    for question in definition.questions:
        if question.code in known and question.code in given:
            value, found = _one(question, given[question.code], locale, question.code)
            problems += found
            if not found:
                answers[question.code] = value
    # The route as the answers decide it: blanks for optional questions left out, pages of
    # information "seen", a problem for each required question left out.
    for question in definition.route(answers):
        if question.code in answers or question.code in given or question.is_exit:
            continue
        if question.datatype == "info":
            answers[question.code] = "seen"
        elif question.required or (question.datatype == "group" and question.min_items):
            problems.append(Invalid(question.code, "missing", _missing(question, locale)))
        else:
            answers[question.code] = [] if question.datatype in ("multivaluelist", "file", "group") else ""
    exit_page = definition.exit_reached(answers)
    if exit_page is not None and not problems:
        problems.append(Invalid(exit_page.code, "exit", _exit(exit_page, locale)))
    if not problems:
        problems += [Invalid(q.code, "invalid", _group_rule(q)) for q in definition.unanswered(answers)]
    return answers, problems


def _one(question: Question, value: Any, locale: str, where: str) -> tuple[Any, list[Invalid]]:
    if question.datatype == "group":
        return _group(question, value, locale, where)
    if question.datatype == "file":
        if value in (None, "", []):
            return [], []
        return None, [Invalid(where, "file", _("Files cannot be given as answers here: send them as media."))]
    try:
        formdata = _formdata(question, value)
    except _Shape as shape:
        return None, [Invalid(where, "invalid", str(shape))]
    form = build(question, locale, formdata=formdata, csrf=False)
    if form.validate():
        return form.answer(), []
    messages = [message for _field, message in form.summary() if message]
    messages += [m for errors in form.errors.values() for m in errors if m and m not in messages]
    return None, [Invalid(where, "invalid", messages[0] if messages else _("Check this answer."))]


def _group(question: Question, value: Any, locale: str, where: str) -> tuple[Any, list[Invalid]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return None, [Invalid(where, "invalid", _("Give a list of entries, each an object of answers."))]
    problems: list[Invalid] = []
    items = []
    inner = {q.code: q for q in question.questions}
    for number, item in enumerate(value, start=1):
        place = f"{where}[{number}]"
        problems += [Invalid(f"{place}.{code}", "unknown", _unknown(code)) for code in item if code not in inner]
        kept: dict[str, Any] = {"_id": secrets.token_hex(8)}
        for q in question.questions:
            answer, found = _one(q, item.get(q.code, ""), locale, f"{place}.{q.code}")
            problems += found
            kept[q.code] = answer
        items.append(kept)
    return items, problems


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Shape(_("Give this answer as text."))
    return str(value)


def _formdata(question: Question, value: Any) -> MultiDict:
    kind = question.datatype
    if kind == "multivaluelist":
        chosen = [value] if isinstance(value, str) else value
        if not isinstance(chosen, list) or not all(isinstance(v, str) for v in chosen):
            raise _Shape(_("Give this answer as a list of the keys of the answers chosen."))
        return MultiDict([("value", v) for v in chosen])
    if kind == "address":
        if isinstance(value, str):
            value = {"street": value}
        if not isinstance(value, dict) or not all(isinstance(value.get(p, ""), (str, int, float)) for p in ADDRESS_PARTS):
            raise _Shape(_("Give this answer as an object with street, city, zip, latitude and longitude."))
        return MultiDict({p: str(value.get(p, "")) for p in ADDRESS_PARTS})
    if kind == "declaration":
        return MultiDict({"value": "y"} if value in (True, "confirmed", "true", "yes") else {})
    if kind in ("date", "datetime"):
        return MultiDict(_date_parts(_text(value), with_time=kind == "datetime"))
    if kind == "yesno" and isinstance(value, bool):
        return MultiDict({"value": "yes" if value else "no"})
    return MultiDict({"value": _text(value)})


def _date_parts(text: str, *, with_time: bool) -> dict[str, str]:
    """A date (or date and time) as the date page's fields; what is not one goes in as typed, for
    the page to refuse in its own words."""
    text = text.strip()
    if not text:
        return {}
    try:
        when = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        match = re.fullmatch(r"(\d{1,4})-(\d{1,2})-(\d{1,2})", text)
        parts = {"year": match[1], "month": match[2], "day": match[3]} if match else {"day": text, "month": text,
                                                                                        "year": text}
        return parts
    parts = {"day": str(when.day), "month": str(when.month), "year": f"{when.year:04d}"}
    if with_time:
        parts["time"] = f"{when.hour:02d}:{when.minute:02d}" if isinstance(when, datetime) else ""
    return parts


def _unknown(code: str) -> str:
    return _("There is no question %(code)s in this service.", code=code)


def _missing(question: Question, locale: str) -> str:
    return question.text(locale).get("error") or _("Answer this question: %(label)s", label=question.label(locale))


def _exit(question: Question, locale: str) -> str:
    text = question.text(locale)
    return _("These answers lead to a page that ends the request: %(title)s",
             title=text.get("label") or text.get("title") or question.code)


def _group_rule(question: Question) -> str:
    return _("The entries of %(code)s do not meet the question's rules (how many, and each one's required "
             "answers).", code=question.code)
