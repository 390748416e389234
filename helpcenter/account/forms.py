"""Forms of the Customer Area: the sign-in request, a reply with files, a rating."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, MultipleFileField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from helpcenter.tickets.forms import one_line, text_block
from helpcenter.tickets.operations import RATINGS

#: How each score reads, from 1 (not at all) to 5 (completely).
SCORE_NAMES = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neither satisfied nor dissatisfied"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}


class SignInForm(FlaskForm):
    """The address to mail a sign-in link to."""

    email = EmailField(
        _l("Email"),
        filters=[one_line],
        validators=[
            DataRequired(_l("Give the e-mail address you use with us.")),
            Email(_l("This e-mail address is not valid.")),
            Length(max=254),
        ],
    )
    next = HiddenField()


class CustomerReplyForm(FlaskForm):
    """The customer's answer on their ticket, with files."""

    body = TextAreaField(
        _l("Your reply"),
        filters=[text_block],
        validators=[DataRequired(_l("Write your reply.")), Length(max=10000)],
    )
    files = MultipleFileField(_l("Attach files"))


class RatingForm(FlaskForm):
    """How satisfied the customer is with the answer."""

    score = RadioField(
        _l("How satisfied are you with the answer?"),
        choices=[SelectChoice(str(score), SCORE_NAMES[score]) for score in RATINGS],
        validators=[InputRequired(_l("Choose how satisfied you are."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), filters=[text_block], validators=[Optional(), Length(max=2000)])
