"""Forms of the staff pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf.file import FileField
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from ..cases.contact import normalise_email
from .accounts import EmailMixin, Summarised
from .filters import strip_text


class StaffSignInForm(EmailMixin, Summarised):
    password = PasswordField()

    def validate_password(self, field):
        if not field.data:
            raise ValidationError(_("Enter your password"))


class SecondFactorForm(Summarised):
    code = StringField(filters=[strip_text])

    def validate_code(self, field):
        if not field.data:
            raise ValidationError(_("Enter the code from your authenticator app, or a recovery code"))
        if len(field.data) > 20:
            raise ValidationError(_("Enter the 6-digit code from your authenticator app, or a recovery code"))


class DefinitionCheckForm(Summarised):
    """A changed service definition to check: a file uploaded, or the name of one in the folder
    where designers put them."""

    definition = FileField()
    path = StringField(filters=[strip_text])

    def validate_path(self, field):
        if field.data and len(field.data) > 200:
            raise ValidationError(_("The file name must be 200 characters or fewer"))

    def upload(self):
        chosen = self.definition.data
        return chosen if chosen is not None and getattr(chosen, "filename", "") else None


class SetUpForm(Summarised):
    code = StringField(filters=[strip_text])

    def validate_code(self, field):
        digits = "".join(ch for ch in (field.data or "") if ch.isdigit())
        if not field.data:
            raise ValidationError(_("Enter the code your authenticator app shows"))
        if len(digits) != 6 or len(field.data) > 12:
            raise ValidationError(_("Enter the 6-digit code your authenticator app shows"))


class VerifyForm(Summarised):
    """The password or the second factor again, before a sensitive action."""

    password = PasswordField()
    code = StringField(filters=[strip_text])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.password.data and not self.code.data:
            self.code.errors = [_("Enter your password, or a code from your authenticator app")]
            return False
        if ok and self.code.data and len(self.code.data) > 20:
            self.code.errors = [_("Enter the 6-digit code from your authenticator app, or a recovery code")]
            return False
        return ok


class AccessForm(Summarised):
    """A member's roles and departments; the choices are what the administrator may give."""

    roles = SelectMultipleField(validate_choice=False)
    departments = SelectMultipleField(validate_choice=False)
    department_needed = False  # a department administrator gives only members of their departments

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one role"))
        if set(field.data) - {value for value, _label in field.choices}:
            raise ValidationError(_("Choose roles from the list"))

    def validate_departments(self, field):
        if set(field.data or ()) - {value for value, _label in field.choices}:
            raise ValidationError(_("Choose departments from the list"))
        if self.department_needed and not field.data:
            raise ValidationError(_("Choose at least one department"))


class NewMemberForm(AccessForm):
    name = StringField(filters=[strip_text])
    email = StringField(filters=[strip_text])
    # Declared again so that the fields (and the error summary) follow the page's order.
    roles = SelectMultipleField(validate_choice=False)
    departments = SelectMultipleField(validate_choice=False)

    def validate_name(self, field):
        if not field.data:
            raise ValidationError(_("Enter the member's full name"))
        if len(field.data) > 200:
            raise ValidationError(_("Enter a name of 200 characters or fewer"))

    def validate_email(self, field):
        if not field.data:
            raise ValidationError(_("Enter the member's work email address"))
        if len(field.data) > 254 or normalise_email(field.data) is None:
            raise ValidationError(_("Enter an email address in the correct format, like name@example.com"))
