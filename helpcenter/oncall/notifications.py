"""What pages and warnings say, and to whom: on-call contacts, mails and webhook calls.

Staff read them in the support team's language, English. Links are built
from ``HELPCENTER_BASE_URL`` (they run in a job, without a request of their own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from helpcenter.library import current_policies
from helpcenter.outbox import Mail, Outgoing
from helpcenter.policy_text import PRIORITY_NAMES, TARGET_NAMES, explain_target
from helpcenter.sla import OUT_OF_HOURS, PolicySet, TargetClock, business_window
from helpcenter.sla.targets import BREACH
from helpcenter.templating import external_url, format_share
from helpcenter.tickets.models import Ticket

from .models import OncallPage
from .webhook import WebhookCall

#: Mail to staff about a ticket travels on a channel of its own (the same SMTP server): a page
#: never waits behind a customer's mail that their server keeps deferring.
STAFF_MAIL = "staff-mail"
#: What a webhook call's ``event`` says.
PAGE_EVENT = "page"
WARNING_EVENTS = {"warning": "sla_warning", "breach": "sla_breach"}


@dataclass(frozen=True)
class OnCallContacts:
    """Where on-call staff are reached, and how often an unacknowledged page repeats.

    Each contact comes from its ``HELPCENTER_ONCALL_*`` setting, else from
    the policy file's ``[oncall]``; either may be None.
    """

    email: str | None
    webhook_url: str | None
    repeat: dt.timedelta

    @property
    def reachable(self) -> bool:
        """Whether there is anywhere to page."""
        return bool(self.email or self.webhook_url)


def oncall_contacts() -> OnCallContacts:
    """The app's on-call contacts: the settings win over the policy file."""
    config, oncall = current_app.config, current_policies().oncall
    return OnCallContacts(
        email=config.get("ONCALL_EMAIL") or oncall.email,
        webhook_url=config.get("ONCALL_WEBHOOK_URL") or oncall.webhook_url,
        repeat=oncall.repeat,
    )


def _instant(value: dt.datetime | None, policies: PolicySet, ticket: Ticket) -> str | None:
    """An instant for a webhook: ISO 8601 in the ticket's calendar zone, with its offset."""
    if value is None:
        return None
    return value.astimezone(policies.by_code(ticket.policy_code).calendar.zone).isoformat()


def _ticket_fields(ticket: Ticket, policies: PolicySet) -> dict[str, object]:
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "priority": ticket.priority,
        "created_at": _instant(ticket.created_at, policies, ticket),
        "first_response_due": _instant(ticket.first_response_due, policies, ticket),
        "staff_url": external_url("staff.ticket", reference=ticket.reference),
    }


def page_messages(ticket: Ticket, page: OncallPage, contacts: OnCallContacts) -> list[Outgoing]:
    """The messages of one page: a mail and/or a webhook call, each carrying the acknowledgement link."""
    policies = current_policies()
    acknowledge = external_url("oncall.acknowledge", reference=ticket.reference)
    messages: list[Outgoing] = []
    if contacts.email:
        with force_locale("en"):
            messages.append(
                Mail(
                    recipient=contacts.email,
                    subject=_(
                        "[%(reference)s] On-call page %(number)d: %(priority)s ticket outside business hours",
                        reference=ticket.reference,
                        number=page.number,
                        priority=PRIORITY_NAMES[ticket.priority],
                    ),
                    body=render_template(
                        "mail/oncall_page.txt",
                        ticket=ticket,
                        page=page,
                        repeat=contacts.repeat,
                        acknowledge_url=acknowledge,
                        staff_url=external_url("staff.ticket", reference=ticket.reference),
                    ),
                    channel=STAFF_MAIL,
                )
            )
    if contacts.webhook_url:
        payload = {
            "event": PAGE_EVENT,
            "id": f"{ticket.reference}/page/{page.number}",
            "page": page.number,
            "acknowledge_url": acknowledge,
            **_ticket_fields(ticket, policies),
        }
        messages.append(
            WebhookCall(
                recipient=contacts.webhook_url, subject=f"page {page.number} {ticket.reference}", payload=payload
            )
        )
    return messages


@dataclass(frozen=True)
class WarningRecipients:
    """Who hears about a target: the assignee, or the helpdesk (and on-call outside business hours)."""

    emails: tuple[str, ...]
    webhook_url: str | None


def warning_recipients(ticket: Ticket, contacts: OnCallContacts, helpdesk: str, now: dt.datetime) -> WarningRecipients:
    """The ticket's assignee while the account is active; else the helpdesk, with on-call outside business hours."""
    if ticket.assignee is not None and ticket.assignee.active:
        return WarningRecipients((ticket.assignee.email,), None)
    calendar = current_policies().by_code(ticket.policy_code).calendar
    if business_window(calendar, now) != OUT_OF_HOURS:
        return WarningRecipients((helpdesk,), None)
    emails = (helpdesk,) if contacts.email in (None, helpdesk) else (helpdesk, contacts.email)
    return WarningRecipients(emails, contacts.webhook_url)


def warning_messages(
    ticket: Ticket, target: TargetClock, threshold: str, recipients: WarningRecipients, share: float
) -> list[Outgoing]:
    """A warning about one target (``warning`` at its share, or ``breach``) to each recipient."""
    policies = current_policies()
    name = TARGET_NAMES[target.kind]
    with force_locale("en"):
        if threshold == BREACH:
            subject = _("[%(reference)s] Target missed: %(target)s", reference=ticket.reference, target=name)
        else:
            subject = _(
                "[%(reference)s] Target close to being missed: %(target)s, %(share)s of its time used",
                reference=ticket.reference,
                target=name,
                share=format_share(share),
            )
        body = render_template(
            "mail/sla_warning.txt",
            ticket=ticket,
            target=target,
            breached=threshold == BREACH,
            explanation=explain_target(target),
            staff_url=external_url("staff.ticket", reference=ticket.reference),
        )
    messages: list[Outgoing] = [
        Mail(recipient=email, subject=subject, body=body, channel=STAFF_MAIL) for email in recipients.emails
    ]
    if recipients.webhook_url:
        payload = {
            "event": WARNING_EVENTS[threshold],
            "id": f"{ticket.reference}/{target.kind}/{target.started_at.isoformat()}/{threshold}",
            "target": target.kind,
            "target_started_at": _instant(target.started_at, policies, ticket),
            "due": _instant(target.due, policies, ticket),
            "share": share if threshold != BREACH else 1.0,
            **_ticket_fields(ticket, policies),
        }
        messages.append(
            WebhookCall(
                recipient=recipients.webhook_url,
                subject=f"{WARNING_EVENTS[threshold]} {target.kind} {ticket.reference}",
                payload=payload,
            )
        )
    return messages
