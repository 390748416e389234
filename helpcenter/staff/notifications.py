"""Mails to staff members: the link that sets a password."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from helpcenter.outbox import Mail
from helpcenter.templating import external_url

from .models import StaffUser
from .operations import RESET_VALID


def password_link_mail(user: StaffUser, token: str) -> Mail:
    """The mail that lets ``user`` choose a password (the support team's language, English)."""
    with force_locale("en"):
        return Mail(
            recipient=user.email,
            subject=_("Choose your password for the staff console"),
            body=render_template(
                "mail/staff_password.txt",
                user=user,
                link=external_url("staff.set_password", token=token),
                hours=int(RESET_VALID.total_seconds() // 3600),
            ),
        )
