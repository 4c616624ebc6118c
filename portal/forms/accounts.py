"""Forms for signing up, signing in and managing an account."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from ..accounts import passwords
from ..cases.contact import normalise_email
from .filters import strip_text

PASSWORD_MESSAGES = {
    "too_short": lambda: _("Your password must be at least %(count)d characters", count=passwords.MIN_LENGTH),
    "too_long": lambda: _("Your password must be %(count)d characters or fewer", count=passwords.MAX_LENGTH),
    "common": lambda: _("This password is too easy to guess. Try 3 or 4 words that have nothing to do with each other."),
}


class Summarised(FlaskForm):
    def summary(self) -> list[tuple[str, str]]:
        """(target id, message) of each field in error; a group of radio buttons or checkboxes
        points at its first option."""
        return [(f"{field.id}-0" if isinstance(field, RadioField | SelectMultipleField) else field.id, field.errors[0])
                for field in self if field.errors]


class EmailMixin:
    email = StringField(filters=[strip_text])

    def validate_email(self, field):
        if not field.data:
            raise ValidationError(_("Enter your email address"))
        if len(field.data) > 254 or normalise_email(field.data) is None:
            raise ValidationError(_("Enter an email address in the correct format, like name@example.com"))

    def normalised_email(self) -> str:
        return normalise_email(self.email.data)


def check_new_password(value: str | None, context: tuple[str, ...]) -> None:
    if not value:
        raise ValidationError(_("Enter a password"))
    problem = passwords.problem(value, context=context)
    if problem:
        raise ValidationError(PASSWORD_MESSAGES[problem]())


class SignUpForm(EmailMixin, Summarised):
    password = PasswordField()

    def validate_password(self, field):
        check_new_password(field.data, (self.email.data or "",))


class SignInForm(EmailMixin, Summarised):
    password = PasswordField()

    def validate_password(self, field):
        if not field.data:
            raise ValidationError(_("Enter your password"))


class ForgotForm(EmailMixin, Summarised):
    pass


class NewPasswordForm(Summarised):
    password = PasswordField()

    def __init__(self, *args, context: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context

    def validate_password(self, field):
        check_new_password(field.data, self.context)


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField()

    def validate_current(self, field):
        if not field.data:
            raise ValidationError(_("Enter your current password"))


class ChangeEmailForm(EmailMixin, Summarised):
    password = PasswordField()

    def validate_password(self, field):
        if not field.data:
            raise ValidationError(_("Enter your password"))


class DeleteForm(Summarised):
    password = PasswordField()
    confirm = BooleanField()

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_("Confirm that you want to delete your account"))
