"""The contact page every journey ends with: all optional, but consistent with the choice made.

A guest gets the same choices as an account holder (channel, details, language, formats,
messages); they are kept with the case.
"""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import ValidationError

from .filters import strip_text
from .preferences import PreferencesForm, one_line


class ContactForm(PreferencesForm):
    name = StringField(filters=[strip_text])

    def validate_name(self, field):
        if field.data and len(field.data) > 200:
            raise ValidationError(_("Your name must be 200 characters or fewer"))
        one_line(field.data, 200)

    def contact(self) -> dict:
        return {"name": self.name.data or "", **self.changes()}

    def fill(self, contact: dict) -> None:
        super().fill(contact)
        self.name.data = contact.get("name", "")
