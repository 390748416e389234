"""The mails a new ticket sends: a confirmation to the requester, a notice to the helpdesk."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from helpcenter.outbox import Mail
from helpcenter.templating import external_url

from .models import Ticket


def tracking_url(ticket: Ticket, token: str, lang: str) -> str:
    """The requester's private link to the ticket."""
    return external_url("tickets.track", lang=lang, reference=ticket.reference, token=token)


def ticket_created_mails(ticket: Ticket, token: str) -> list[Mail]:
    """The confirmation, in the ticket's language, and the helpdesk's notice, in English."""
    link = tracking_url(ticket, token, ticket.language)
    with force_locale(ticket.language):
        confirmation = Mail(
            recipient=ticket.requester_email,
            subject=_("[%(reference)s] We have received your request", reference=ticket.reference),
            body=render_template("mail/ticket_confirmation.txt", ticket=ticket, link=link),
        )
    with force_locale("en"):
        notice = Mail(
            recipient=current_app.config["HELPDESK_EMAIL"],
            subject=f"[{ticket.reference}] New ticket: {ticket.subject}",
            body=render_template("mail/ticket_notice.txt", ticket=ticket),
        )
    return [confirmation, notice]


def reply_mails(ticket: Ticket, message) -> list[Mail]:
    """A staff reply, mailed to the requester in the ticket's language."""
    with force_locale(ticket.language):
        return [
            Mail(
                recipient=ticket.requester_email,
                subject=_("[%(reference)s] Reply from support", reference=ticket.reference),
                body=render_template("mail/ticket_reply.txt", ticket=ticket, message=message),
            )
        ]
