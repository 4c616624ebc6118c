"""One WTForms form per question page, built from the service definition.

Each form turns what was posted into the stored answer (``answer()``) and a stored answer back
into what the fields show (``fill()``). Messages follow the GOV.UK error message patterns.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..cases.contact import normalise_email, normalise_phone
from ..catalog import Question
from .filters import strip_text


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PageForm(FlaskForm):
    class Meta:
        locales = False

    question: Question
    locale: str

    def required_message(self, fallback) -> str:
        return self.question.text(self.locale).get("error") or str(fallback)

    def summary(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, in page order."""
        out = []
        for field in self:
            if field.errors:
                target = field.id
                if isinstance(field, (RadioField, SelectMultipleField)):
                    target = f"{field.id}-0"
                out.append((target, field.errors[0]))
        return out

    def answer(self) -> Any:  # pragma: no cover - every page form overrides it
        raise TypeError(type(self).__name__)

    def fill(self, value: Any) -> None:  # pragma: no cover - every page form overrides it
        raise TypeError(type(self).__name__)


class TextPage(PageForm):
    """string, text, email and phone."""

    answer_field = None  # replaced per datatype in build()

    def validate_value(self, field):
        value = (field.data or "").strip()
        q = self.question
        if not value:
            if q.required:
                raise ValidationError(self.required_message(_l("Enter your answer")))
            return
        if len(value) > q.max_length:
            raise ValidationError(_("Your answer must be %(max)d characters or fewer", max=q.max_length))
        if q.datatype == "email" and normalise_email(value) is None:
            raise ValidationError(_("Enter an email address in the correct format, like name@example.com"))
        if q.datatype == "phone" and normalise_phone(value) is None:
            raise ValidationError(_("Enter a phone number, like 202 555 0143"))

    def answer(self) -> str:
        value = (self.value.data or "").strip()
        if value and self.question.datatype == "email":
            return normalise_email(value)
        return value

    def fill(self, value: Any) -> None:
        self.value.data = value or ""


# Numbers are answered below a trillion, with at most 10 digits after the point (money: 2).
LARGEST = Decimal("1e12")
MAX_DECIMALS = 10


class NumberPage(PageForm):
    value = StringField(filters=[strip_text])

    def parse(self) -> Decimal | None:
        raw = (self.value.data or "").replace(",", "").replace(" ", "")
        if self.question.datatype == "money":
            raw = raw.removeprefix("$")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None

    def validate_value(self, field):
        q = self.question
        if not field.data:
            if q.required:
                raise ValidationError(self.required_message(_l("Enter a number")))
            return
        number = self.parse()
        if number is None or (q.datatype != "money" and number.as_tuple().exponent < -MAX_DECIMALS):
            if q.datatype == "money":
                raise ValidationError(_("Enter an amount in dollars and cents, like 125.50"))
            raise ValidationError(_("Enter a number, like 3"))
        if q.datatype == "money" and number.as_tuple().exponent < -2:
            raise ValidationError(_("Enter an amount with no more than 2 digits after the decimal point"))
        # Comparisons only: arithmetic on a number like 1e999999999 (abs(), rounding) overflows.
        if q.minimum is not None and number < Decimal(str(q.minimum)):
            raise ValidationError(_("Enter a number that is %(min)s or more", min=_number(q.minimum)))
        if q.maximum is not None and number > Decimal(str(q.maximum)):
            raise ValidationError(_("Enter a number that is %(max)s or less", max=_number(q.maximum)))
        if not -LARGEST < number < LARGEST:
            raise ValidationError(_("Enter a smaller number"))

    def answer(self) -> str:
        number = self.parse()
        if number is None:
            return ""
        if self.question.datatype == "money":
            return str(number.quantize(Decimal("0.01")))
        return str(number.normalize()) if number == number.to_integral() else str(number)

    def fill(self, value: Any) -> None:
        self.value.data = value or ""


def _number(value: float) -> str:
    from flask_babel import format_decimal

    return format_decimal(value)


class ChoicePage(PageForm):
    """yesno and singlevaluelist: radio buttons."""

    value = RadioField(validate_choice=False)

    def validate_value(self, field):
        if not field.data:
            if self.question.required:
                raise ValidationError(self.required_message(_l("Select an answer")))
            return
        if field.data not in self.question.value_keys():
            raise ValidationError(_("Select one of the answers shown"))

    def answer(self) -> str:
        return self.value.data or ""

    def fill(self, value: Any) -> None:
        self.value.data = value or None


