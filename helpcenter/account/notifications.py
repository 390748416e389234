"""The mail that carries a sign-in link, in the reader's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from helpcenter.outbox import Mail
from helpcenter.templating import external_url

from .operations import SIGN_IN_VALID


def sign_in_mail(email: str, lang: str, token: str, next_page: str | None) -> Mail:
    """The single-use link to the Customer Area, valid :data:`SIGN_IN_VALID`."""
    values = {"next": next_page} if next_page else {}
    link = external_url("account.sign_in_link", lang=lang, token=token, **values)
    with force_locale(lang):
        return Mail(
            recipient=email,
            subject=_("Your sign-in link"),
            body=render_template("mail/sign_in.txt", link=link, minutes=int(SIGN_IN_VALID.total_seconds() // 60)),
        )
