"""Normalising the contact details residents type, so the same person always matches."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "US"


def normalise_email(typed: str) -> str | None:
    try:
        result = validate_email((typed or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def normalise_phone(typed: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a phone number, or None when it is not a possible number."""
    try:
        number = phonenumbers.parse((typed or "").strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(value: str | None) -> str:
    """An E.164 number as people write it at home, e.g. (202) 555-0143."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
