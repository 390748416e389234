"""The mails of a ticket's life: to the requester (in the ticket's language) and to the helpdesk (in English).

Every mail to the requester links to the ticket in the Customer Area (which
asks them to sign in first when needed) and offers to stop mails about the
ticket; once they did, none is sent.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from helpcenter.outbox import Mail
from helpcenter.templating import external_url

from .labels import STATUS_NAMES
from .models import Ticket, TicketMessage


def tracking_url(ticket: Ticket, token: str, lang: str) -> str:
    """The requester's private link to the ticket."""
    return external_url("tickets.track", lang=lang, reference=ticket.reference, token=token)


def account_url(ticket: Ticket) -> str:
    """The ticket in the Customer Area, through the sign-in page (which goes straight on when signed in already).

    In the language its requester used on the site.
    """
    ticket_page = url_for("account.ticket", lang=ticket.site_language, reference=ticket.reference)
    return external_url("account.sign_in", lang=ticket.site_language, next=ticket_page)


def _stop_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="stop-ticket-mails")


def stop_signature(ticket: Ticket) -> str:
    """What proves a "stop mails" link was made by us for this ticket (no sign-in needed to use it)."""
    return _stop_signer().dumps(ticket.id)


def signature_matches(ticket: Ticket, signature: str) -> bool:
    """Whether ``signature`` is the one of this ticket's "stop mails" link."""
    try:
        return _stop_signer().loads(signature) == ticket.id
    except BadSignature:
        return False


def stop_url(ticket: Ticket) -> str:
    """The link that stops mails about this ticket."""
    return external_url(
        "account.stop_mails_view",
        lang=ticket.site_language,
        reference=ticket.reference,
        signature=stop_signature(ticket),
    )


def _to_requester(ticket: Ticket, subject: str, template: str, **context) -> list[Mail]:
    """A mail to the requester (none once they stopped mails), with the Customer Area and "stop" links."""
    if ticket.mail_opt_out:
        return []
    body = render_template(
        template, ticket=ticket, account_link=account_url(ticket), stop_link=stop_url(ticket), **context
    )
    return [Mail(recipient=ticket.requester_email, subject=subject, body=body)]


def ticket_created_mails(ticket: Ticket, token: str) -> list[Mail]:
    """The confirmation, in the ticket's language, and the helpdesk's notice, in English."""
    link = tracking_url(ticket, token, ticket.language)
    with force_locale(ticket.language):
        confirmation = _to_requester(
            ticket,
            _("[%(reference)s] We have received your request", reference=ticket.reference),
            "mail/ticket_confirmation.txt",
            link=link,
        )
    with force_locale("en"):
        notice = Mail(
            recipient=current_app.config["HELPDESK_EMAIL"],
            subject=f"[{ticket.reference}] New ticket: {ticket.subject}",
            body=render_template("mail/ticket_notice.txt", ticket=ticket),
        )
    return [*confirmation, notice]


def reply_mails(ticket: Ticket, message: TicketMessage) -> list[Mail]:
    """A staff reply, mailed to the requester in the ticket's language."""
    with force_locale(ticket.language):
        return _to_requester(
            ticket,
            _("[%(reference)s] Reply from support", reference=ticket.reference),
            "mail/ticket_reply.txt",
            message=message,
        )


def status_mails(ticket: Ticket, previous: str) -> list[Mail]:
    """The requester is told their ticket moved (resolved, closed, reopened…)."""
    with force_locale(ticket.language):
        return _to_requester(
            ticket,
            _(
                "[%(reference)s] Your request is now: %(status)s",
                reference=ticket.reference,
                status=STATUS_NAMES[ticket.status],
            ),
            "mail/ticket_status.txt",
            previous=previous,
        )


def customer_reply_notice(ticket: Ticket, message: TicketMessage) -> list[Mail]:
    """Staff are told the requester wrote (the ticket is back in the queue when it waited for them).

    The ticket's assignee is told, or the helpdesk when nobody (active) has it.
    """
    assignee = ticket.assignee if ticket.assignee is not None and ticket.assignee.active else None
    with force_locale("en"):
        return [
            Mail(
                recipient=assignee.email if assignee else current_app.config["HELPDESK_EMAIL"],
                subject=f"[{ticket.reference}] Customer reply: {ticket.subject}",
                body=render_template(
                    "mail/customer_reply_notice.txt",
                    ticket=ticket,
                    message=message,
                    staff_link=external_url("staff.ticket", reference=ticket.reference),
                ),
            )
        ]
