"""What pages read of tickets: one by its reference, its files, its status history, its SLA targets,
what its customer is promised.

The targets themselves are computed by the SLA engine (:mod:`helpcenter.sla.targets`)
from plain data; this module reads that data off a stored ticket, so that the
staff console, the customer's pages, the paging and warning jobs and the
reports all see the same targets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpcenter.attachments.models import Attachment
from helpcenter.sla import FIRST_RESPONSE, RESOLUTION, PolicySet, TargetClock, TicketTimeline, target_of, ticket_targets

from .models import Ticket

#: How the audit trail writes a status change (``_move`` in operations): ``old -> new``.
_STATUS_ARROW = " -> "


def status_history(ticket: Ticket) -> tuple[tuple[dt.datetime, str], ...]:
    """The ticket's statuses as ``(instant, status entered)`` pairs, from its creation on.

    Read from the audit trail's status events, so that a change made from
    any side (staff console, customer pages, another service) counts.
    """
    changes = [event for event in ticket.events if event.kind == "status" and _STATUS_ARROW in event.detail]
    if not changes:
        return ((ticket.created_at, ticket.status),)
    first = changes[0].detail.split(_STATUS_ARROW, 1)[0].strip()
    history = [(ticket.created_at, first)]
    history += [(event.at, event.detail.split(_STATUS_ARROW, 1)[1].strip()) for event in changes]
    return tuple(history)


def ticket_timeline(ticket: Ticket) -> TicketTimeline:
    """The plain data the SLA engine computes a ticket's targets from."""
    return TicketTimeline(
        created_at=ticket.created_at,
        category=ticket.category,
        priority=ticket.priority,
        window=ticket.window,
        statuses=status_history(ticket),
        customer_messages=tuple(message.at for message in ticket.messages if message.author == "customer"),
        staff_replies=tuple(
            message.at for message in ticket.messages if message.author == "staff" and not message.internal
        ),
        first_response_at=ticket.first_response_at,
        first_response_due=ticket.first_response_due,
    )


def targets_of(ticket: Ticket, policies: PolicySet, now: dt.datetime) -> tuple[TargetClock, ...]:
    """Every target of the ticket under its policy as seen at ``now`` (see :func:`helpcenter.sla.ticket_targets`)."""
    return ticket_targets(ticket_timeline(ticket), policies.by_code(ticket.policy_code), now)


@dataclass(frozen=True)
class CustomerPromise:
    """What the customer is shown of a ticket's targets: the first response, and the resolution where the contract has one.

    ``first_response_due`` is None without a committed first-response time;
    ``resolution`` is None where the ticket's policy sets no resolution target.
    """

    first_response_due: dt.datetime | None
    first_response: TargetClock | None
    resolution: TargetClock | None


def customer_promise(ticket: Ticket, policies: PolicySet, now: dt.datetime) -> CustomerPromise:
    """What the ticket's customer is promised, as seen at ``now`` (for any page that shows a ticket to its customer)."""
    targets = targets_of(ticket, policies, now)
    return CustomerPromise(
        first_response_due=ticket.first_response_due,
        first_response=target_of(targets, FIRST_RESPONSE),
        resolution=target_of(targets, RESOLUTION),
    )


def ticket_by_reference(session: Session, reference: str) -> Ticket | None:
    """The ticket with this reference, if any."""
    return session.scalars(select(Ticket).filter_by(reference=reference.upper())).first()


def public_attachment(ticket: Ticket, attachment_id: int) -> Attachment | None:
    """A file of one of the ticket's public messages (never of an internal note), or None."""
    for message in ticket.messages:
        if not message.internal:
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return attachment
    return None


def any_attachment(ticket: Ticket, attachment_id: int) -> Attachment | None:
    """A file of any of the ticket's messages (staff see internal notes' too), or None."""
    for message in ticket.messages:
        for attachment in message.attachments:
            if attachment.id == attachment_id:
                return attachment
    return None
