"""Forms for coming back to saved answers: a resume link by email, or a resume code."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import ValidationError

from ..cases.contact import normalise_email
from .accounts import Summarised


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class EmailLinkForm(Summarised):
    email = StringField(filters=[_strip])

    def validate_email(self, field):
        if not field.data:
            raise ValidationError(_("Enter your email address"))
        if len(field.data) > 254 or normalise_email(field.data) is None:
            raise ValidationError(_("Enter an email address in the correct format, like name@example.com"))


class ResumeCodeForm(Summarised):
    code = StringField(filters=[_strip])

    def validate_code(self, field):
        if not field.data:
            raise ValidationError(_("Enter your resume code"))
