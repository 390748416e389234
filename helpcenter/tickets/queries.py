"""What views read about tickets: one by its reference, a file of its public conversation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpcenter.attachments.models import Attachment

from .models import Ticket


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
