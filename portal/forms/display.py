"""Showing a stored answer as the resident should read it, in their language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import format_currency, format_date, format_decimal, format_time, gettext as _

from ..catalog import Question


def display(question: Question, value: Any, locale: str) -> list[str]:
    """The answer as one or more lines of text."""
    if value in (None, "", [], {}):
        return [_("Not answered")]
    kind = question.datatype
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
