"""Forms of the staff actions on a case, and of the response templates."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..cases import followup, notes
from .filters import strip_text
from .followup import FollowupForm


class Revisioned(FollowupForm):
    """Every action form carries the revision of the case it was shown with."""

    revision = IntegerField(widget=HiddenField.widget)

    def validate_revision(self, field):
        if field.data is None or field.data < 0:
            raise ValidationError(_("This form is out of date. Open the case again."))


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError(_("Enter %(max)d characters or fewer", max=limit))


class ActionForm(Revisioned):
    """A workflow action: what the resident reads, and a note for staff only."""

    public_note = TextAreaField()
    internal_note = TextAreaField()
    template = RadioField(choices=[], validate_choice=False)

    def __init__(self, *args, note_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.note_required = note_required

    def validate_public_note(self, field):
        text = followup.clean_text(field.data)
        if self.note_required and not text:
            raise ValidationError(_("Enter the message for the resident"))
        _check_length(text, notes.NOTE_MAX)

    def validate_internal_note(self, field):
        _check_length(followup.clean_text(field.data), notes.NOTE_MAX)


class NoteForm(Revisioned):
    internal_note = TextAreaField()

    def validate_internal_note(self, field):
        text = followup.clean_text(field.data)
        if not text:
            raise ValidationError(_("Enter the note"))
        _check_length(text, notes.NOTE_MAX)


class AssignForm(Revisioned):
    assignee = RadioField(choices=[], validate_choice=False)

    def validate_assignee(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_("Choose a member of staff"))


class TemplateForm(FollowupForm):
    name = StringField(filters=[strip_text])
    department = RadioField(choices=[], validate_choice=False)
    service_code = RadioField(choices=[], validate_choice=False)
    action = RadioField(choices=[], validate_choice=False)

    def validate_name(self, field):
        if not field.data:
            raise ValidationError(_("Enter a name for the template"))

    def validate_department(self, field):
        if not field.data:
            raise ValidationError(_("Choose a department"))

    def validate_action(self, field):
        if not field.data:
            raise ValidationError(_("Choose an action"))
