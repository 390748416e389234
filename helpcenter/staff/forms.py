"""Forms of the staff console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    MultipleFileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length

from helpcenter.policy_text import PRIORITY_NAMES
from helpcenter.sla import PRIORITIES
from helpcenter.tickets.labels import STATUS_NAMES
from helpcenter.tickets.models import STATUSES

from .operations import MIN_PASSWORD_LENGTH

ROLE_NAMES = {"agent": _l("Agent"), "admin": _l("Administrator")}


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = StringField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])


class PriorityForm(FlaskForm):
    """Confirm or change a technical ticket's priority."""

    priority = SelectField(_l("Priority"), choices=[SelectChoice(code, PRIORITY_NAMES[code]) for code in PRIORITIES])


class ReplyForm(FlaskForm):
    """Answer the customer (mailed in the ticket's language), with files."""

    body = TextAreaField(_l("Reply"), validators=[InputRequired(), Length(max=20000)])
    files = MultipleFileField(_l("Attach files"))


class NoteForm(FlaskForm):
    """A note for the team only."""

    body = TextAreaField(_l("Internal note"), validators=[InputRequired(), Length(max=20000)])


class StatusForm(FlaskForm):
    """Move the ticket along."""

    status = SelectField(_l("Status"), choices=[SelectChoice(code, STATUS_NAMES[code]) for code in STATUSES])


class AssignForm(FlaskForm):
    """Give the ticket to an agent, or back to the team (the choices are the active accounts, set by the view)."""

    assignee = SelectField(_l("Assignee"), choices=[])

    def offer(self, accounts, nobody: str) -> None:
        """Offer ``accounts`` (and nobody, labelled ``nobody``) as the choices."""
        self.assignee.choices = [SelectChoice("", nobody)] + [
            SelectChoice(str(account.id), f"{account.name} <{account.email}>") for account in accounts
        ]


class NewStaffForm(FlaskForm):
    """An administrator adds a colleague; the new account's owner sets the password from a mailed link."""

    email = EmailField(_l("Email"), validators=[InputRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=120)])
    role = SelectField(_l("Role"), choices=[SelectChoice(code, name) for code, name in ROLE_NAMES.items()])


class RoleForm(FlaskForm):
    """Change an account's role."""

    role = SelectField(_l("Role"), choices=[SelectChoice(code, name) for code, name in ROLE_NAMES.items()])


class PasswordForm(FlaskForm):
    """Choose a new password (from a reset link)."""

    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH, max=1024, message=_l("At least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
            ),
        ],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


def lines(value: str | None) -> tuple[str, ...]:
    """The non-blank lines (or comma-separated items) of a text box."""
    return tuple(item.strip() for item in (value or "").replace(",", "\n").splitlines() if item.strip())


class OrganisationForm(FlaskForm):
    """A customer organisation: who belongs to it, what it holds."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    domains = TextAreaField(_l("E-mail domains (one a line)"), validators=[Length(max=5000)])
    members = TextAreaField(_l("Addresses (one a line)"), validators=[Length(max=20000)])
    contracts = TextAreaField(_l("Contract numbers (one a line)"), validators=[Length(max=5000)])
    products = SelectMultipleField(_l("Products"), choices=[], validate_choice=False)
    share_tickets = BooleanField(_l("Members see their colleagues' tickets"))
