"""Forms of a case entered for a resident by staff: how the resident came and their language, finding
them, their contact details and their agreement that we keep and use them."""

from __future__ import annotations

from babel import Locale
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import ValidationError

from .accounts import Summarised
from .contact import ContactForm
from .filters import strip_text

CHANNEL_CHOICES = (("phone", _l("Phone call")), ("counter", _l("At the counter")), ("post", _l("Letter by post")),
                   ("email", _l("Email")))
YES_NO = (("yes", _l("Yes")), ("no", _l("No")))


def _languages() -> list[tuple[str, str]]:
    return [(code, Locale.parse(code).get_display_name(code).capitalize())
            for code in current_app.config["SHIPPED_LOCALES"]]


def _one_of(field, message: str) -> None:
    if field.data not in dict(field.choices):
        raise ValidationError(message)


class StartEntryForm(Summarised):
    channel = RadioField(choices=CHANNEL_CHOICES, validate_choice=False)
    locale = RadioField(validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = _languages()

    def validate_channel(self, field):
        _one_of(field, _("Select how the resident contacted us"))

    def validate_locale(self, field):
        _one_of(field, _("Select the resident’s language"))


class ConsentMixin:
    """The resident's agreement, asked in the words on the page: a required yes, recorded."""

    consent = RadioField(choices=YES_NO, validate_choice=False)

    def validate_consent(self, field):
        if field.data not in dict(YES_NO):
            raise ValidationError(_("Select whether the resident agrees"))
        if field.data != "yes":
            raise ValidationError(_("The resident must agree before we keep their details and contact them"))

    def agreed(self) -> bool:
        return self.consent.data == "yes"


class FindResidentForm(Summarised):
    lookup = StringField(filters=[strip_text])

    def validate_lookup(self, field):
        if not field.data:
            raise ValidationError(_("Enter the resident’s email address or phone number"))
        if len(field.data) > 254:
            raise ValidationError(_("Enter 254 characters or fewer"))


class UseAccountForm(ConsentMixin, FindResidentForm):
    pass


class ResidentContactForm(ConsentMixin, ContactForm):
    """The resident's contact details and choices, as the resident's own contact page asks them; the
    resident agrees to be contacted, so "no updates" is not offered."""

    allow_none = False
