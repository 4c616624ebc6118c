"""Small Jinja helpers used by the component macros."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from ..cases.contact import format_phone
from ..forms.pages import date_example, date_order


def without_none(attrs: dict) -> dict:
    return {key: value for key, value in attrs.items() if value is not None}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["without_none"] = without_none
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["fromiso"] = datetime.fromisoformat
    app.jinja_env.globals.update(date_order=date_order, date_example=date_example)

