"""What a change of ticket sends to Jira: outbox messages of the ``jira`` channel, queued with the change.

:func:`push_change` is the one hook: the views pass it as ``announce`` to the
ticket operations (:mod:`helpcenter.tickets.operations`), which call it in
the change's transaction.  It does nothing while the channel is off.  The
messages say *what* to send (a request to create, a comment, a status, a
priority, an attachment); :mod:`.channel` reads the ticket when it sends
them, in the order they were queued.  A message goes with its files: staff
replies and customers' messages as public comments (a customer's written
by the help centre's account, naming the customer), internal notes as
internal ones, then one ``attachment`` per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from helpcenter.outbox import OutboxMessage, enqueue
from helpcenter.tickets.models import Ticket, TicketMessage
from helpcenter.tickets.operations import TicketChange

from .settings import JiraMapping, jira_settings

CHANNEL = "jira"
CREATE, COMMENT, STATUS, PRIORITY, ATTACHMENT = "create", "comment", "status", "priority", "attachment"
#: Not a push: the files of a comment made in Jira, fetched in the ticket's turn (:mod:`.files`).
FETCH = "fetch"


@dataclass(frozen=True)
class JiraPush:
    """One thing to send to JSM for a ticket (an outbox message: ``payload["kind"]`` says what)."""

    recipient: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    channel: str = CHANNEL


def _push(ticket: Ticket, kind: str, **details: Any) -> JiraPush:
    return JiraPush(recipient=ticket.reference or "", subject=kind, payload={"kind": kind, **details})


def create_request(ticket: Ticket) -> JiraPush:
    """Raise the ticket as a JSM request (once: the reference is looked up first)."""
    return _push(ticket, CREATE)


def comment(
    ticket: Ticket,
    *,
    public: bool,
    message_id: int | None = None,
    body: str | None = None,
    author: str | None = None,
) -> JiraPush:
    """A comment on the ticket's request: a message of its conversation (``message_id``) or a text of its own.

    ``author`` names who wrote a message that the help centre's account
    posts for someone else (a customer's reply from the Customer Area).
    """
    details: dict[str, Any] = {"public": public}
    if message_id is not None:
        details["message_id"] = message_id
    if body is not None:
        details["body"] = body
    if author is not None:
        details["author"] = author
    return _push(ticket, COMMENT, **details)


def message_comment(message: TicketMessage, author: str | None = None) -> str:
    """The text of the comment a message becomes.

    An agent's message is signed with the agent's name (``…\n\n— Alex
    Agent``); a customer's, posted by the help centre's account, opens with
    who wrote it (``Jeanne Martin (jeanne@example.org) wrote:``), so that
    agents in Jira know.  The words are Jira's side, in English, as the
    help centre's other comments there.
    """
    if author:
        return f"{author} wrote:\n\n{message.body}"
    return f"{message.body}\n\n— {message.author_name}"


def customer_author(message: TicketMessage, email: str) -> str:
    """``Name (address)`` of the customer who wrote ``message``; the address alone when that is the name."""
    name = message.author_name.strip()
    if not email or name.casefold() == email.strip().casefold():
        return name or email
    return f"{name} ({email})" if name else email


def attachment(ticket: Ticket, attachment_id: int | str, *, public: bool = True) -> JiraPush:
    """A file of the ticket, attached to its request (read from the attachments store when sent)."""
    return _push(ticket, ATTACHMENT, attachment=attachment_id, public=public)


def fetch_files(ticket: Ticket, comment_id: str, message_id: int) -> JiraPush:
    """Fetch the files of comment ``comment_id`` of the ticket's request into message ``message_id``."""
    return _push(ticket, FETCH, comment_id=comment_id, message_id=message_id)


def _files(ticket: Ticket, message: TicketMessage) -> list[JiraPush]:
    """One push per file of ``message``, after its text: public unless the message is an internal note."""
    return [attachment(ticket, file.id, public=not message.internal) for file in message.attachments]


def pushes_for(ticket: Ticket, change: TicketChange, mapping: JiraMapping) -> list[JiraPush]:
    """What JSM is sent for ``change``: nothing for what the mapping cannot express.

    A message goes as a comment, then each of its files; the files of a new
    ticket's first message follow the request (its text is the request's
    description).
    """
    message = change.message
    if change.kind == "created":
        pushes = [create_request(ticket)]
        if ticket.priority in mapping.priorities:
            pushes.append(_push(ticket, PRIORITY, priority=ticket.priority))
        return pushes + (_files(ticket, message) if message is not None else [])
    if change.kind in ("reply", "note") and message is not None:
        public = change.kind == "reply" and not message.internal
        return [comment(ticket, public=public, message_id=message.id), *_files(ticket, message)]
    if change.kind == "customer_message" and message is not None:
        # Written in Jira by the help centre's account (the customer has no say there), naming the customer.
        author = customer_author(message, change.actor)
        return [comment(ticket, public=True, message_id=message.id, author=author), *_files(ticket, message)]
    if change.kind == "status" and ticket.status in mapping.transitions:
        return [_push(ticket, STATUS, status=ticket.status)]
    if change.kind == "priority" and ticket.priority in mapping.priorities:
        return [_push(ticket, PRIORITY, priority=ticket.priority)]
    return []


def push_change(session: Session, ticket: Ticket, change: TicketChange) -> None:
    """Queue what ``change`` sends to JSM, in the caller's transaction; nothing while the channel is off.

    A ticket filed before the channel was on has no request: its later
    changes are not sent either.
    """
    settings = jira_settings()
    if settings is None:
        return
    if change.kind != "created" and ticket.jira_key is None and not _has_pushes(session, ticket):
        return
    for push in pushes_for(ticket, change, settings.mapping):
        enqueue(session, push, ticket_id=ticket.id)


def _has_pushes(session: Session, ticket: Ticket) -> bool:
    return session.scalar(
        select(exists().where(OutboxMessage.ticket_id == ticket.id, OutboxMessage.channel == CHANNEL))
    )