class MultiChoicePage(PageForm):
    value = MultiCheckboxField(validate_choice=False)

    def validate_value(self, field):
        chosen = field.data or []
        if not chosen:
            if self.question.required:
                raise ValidationError(self.required_message(_l("Select at least one answer")))
            return
        if not set(chosen) <= self.question.value_keys():
            raise ValidationError(_("Select from the answers shown"))

    def answer(self) -> list[str]:
        order = [key for key, _label in self.question.values("en")]
        chosen = set(self.value.data or [])
        return [key for key in order if key in chosen]

    def fill(self, value: Any) -> None:
        self.value.data = list(value or [])


class DatePage(PageForm):
    day = StringField(filters=[strip_text])
    month = StringField(filters=[strip_text])
    year = StringField(filters=[strip_text])
    time = StringField(filters=[strip_text])

    with_time = False

    def _parts(self):
        return self.day.data or "", self.month.data or "", self.year.data or ""

    def validate_day(self, field):
        day, month, year = self._parts()
        time = (self.time.data or "") if self.with_time else ""
        if not any([day, month, year, time]):
            if self.question.required:
                raise ValidationError(self.required_message(_l("Enter a date")))
            return
        missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            messages = {"day": _("The date must include a day"), "month": _("The date must include a month"),
                        "year": _("The date must include a year")}
            first = missing[0]
            message = messages[first]
            getattr(self, first).errors = [message] if first != "day" else []
            if first != "day":
                raise ValidationError("")
            raise ValidationError(message)
        if not (day.isdigit() and month.isdigit() and year.isdigit()
                and len(day) <= 2 and len(month) <= 2 and len(year) == 4):
            raise ValidationError(_("The date must be a real date, for example %(example)s", example=self.example()))
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(_("The date must be a real date, for example %(example)s", example=self.example())) from None
        if value.year < 1900:
            raise ValidationError(_("The year must be 1900 or later"))

    def order(self) -> tuple[str, str, str]:
        """The order of the day, month and year fields, as people in the page's language write them."""
        return date_order(self.locale)

    def example(self) -> str:
        """The example date in the hint and in the error messages: one source, so they agree."""
        return date_example(self.order())

    def validate_time(self, field):
        if not self.with_time or not any(self._parts()):
            return
        if not field.data:
            raise ValidationError(_("Enter a time, like 14:30"))
        if _parse_time(field.data) is None:
            raise ValidationError(_("Enter a real time, like 14:30"))

    def summary(self):
        out = []
        for field in (self.day, self.month, self.year, self.time):
            for message in field.errors:
                if message:
                    out.append((field.id, message))
                    break
        return out[:1] + [item for item in out[1:] if item[0] == "time"]

    def answer(self) -> str:
        day, month, year = self._parts()
        if not any([day, month, year]):
            return ""
        value = date(int(year), int(month), int(day)).isoformat()
        if self.with_time:
            hour, minute = _parse_time(self.time.data)
            value = f"{value}T{hour:02d}:{minute:02d}"
        return value

    def fill(self, value: Any) -> None:
        if not value:
            return
        if "T" in value:
            when = datetime.fromisoformat(value)
            self.time.data = when.strftime("%H:%M")
            value = when.date().isoformat()
        parsed = date.fromisoformat(value)
        self.day.data, self.month.data, self.year.data = str(parsed.day), str(parsed.month), str(parsed.year)


def date_order(locale: str) -> tuple[str, str, str]:
    """The order people in that language write dates in."""
    return ("month", "day", "year") if locale == "en" else ("day", "month", "year")


def date_example(order: tuple[str, ...]) -> str:
    parts = {"day": "27", "month": "3", "year": "2025"}
    return " ".join(parts[p] for p in order)


