"""Forms of the staff queue: the filters (sent by GET, so a view lives in its address), saving a
view under a name, taking the next case, and the bulk actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from .accounts import Summarised
from .filters import strip_text

NAME_LENGTH = 80
NOTE_LENGTH = 2000


class QueueFilterForm(FlaskForm):
    """Shows the current filters; the domain (``portal.cases.queue.Query.parse``) reads them."""

    class Meta:
        csrf = False

    view = SelectField()
    status = SelectMultipleField()
    service = SelectField()
    department = SelectField()
    priority = SelectField()
    overdue = BooleanField()
    channel = SelectField()
    language = SelectField()
    need = SelectField()
    sort = SelectField()

    def __init__(self, choices: dict[str, list[tuple[str, str]]], data: dict):
        super().__init__(formdata=None, data=data)
        for name, options in choices.items():
            self[name].choices = options


class SaveFilterForm(Summarised):
    name = StringField(filters=[strip_text])

    def validate_name(self, field):
        if not field.data:
            raise ValidationError(_l("Enter a name for this view"))
        if len(field.data) > NAME_LENGTH:
            raise ValidationError(_l("Enter a name of %(count)d characters or fewer", count=NAME_LENGTH))


class PostForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class BulkApplyForm(Summarised):
    note = TextAreaField(filters=[strip_text])

    def validate_note(self, field):
        if field.data and len(field.data) > NOTE_LENGTH:
            raise ValidationError(_l("Enter a message of %(count)d characters or fewer", count=NOTE_LENGTH))
