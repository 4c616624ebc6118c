"""Showing a stored answer as the resident should read it, in their language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import force_locale, format_currency, format_date, format_decimal, format_time
from flask_babel import gettext as _

from ..cases.contact import format_phone
from ..catalog import Question


def display(question: Question, value: Any, locale: str) -> list[str]:
    """The answer as one or more lines of text."""
    if value in (None, "", [], {}):
        return [_("Not answered")]
    kind = question.datatype
    if kind == "declaration":
        return [_("Confirmed")]
    if kind == "file":
        return [item.get("name", "") for item in value] if isinstance(value, list) else [str(value)]
    if kind == "group":
        lines = []
        for number, item in enumerate(value if isinstance(value, list) else [], start=1):
            parts = [" ".join(display(q, item.get(q.code), locale)) for q in question.questions[:2]
                     if item.get(q.code) not in (None, "", [])]
            lines.append(f"{number}. " + ", ".join(parts))
        return lines or [_("None")]
    if kind == "yesno":
        return [_("Yes") if value == "yes" else _("No")]
    if kind in ("singlevaluelist", "multivaluelist"):
        labels = dict(question.values(locale))
        keys = value if isinstance(value, list) else [value]
        return [labels.get(key, key) for key in keys]
    if kind == "date":
        return [format_date(date.fromisoformat(value), "long")]
    if kind == "datetime":
        when = datetime.fromisoformat(value)
        return [_("%(date)s at %(time)s", date=format_date(when.date(), "long"),
                  time=format_time(when.time(), "short"))]
    if kind == "money":
        return [format_currency(Decimal(value), "USD")]
    if kind == "number":
        return [format_decimal(Decimal(value))]
    if kind == "address":
        lines = [value.get("street", "")]
        place = " ".join(p for p in (value.get("city", ""), value.get("zip", "")) if p)
        if place:
            lines.append(place)
        if value.get("latitude"):
            lines.append(_("Latitude %(lat)s, longitude %(lon)s",
                           lat=value["latitude"], lon=value.get("longitude", "")))
        return [line for line in lines if line]
    return str(value).splitlines() or [str(value)]


def direction(question: Question, value: Any) -> str | None:
    """The direction to show an answer in, when not the one its own letters give: a phone number
    reads left to right on every page (it has no letters to tell it by)."""
    return "ltr" if question.datatype == "phone" and value else None


def answer_rows(definition, answers: dict, locale: str, href=None) -> list[dict]:
    """The answers on the route ``answers`` take, as summary-list rows (check answers, tracking, the
    account's copy of its data). ``href(question)``, when given, is where to change each one."""
    return [{
        "key": q.label(locale),
        "lines": display(q, answers.get(q.code), locale),
        "href": href(q) if href else None,
        "code": q.code,
        "dir": direction(q, answers.get(q.code)),
    } for q in definition.route(answers) if q.in_summary]


def given_rows(definition, answers: dict, answer_locale: str, question_locale: str) -> list[dict]:
    """The answers as the resident gave them (in ``answer_locale``, the case's language), beside the
    questions in ``question_locale``: the resident's language, or a member of staff's. Each row says
    its languages, so a screen reader reads each part in its own."""
    with force_locale(answer_locale):
        rows = answer_rows(definition, answers, answer_locale)
    keys = {q.code: q.label(question_locale) for q in definition.route(answers) if q.in_summary}
    return [{**row, "key": keys[row["code"]], "key_lang": question_locale, "lang": answer_locale} for row in rows]


def preference_rows(values: dict, href: str | None) -> list[dict]:
    """Contact details and preferences as summary-list rows."""
    from babel import Locale

    channels = {"email": _("Email"), "text": _("Text message"), "phone": _("Phone call"),
                "post": _("Letter by post"), "none": _("I do not want updates")}
    formats = [label for key, label in (
        ("large_print", _("Large print letters")), ("braille", _("Braille letters")),
        ("audio", _("Audio recordings of letters")), ("easy_read", _("Easy read (simple words and pictures)")),
        ("tty_relay", _("I use a TTY or relay service for phone calls")),
    ) if values.get(key)]
    if values.get("interpreter_language"):
        formats.append(_("An interpreter for %(language)s", language=values["interpreter_language"]))
    postal = values.get("postal") or {}
    address = [line for line in (
        postal.get("line1"), postal.get("line2"),
        " ".join(p for p in (postal.get("city"), postal.get("state"), postal.get("zip")) if p),
    ) if line]
    messages = [_("Requests for information, decisions and notices the law requires")]
    if values.get("want_updates"):
        messages.append(_("Other updates on my requests"))
    if values.get("want_reminders"):
        messages.append(_("Reminders"))
    not_given = _("Not given")
    phone = [format_phone(values.get("phone")) or not_given]  # shown left to right when given
    rows = []
    if "name" in values:
        rows.append((_("Name"), [values.get("name") or not_given]))
    rows += [
        (_("How you want to hear from us"), [channels.get(values.get("preferred_channel"), not_given)]),
        (_("Email address"), [values.get("email") or not_given]),
        (_("Phone number"), phone),
        (_("Postal address"), address or [not_given]),
        (_("Language"), [Locale.parse(values["locale"]).get_display_name(values["locale"]).capitalize()]
         if values.get("locale") else [not_given]),
        (_("Formats and help"), formats or [_("None")]),
        (_("Messages"), messages),
    ]
    return [{"key": key, "lines": lines, "href": href,
             "dir": "ltr" if lines is phone and values.get("phone") else None} for key, lines in rows]
