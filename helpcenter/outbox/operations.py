"""Putting messages in the outbox, in the transaction of the change that causes them."""

from __future__ import annotations

import json
from typing import Any, Protocol

from sqlalchemy.orm import Session

from .models import OutboxMessage


class Outgoing(Protocol):
    """What a message to enqueue says (:class:`helpcenter.outbox.Mail` is one)."""

    channel: str
    recipient: str
    subject: str
    body: str
    payload: dict[str, Any] | None


def enqueue(session: Session, message: Outgoing, *, ticket_id: int | None = None) -> OutboxMessage:
    """Add ``message`` to the outbox in the caller's transaction (the caller commits)."""
    row = OutboxMessage(
        channel=message.channel,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        payload=json.dumps(message.payload, ensure_ascii=False, sort_keys=True) if message.payload else "",
        ticket_id=ticket_id,
    )
    session.add(row)
    return row
