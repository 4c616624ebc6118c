"""The contact page every service ends with: all optional, but consistent with the choice."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import ValidationError

from ..cases.contact import normalise_email, normalise_phone

PREFERENCES = ("email", "text", "phone", "none")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ContactForm(FlaskForm):
    name = StringField(filters=[_strip])
    email = StringField(filters=[_strip])
    phone = StringField(filters=[_strip])
    preference = RadioField(validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.preference.choices = [
            ("email", _l("By email")),
            ("text", _l("By text message")),
            ("phone", _l("By phone call")),
            ("none", _l("I do not want updates")),
        ]

    def validate_name(self, field):
        if field.data and len(field.data) > 200:
            raise ValidationError(_("Your name must be 200 characters or fewer"))
        if field.data and any(ch in field.data for ch in "\r\n\t"):
            raise ValidationError(_("Your name must be on one line"))

    def validate_email(self, field):
        if field.data and normalise_email(field.data) is None:
            raise ValidationError(_("Enter an email address in the correct format, like name@example.com"))
        if not field.data and self.preference.data == "email":
            raise ValidationError(_("Enter your email address, or choose another way to hear from us"))

    def validate_phone(self, field):
        if field.data and normalise_phone(field.data) is None:
            raise ValidationError(_("Enter a phone number, like 202 555 0143"))
        if not field.data and self.preference.data in ("text", "phone"):
            raise ValidationError(_("Enter your phone number, or choose another way to hear from us"))

    def validate_preference(self, field):
        if not field.data:
            raise ValidationError(_("Select how you want to hear from us"))
        if field.data not in PREFERENCES:
            raise ValidationError(_("Select one of the answers shown"))

    def summary(self) -> list[tuple[str, str]]:
        out = []
        for field in self:
            if field.errors:
                out.append((f"{field.id}-0" if field is self.preference else field.id, field.errors[0]))
        return out

    def contact(self) -> dict[str, str]:
        return {
            "name": self.name.data or "",
            "email": normalise_email(self.email.data) if self.email.data else "",
            "phone": normalise_phone(self.phone.data) if self.phone.data else "",
            "preference": self.preference.data,
        }

    def fill(self, contact: dict[str, str]) -> None:
        self.name.data = contact.get("name", "")
        self.email.data = contact.get("email", "")
        self.phone.data = contact.get("phone", "")
        self.preference.data = contact.get("preference") or None
