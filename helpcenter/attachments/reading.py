"""Reading a ticket's files back by id, for the channels that send them elsewhere (Jira).

An outbox message names a file by its id; the id is trusted only for a
file of that message's own ticket: any other id (another ticket's file, a
file that is gone, a value that is not an id at all) is refused with
:class:`FileNotOnTicket`, the same way, so that a message can never carry
one customer's file to another customer's request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from .models import Attachment
from .store import attachment_store


class FileNotOnTicket(LookupError):
    """The id names no file of the ticket: nothing is read."""


@dataclass(frozen=True)
class StoredFile:
    """A file of a ticket as kept: its name, accepted type, bytes and the message that carries it."""

    filename: str
    content_type: str
    data: bytes
    message_id: int


class TicketFiles:
    """The files of tickets, read from the app's attachment store (looked up at each read)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def read(self, session: Session, ticket_id: int, attachment_id: Any) -> StoredFile:
        """The file ``attachment_id`` of ticket ``ticket_id``, or :class:`FileNotOnTicket`."""
        if not isinstance(attachment_id, int) or isinstance(attachment_id, bool):
            raise FileNotOnTicket(f"{attachment_id!r} is not an attachment id")
        attachment = session.get(Attachment, attachment_id)
        if attachment is None or attachment.ticket_id != ticket_id:
            raise FileNotOnTicket(f"attachment {attachment_id} is not a file of this ticket")
        data = attachment_store(self.app).get(session, attachment.storage_key)
        if data is None:
            raise FileNotOnTicket(f"the bytes of attachment {attachment_id} are missing from the store")
        return StoredFile(attachment.filename, attachment.content_type, data, attachment.message_id)
