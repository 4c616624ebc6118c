"""Small Jinja helpers used by the component macros."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from ..cases.contact import format_phone


def without_none(attrs: dict) -> dict:
    return {key: value for key, value in attrs.items() if value is not None}


def bdi(value, direction: str | None = None) -> Markup:
    """Text a resident gave, isolated so it keeps its own direction inside a sentence: "100 Main
    Street" stays so on a right-to-left page. ``direction="ltr"`` for phone numbers, which have no
    letters to tell their direction by."""
    if direction:
        return Markup('<bdi dir="{}">{}</bdi>').format(direction, value)
    return Markup("<bdi>{}</bdi>").format(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["without_none"] = without_none
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.filters["fromiso"] = datetime.fromisoformat

