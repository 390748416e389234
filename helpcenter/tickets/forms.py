"""The ticket form: labels as the support policy names them, bounded fields, a honeypot."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from helpcenter.policy_text import CATEGORY_NAMES, PRIORITY_DESCRIPTIONS, PRIORITY_NAMES
from helpcenter.sla import CATEGORIES, PRIORITIES

CATEGORY_DESCRIPTIONS = {
    "technical": _l("Something does not work as it should: an alert, the data API, the map or the app."),
    "general": _l("A question about using our services, your account or your data."),
    "improvement": _l("An idea that would make our services better for you."),
}
TICKET_LANGUAGES = ("fr", "en")


def one_line(value: str | None) -> str | None:
    """A one-line answer: control characters and line breaks become spaces, ends trimmed.

    The subject and the requester's name go into mail headers, where a line
    break would end the header (and make the mail impossible to send).
    """
    if value is None:
        return None
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in value).strip()


def text_block(value: str | None) -> str | None:
    """A text of several lines: newlines and tabs kept, other control characters (NUL…) dropped, ends trimmed."""
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in value if char in "\n\t" or unicodedata.category(char) != "Cc").strip()


class TicketForm(FlaskForm):
    """What a customer tells support; every label is translated."""

    category = RadioField(
        _l("Category"),
        choices=[SelectChoice(code, CATEGORY_NAMES[code]) for code in CATEGORIES],
        validators=[InputRequired(_l("Choose a category."))],
    )
    # No ``Optional()``: it would end the checks at a blank value (" ", "\r"), before
    # ``validate_product``, and a blank product would be stored.
    product = SelectField(_l("Product"), choices=[], validate_choice=False)
    # Fields are cleaned (``filters``) before they are checked, so that blank
    # text (spaces, NULs) counts as missing: ``DataRequired``, not ``InputRequired``.
    subject = StringField(
        _l("Subject"),
        filters=[one_line],
        validators=[DataRequired(_l("Give your request a subject.")), Length(max=200)],
    )
    description = TextAreaField(
        _l("Description"),
        filters=[text_block],
        validators=[DataRequired(_l("Describe your request.")), Length(min=10, max=10000)],
    )
    name = StringField(
        _l("Your name"), filters=[one_line], validators=[DataRequired(_l("Tell us your name.")), Length(max=120)]
    )
    email = StringField(
        _l("Email"),
        filters=[one_line],
        validators=[
            DataRequired(_l("Give an e-mail address for our answer.")),
            Email(_l("This e-mail address is not valid.")),
            Length(max=254),
        ],
    )
    company = StringField(_l("Company"), filters=[one_line], validators=[Optional(), Length(max=200)])
    contract = StringField(_l("Contract number"), filters=[one_line], validators=[Optional(), Length(max=64)])
    impact = RadioField(
        _l("Impact"),
        choices=[SelectChoice(code, PRIORITY_NAMES[code]) for code in PRIORITIES],
        validate_choice=False,
    )
    # Always one of the two (the page's language preselects it): the field checks
    # the choice itself, and has no ``required`` flag, which HTML forbids on a
    # select whose first option is a real choice.
    language = SelectField(
        _l("Ticket language"),
        choices=[SelectChoice("fr", _l("French")), SelectChoice("en", _l("English"))],
    )
    #: Left empty by people; robots fill every field they find.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    #: Set when the customer has already seen suggested articles (live or on the interstitial page).
    suggestions_seen = HiddenField()
    #: The resolved ticket this one follows up (from the Customer Area), if any.
    follow_up_of = HiddenField(filters=[one_line], validators=[Optional(), Length(max=32)])
    files = MultipleFileField(_l("Attach files"))
    #: Identifies this filling-in of the form: sent again (a retry), it files no second ticket.
    submission = HiddenField(validators=[Optional(), Length(max=64)])

    def validate_impact(self, field) -> None:
        """Technical assistance needs an impact; other categories ignore it."""
        if self.category.data == "technical":
            if field.data not in PRIORITIES:
                raise ValidationError(_l("Tell us how much this affects your business."))
        else:
            field.data = None

    def validate_product(self, field) -> None:
        """The product must be one the site knows, or none."""
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a product from the list."))


def impact_descriptions() -> dict[str, str]:
    """The three priority descriptions, shown beside the impact choices."""
    return {code: PRIORITY_DESCRIPTIONS[code] for code in PRIORITIES}
