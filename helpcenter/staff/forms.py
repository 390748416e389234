"""Forms of the staff console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from helpcenter.policy_text import PRIORITY_NAMES
from helpcenter.sla import PRIORITIES
from helpcenter.tickets.labels import STATUS_NAMES
from helpcenter.tickets.models import STATUSES


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = StringField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])


class PriorityForm(FlaskForm):
    """Confirm or change a technical ticket's priority."""

    priority = SelectField(_l("Priority"), choices=[SelectChoice(code, PRIORITY_NAMES[code]) for code in PRIORITIES])


class ReplyForm(FlaskForm):
    """Answer the customer (mailed in the ticket's language)."""

    body = TextAreaField(_l("Reply"), validators=[InputRequired(), Length(max=20000)])


class NoteForm(FlaskForm):
    """A note for the team only."""

    body = TextAreaField(_l("Internal note"), validators=[InputRequired(), Length(max=20000)])


class StatusForm(FlaskForm):
    """Move the ticket along."""

    status = SelectField(_l("Status"), choices=[SelectChoice(code, STATUS_NAMES[code]) for code in STATUSES])
