"""Forms of the staff pages that pass a case to another department or merge a duplicate.

They only collect what was sent: the domain (``portal.cases.transfer``, ``portal.cases.merge``)
checks it and says what is wrong, and the page words that in the member's language. Each carries
the case's revision as the page showed it, so a stale form or a second press changes nothing.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField

from .filters import strip_text


class RoutingForm(FlaskForm):
    revision = HiddenField()

    def summary(self) -> list[tuple[str, str]]:
        return [(f"{field.id}-0" if isinstance(field, RadioField) else field.id, field.errors[0])
                for field in self if field.errors]


class TransferForm(RoutingForm):
    # Checked by the domain against the catalog, with a message of ours (not WTForms' own).
    department = RadioField(choices=[], validate_choice=False)
    reason = TextAreaField(filters=[strip_text])
    public_note = TextAreaField(filters=[strip_text])


class MergeForm(RoutingForm):
    primary = RadioField(choices=[], validate_choice=False)
    reference = StringField(filters=[strip_text])
    note = TextAreaField(filters=[strip_text])

    def primary_reference(self) -> str:
        """The typed reference when there is one, else the case picked from the list."""
        return (self.reference.data or self.primary.data or "").strip().upper()