def _parse_time(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", (text or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    return (hour, minute) if hour < 24 and minute < 60 else None


class AddressPage(PageForm):
    street = StringField(filters=[strip_text])
    city = StringField(filters=[strip_text])
    zip = StringField(filters=[strip_text])
    latitude = StringField(filters=[strip_text])
    longitude = StringField(filters=[strip_text])

    def validate_street(self, field):
        if not field.data:
            if self.question.required:
                raise ValidationError(self.required_message(_l("Enter the street address")))
        elif len(field.data) > 200:
            raise ValidationError(_("The street address must be 200 characters or fewer"))

    def validate_city(self, field):
        if field.data and len(field.data) > 100:
            raise ValidationError(_("The town or city must be 100 characters or fewer"))

    def validate_zip(self, field):
        if field.data and not re.fullmatch(r"\d{5}(-\d{4})?", field.data):
            raise ValidationError(_("Enter a ZIP code with 5 numbers, like 20500"))

    def _coordinate(self, field, limit: int) -> None:
        if not field.data:
            return
        # Written as people and devices write them (38.8977): never 1e999999999 or 0E-999999.
        plain = re.fullmatch(r"[+-]?\d{1,3}(\.\d{1,12})?", field.data)
        if plain is None or not -limit <= Decimal(field.data) <= limit:
            if limit == 90:
                raise ValidationError(_("Enter a latitude between -90 and 90, like 38.8977"))
            raise ValidationError(_("Enter a longitude between -180 and 180, like -77.0365"))

    def validate_latitude(self, field):
        self._coordinate(field, 90)
        if self.longitude.data and not field.data:
            raise ValidationError(_("Enter a latitude as well as a longitude, or leave both empty"))

    def validate_longitude(self, field):
        self._coordinate(field, 180)
        if self.latitude.data and not field.data:
            raise ValidationError(_("Enter a longitude as well as a latitude, or leave both empty"))

    def answer(self) -> dict[str, str] | str:
        parts = {name: (getattr(self, name).data or "") for name in
                 ("street", "city", "zip", "latitude", "longitude")}
        return parts if any(parts.values()) else ""

    def fill(self, value: Any) -> None:
        for name, part in (value or {}).items():
            if name in self._fields:
                self._fields[name].data = part


class DeclarationPage(PageForm):
    value = BooleanField()

    def validate_value(self, field):
        if not field.data:
            raise ValidationError(self.required_message(_l("Confirm the statement to continue")))

    def answer(self) -> str:
        return "confirmed"

    def fill(self, value: Any) -> None:
        self.value.data = value == "confirmed"


class InfoPage(PageForm):
    """A page of information: nothing to answer, Continue records that it was seen."""

    def answer(self) -> str:
        return "seen"

    def fill(self, value: Any) -> None:
        return None


_TEXT_FIELDS = {"string": StringField, "email": StringField, "phone": StringField, "text": TextAreaField}
FORMS: dict[str, type[PageForm]] = {
    "number": NumberPage, "money": NumberPage, "yesno": ChoicePage, "singlevaluelist": ChoicePage,
    "multivaluelist": MultiChoicePage, "date": DatePage, "datetime": DatePage, "address": AddressPage,
    "declaration": DeclarationPage, "info": InfoPage,
}
# Datatypes the question pages can ask. The loader refuses any other in a definition.
SUPPORTED = set(_TEXT_FIELDS) | set(FORMS) | {"exit", "file", "group"}


def build(question: Question, locale: str, formdata=None, prefix: str = "", csrf: bool = True) -> PageForm:
    """The form for one question page. ``formdata`` None reads the request's form on POST.
    ``csrf`` False: answers that came through a door with no browser session (``portal.forms.answers``).

    With a ``prefix`` (a question inside a repeating group), the form's field names and ids start
    with it and it has no CSRF token of its own: the page's form carries one.
    """
    if question.datatype in _TEXT_FIELDS:
        cls = type("TextPage_" + question.datatype, (TextPage,),
                   {"value": _TEXT_FIELDS[question.datatype](filters=[strip_text])})
    else:
        cls = FORMS[question.datatype]
        if question.datatype == "datetime":
            cls = type("DateTimePage", (DatePage,), {"with_time": True})
    kwargs = {} if formdata is None else {"formdata": formdata}
    if prefix or not csrf:
        kwargs.update(prefix=prefix, meta={"csrf": False})
    form = cls(**kwargs)
    form.question = question
    form.locale = locale
    if isinstance(form, (ChoicePage, MultiChoicePage)):
        if question.datatype == "yesno":
            form.value.choices = [("yes", _("Yes")), ("no", _("No"))]
        else:
            form.value.choices = question.values(locale)
    return form
