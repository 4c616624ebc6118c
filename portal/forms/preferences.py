"""How a resident wants to hear from the agency: channel, details, language, formats, messages.

Used on the account's preferences page and, for guests, on the contact page of every journey.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import ValidationError

from ..accounts.preferences import FIELDS
from ..cases.contact import format_phone, normalise_email, normalise_phone
from .filters import strip_text

US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
}
FORMATS = ("large_print", "braille", "audio", "easy_read")


def one_line(value: str | None, limit: int) -> None:
    if value and (len(value) > limit or re.search(r"[\r\n\t\x00-\x1f]", value)):
        raise ValidationError(_("Enter this on one line, in %(count)d characters or fewer", count=limit))


class PreferencesForm(FlaskForm):
    channel = RadioField(validate_choice=False)
    email = StringField(filters=[strip_text])
    phone = StringField(filters=[strip_text])
    line1 = StringField(filters=[strip_text])
    line2 = StringField(filters=[strip_text])
    city = StringField(filters=[strip_text])
    state = StringField(filters=[strip_text, lambda v: v.upper() if isinstance(v, str) else v])
    zip = StringField(filters=[strip_text])
    locale = RadioField(validate_choice=False)
    large_print = BooleanField()
    braille = BooleanField()
    audio = BooleanField()
    easy_read = BooleanField()
    interpreter = BooleanField()
    interpreter_language = StringField(filters=[strip_text])
    tty_relay = BooleanField()
    want_updates = BooleanField()
    want_reminders = BooleanField()

    allow_none = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("email", _l("Email")), ("text", _l("Text message")), ("phone", _l("Phone call")),
                   ("post", _l("Letter by post"))]
        if self.allow_none:
            choices.append(("none", _l("I do not want updates")))
        self.channel.choices = choices
        from babel import Locale

        self.locale.choices = [(code, Locale.parse(code).get_display_name(code).capitalize())
                               for code in current_app.config["SHIPPED_LOCALES"]]

    def validate_channel(self, field):
        if not field.data:
            raise ValidationError(_("Select how you want to hear from us"))
        if field.data not in dict(field.choices):
            raise ValidationError(_("Select one of the answers shown"))

    def validate_email(self, field):
        if field.data and (len(field.data) > 254 or normalise_email(field.data) is None):
            raise ValidationError(_("Enter an email address in the correct format, like name@example.com"))
        if not field.data and self.channel.data == "email":
            raise ValidationError(_("Enter your email address, or choose another way to hear from us"))

    def validate_phone(self, field):
        if field.data and normalise_phone(field.data) is None:
            raise ValidationError(_("Enter a phone number, like 202 555 0143"))
        if not field.data and self.channel.data in ("text", "phone"):
            raise ValidationError(_("Enter your phone number, or choose another way to hear from us"))

    def _postal_wanted(self) -> bool:
        return self.channel.data == "post" or any(
            getattr(self, name).data for name in ("line1", "line2", "city", "state", "zip"))

    def validate_line1(self, field):
        one_line(field.data, 200)
        if not field.data and self._postal_wanted():
            raise ValidationError(_("Enter the first line of your address"))

    def validate_line2(self, field):
        one_line(field.data, 200)

    def validate_city(self, field):
        one_line(field.data, 100)
        if not field.data and self._postal_wanted():
            raise ValidationError(_("Enter your town or city"))

    def validate_state(self, field):
        if field.data and field.data not in US_STATES:
            raise ValidationError(_("Enter the state as 2 letters, like VA"))
        if not field.data and self._postal_wanted():
            raise ValidationError(_("Enter your state, like VA"))

    def validate_zip(self, field):
        if field.data and not re.fullmatch(r"\d{5}(-\d{4})?", field.data):
            raise ValidationError(_("Enter a ZIP code with 5 numbers, like 20500"))
        if not field.data and self._postal_wanted():
            raise ValidationError(_("Enter your ZIP code"))

    def validate_locale(self, field):
        if field.data not in dict(field.choices):
            raise ValidationError(_("Select a language"))

    def validate_interpreter_language(self, field):
        one_line(field.data, 64)
        if self.interpreter.data and not field.data:
            raise ValidationError(_("Enter the language you want an interpreter for"))

    def summary(self) -> list[tuple[str, str]]:
        out = []
        for field in self:
            if field.errors:
                target = f"{field.id}-0" if isinstance(field, RadioField) else field.id
                out.append((target, field.errors[0]))
        return out

    def changes(self) -> dict:
        postal = {name: getattr(self, name).data or "" for name in ("line1", "line2", "city", "state", "zip")}
        return {
            "preferred_channel": self.channel.data,
            "email": normalise_email(self.email.data) if self.email.data else None,
            "phone": normalise_phone(self.phone.data) if self.phone.data else None,
            "postal": postal if postal["line1"] else {},
            "locale": self.locale.data,
            **{name: bool(getattr(self, name).data) for name in FORMATS},
            "interpreter_language": (self.interpreter_language.data or None) if self.interpreter.data else None,
            "tty_relay": bool(self.tty_relay.data),
            "want_updates": bool(self.want_updates.data),
            "want_reminders": bool(self.want_reminders.data),
        }

    def fill(self, values: dict) -> None:
        postal = values.get("postal") or {}
        self.channel.data = values.get("preferred_channel")
        self.email.data = values.get("email") or ""
        self.phone.data = format_phone(values.get("phone"))
        for name in ("line1", "line2", "city", "state", "zip"):
            getattr(self, name).data = postal.get(name, "")
        self.locale.data = values.get("locale")
        for name in FORMATS:
            getattr(self, name).data = bool(values.get(name))
        self.interpreter.data = bool(values.get("interpreter_language"))
        self.interpreter_language.data = values.get("interpreter_language") or ""
        self.tty_relay.data = bool(values.get("tty_relay"))
        self.want_updates.data = values.get("want_updates", True)
        self.want_reminders.data = values.get("want_reminders", True)


class AccountPreferencesForm(PreferencesForm):
    allow_none = False


def values_of(prefs) -> dict:
    return {name: getattr(prefs, name) for name in FIELDS}
