"""Small Jinja helpers used by the component macros."""

from __future__ import annotations

from flask import Flask
from ..forms.pages import date_example, date_order


def without_none(attrs: dict) -> dict:
    return {key: value for key, value in attrs.items() if value is not None}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["without_none"] = without_none
    app.jinja_env.filters["phone"] = phone
    app.jinja_env.globals.update(date_order=date_order, date_example=date_example)


def phone(value: str | None) -> str:
    """An E.164 number as people write it at home, e.g. (202) 555-0143."""
    if not value:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
