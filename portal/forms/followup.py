"""Forms a resident fills in about a request already sent: answer, withdraw, not fixed, rating."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import ValidationError

from ..cases import followup

# The words beside each rating; the number alone says little to a screen reader user.
RATING_WORDS = {
    5: _l("Very good"),
    4: _l("Good"),
    3: _l("Neither good nor poor"),
    2: _l("Poor"),
    1: _l("Very poor"),
}


class FollowupForm(FlaskForm):
    def summary(self) -> list[tuple[str, str]]:
        out = []
        for field in self:
            if field.errors:
                out.append((f"{field.id}-0" if isinstance(field, RadioField) else field.id, field.errors[0]))
        return out


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError(_("Your answer must be %(max)d characters or fewer", max=limit))


class AnswerForm(FollowupForm):
    answer = TextAreaField()

    def validate_answer(self, field):
        text = followup.clean_text(field.data)
        if not text:
            raise ValidationError(_("Enter your answer"))
        _check_length(text, followup.ANSWER_MAX)


class WithdrawForm(FollowupForm):
    reason = TextAreaField()

    def validate_reason(self, field):
        _check_length(followup.clean_text(field.data), followup.REASON_MAX)


class NotFixedForm(FollowupForm):
    description = TextAreaField()

    def validate_description(self, field):
        text = followup.clean_text(field.data)
        if not text:
            raise ValidationError(_("Tell us what is still wrong"))
        _check_length(text, followup.NOT_FIXED_MAX)


class RatingForm(FollowupForm):
    rating = RadioField(validate_choice=False)
    comment = TextAreaField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rating.choices = [(str(n), words) for n, words in RATING_WORDS.items()]

    def validate_rating(self, field):
        if field.data not in {str(n) for n in followup.RATINGS}:
            raise ValidationError(_("Choose how well we did"))

    def validate_comment(self, field):
        _check_length(followup.clean_text(field.data), followup.COMMENT_MAX)

    def value(self) -> int:
        return int(self.rating.data)
