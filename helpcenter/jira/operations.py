"""State changes that arrive from Jira: each public function is one transaction.

A request raised in Jira becomes a ticket with the help centre's deadline,
written back as an internal comment that explains it; comments become staff
replies (the first one records the first response), customer messages or
internal notes; status and priority changes follow (a priority change
recomputes the deadline as in the staff console).  The ticket changes go
through :mod:`helpcenter.tickets.operations`, without ``announce``, so that
nothing goes back to Jira.

What the help centre itself sent comes back as webhooks too: requests
carry the help-centre reference, comments are known by id or by the
account that wrote them, and changes made by that account are ignored.
An event about a request that no ticket has yet waits, and is applied
once a ticket has it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpcenter.db import utcnow
from helpcenter.outbox import OutboxMessage, enqueue
from helpcenter.sla import PolicySet
from helpcenter.tickets.models import Ticket
from helpcenter.tickets.operations import (
    TicketRequest,
    add_note,
    create_ticket,
    customer_message,
    first_response_deadline,
    reply,
    set_priority,
    set_status,
)

from .files import names_files
from .inbound import (
    InboundChange,
    InboundComment,
    InboundRequest,
    JiraUser,
    change_from_webhook,
    comment_from_webhook,
    request_from_issue,
)
from .models import JiraComment, JiraCustomer, JiraDelivery, JiraPendingEvent, JiraState
from .outbound import CHANNEL, PRIORITY, STATUS, comment, fetch_files
from .settings import TICKET_LANGUAGES, JiraSettings

#: The account the help centre signs in to Jira with (what it wrote comes back from it).
OWN_ACCOUNT = "account"
#: When the last reconciliation started (ISO 8601).
LAST_SYNC = "last_sync"
#: Webhook deliveries and waiting events are forgotten after this long.
KEEP = dt.timedelta(days=30)


# -- small things the channel keeps ---------------------------------------------------------


def state(session: Session, name: str) -> str | None:
    """A value kept by the channel (:data:`OWN_ACCOUNT`, :data:`LAST_SYNC`), or None."""
    row = session.get(JiraState, name)
    return row.value if row is not None else None


def remember(session: Session, name: str, value: str) -> None:
    """Keep a value of the channel (committed)."""
    row = session.get(JiraState, name)
    if row is None:
        session.add(JiraState(name=name, value=value))
    else:
        row.value = value
    session.commit()


def customer_id(session: Session, email: str) -> str | None:
    """The JSM account of the customer with this address, if known."""
    row = session.get(JiraCustomer, email.strip().lower())
    return row.account_id if row is not None else None


def remember_customer(session: Session, email: str, account_id: str, *, commit: bool = True) -> None:
    """Keep the JSM account of a customer's address."""
    email = email.strip().lower()
    row = session.get(JiraCustomer, email)
    if row is None:
        session.add(JiraCustomer(email=email, account_id=account_id))
    else:
        row.account_id = account_id
    if commit:
        session.commit()


def ticket_for_key(session: Session, key: str) -> Ticket | None:
    """The ticket kept in step with JSM request ``key``."""
    return session.scalars(select(Ticket).filter_by(jira_key=key)).first()


def comment_sent(session: Session, ticket: Ticket, comment_id: str, message_id: int | None) -> None:
    """Record a comment the help centre wrote on the ticket's request (committed)."""
    if session.get(JiraComment, comment_id) is None:
        session.add(JiraComment(comment_id=comment_id, ticket_id=ticket.id, message_id=message_id))
    session.commit()


def comment_known(session: Session, comment_id: str) -> bool:
    """Whether this comment is already in a ticket's conversation (sent from here or received)."""
    return session.get(JiraComment, comment_id) is not None


def deadline_comment(ticket: Ticket, policies: PolicySet) -> str:
    """The internal comment that tells agents in Jira the help centre's deadline, and why."""
    deadline = first_response_deadline(ticket, policies)
    return f"Help centre ticket {ticket.reference}. First response under the support policy: {deadline.explain()}."


# -- webhooks ---------------------------------------------------------------------------------


def apply_webhook(
    session: Session,
    settings: JiraSettings,
    event: dict[str, Any],
    policies: PolicySet,
    *,
    delivery: str,
    now: dt.datetime | None = None,
) -> str:
    """Apply a webhook event once per ``delivery`` identifier, in one transaction; returns what was done.

    ``duplicate`` for a delivery already handled; ``created``, ``linked``,
    ``reply``, ``note``, ``customer_message``, ``updated``, ``pending`` …
    otherwise (``ignored`` for an event the help centre does not follow).
    """
    now = now or utcnow()
    if session.get(JiraDelivery, delivery) is not None:
        return "duplicate"
    session.add(JiraDelivery(identifier=delivery, received_at=now))
    try:
        session.flush()
    except IntegrityError:  # the same delivery, handled at this moment by another process
        session.rollback()
        return "duplicate"
    outcome = _apply(session, settings, event, policies, now)
    session.commit()
    return outcome


def _apply(session: Session, settings: JiraSettings, event: dict[str, Any], policies: PolicySet, now) -> str:
    kind = event.get("webhookEvent")
    issue = event.get("issue") if isinstance(event.get("issue"), dict) else {}
    request = request_from_issue(issue, settings.mapping)
    if request is None:
        return "ignored"
    if kind == "jira:issue_created":
        return _request_raised(session, settings, request, policies, now)
    if kind == "comment_created":
        return _comment_added(session, settings, request.key, comment_from_webhook(event.get("comment")), now, event)
    if kind == "jira:issue_updated":
        return _request_changed(session, settings, request.key, change_from_webhook(event), policies, now, event)
    return "ignored"


def _is_own(session: Session, user: JiraUser) -> bool:
    own = state(session, OWN_ACCOUNT)
    return bool(own) and user.id == own


def _wait(session: Session, key: str, event: dict[str, Any] | None, now: dt.datetime) -> str:
    if event is None:
        return "ignored"
    session.add(JiraPendingEvent(issue_key=key, event=json.dumps(event, ensure_ascii=False), received_at=now))
    return "pending"


def _apply_waiting(session: Session, settings: JiraSettings, ticket: Ticket, policies: PolicySet, now) -> int:
    """Apply, in order, the events that waited for this ticket's request; returns how many."""
    rows = session.scalars(
        select(JiraPendingEvent).filter_by(issue_key=ticket.jira_key).order_by(JiraPendingEvent.id)
    ).all()
    for row in rows:
        session.delete(row)
        _apply(session, settings, json.loads(row.event), policies, now)
    return len(rows)


def _request_raised(
    session: Session, settings: JiraSettings, request: InboundRequest, policies: PolicySet, now: dt.datetime
) -> str:
    if ticket_for_key(session, request.key) is not None:
        return "known"
    reference = request.values.get("reference")
    if reference:
        # A request the help centre raised: its webhook may come before the answer to the call that made it.
        ticket = session.scalars(select(Ticket).filter_by(reference=reference.upper())).first()
        if ticket is None or ticket.jira_key is not None:
            return "ignored"
        _link(session, settings, ticket, request.key, policies, now)
        return "linked"
    ours = (
        request.service_desk_id == settings.service_desk
        if request.service_desk_id is not None
        else request.request_type_id is not None
    )
    if not ours:
        return "ignored"
    _ticket_from_request(session, settings, request, policies, now)
    return "created"


def _ticket_from_request(
    session: Session, settings: JiraSettings, request: InboundRequest, policies: PolicySet, now: dt.datetime
) -> Ticket:
    """A ticket for a request raised in Jira, with the help centre's deadline written back to it."""
    mapping = settings.mapping
    values = request.values
    category = mapping.category_of(request.request_type_id)
    language = values.get("language", "").lower()
    language = language if language in TICKET_LANGUAGES else mapping.ticket_language
    reporter = request.reporter
    wanted = TicketRequest(
        category=category,
        product=values.get("product", "")[:100],
        subject=(request.summary or request.key)[:200],
        description=request.description or request.summary or request.key,
        requester_name=(reporter.display_name or reporter.email or reporter.id)[:120],
        requester_email=reporter.email[:254],
        company=values.get("company", "")[:200],
        contract_number=values.get("contract", "")[:64],
        priority=mapping.priority_of(request.priority) if category == "technical" else None,
        language=language,
        site_language=language,
    )
    ticket, _token = create_ticket(session, wanted, policies, now=request.created or now, commit=False)
    ticket.jira_key = request.key
    if reporter.email and reporter.id:
        remember_customer(session, reporter.email, reporter.id, commit=False)
    enqueue(session, comment(ticket, public=False, body=deadline_comment(ticket, policies)), ticket_id=ticket.id)
    session.flush()
    _apply_waiting(session, settings, ticket, policies, now)
    return ticket


def _link(session: Session, settings: JiraSettings, ticket: Ticket, key: str, policies: PolicySet, now) -> None:
    ticket.jira_key = key
    session.flush()
    _apply_waiting(session, settings, ticket, policies, now)


def _from_customer(session: Session, ticket: Ticket, author: JiraUser) -> bool:
    if author.account_type == "customer":
        return True
    if author.email and author.email.casefold() == ticket.requester_email.casefold():
        return True
    return bool(author.id) and customer_id(session, ticket.requester_email) == author.id


def _comment_added(
    session: Session,
    settings: JiraSettings,
    key: str,
    found: InboundComment | None,
    now: dt.datetime,
    event: dict[str, Any] | None,
) -> str:
    if found is None:
        return "ignored"
    if comment_known(session, found.id):
        return "known"
    if _is_own(session, found.author):
        return "own"
    ticket = ticket_for_key(session, key)
    if ticket is None:
        return _wait(session, key, event, now)
    record = JiraComment(comment_id=found.id, ticket_id=ticket.id)
    session.add(record)
    at = found.created or now
    author = found.author
    name = (author.display_name or author.email or "Jira")[:120]
    body = found.body or "…"
    if not found.public:
        message = add_note(session, ticket, body, author_name=name, actor=author.label, now=at, commit=False)
        outcome = "note"
    elif _from_customer(session, ticket, author):
        message = customer_message(session, ticket, body, author_name=name, actor=author.label, now=at, commit=False)
        outcome = "customer_message"
    else:
        message = reply(session, ticket, body, author_name=name, actor=author.label, now=at, commit=False)
        outcome = "reply"
    record.message_id = message.id
    if names_files(found.body):
        enqueue(session, fetch_files(ticket, found.id, message.id), ticket_id=ticket.id)
    return outcome


def _request_changed(
    session: Session,
    settings: JiraSettings,
    key: str,
    change: InboundChange,
    policies: PolicySet,
    now: dt.datetime,
    event: dict[str, Any] | None,
) -> str:
    if change.status is None and change.priority is None:
        return "ignored"
    if _is_own(session, change.actor):
        return "own"
    ticket = ticket_for_key(session, key)
    if ticket is None:
        return _wait(session, key, event, now)
    return _follow(session, settings, ticket, change, policies, now)


def _follow(
    session: Session, settings: JiraSettings, ticket: Ticket, change: InboundChange, policies: PolicySet, now
) -> str:
    """Give the ticket the status and priority ``change`` names, where the mapping knows them."""
    mapping = settings.mapping
    changed = False
    status = mapping.status_of(change.status)
    # A new ticket is open already, and not yet triaged: "open" in Jira does not take that away.
    if status is not None and status != ticket.status and not (status == "open" and ticket.status == "new"):
        set_status(session, ticket, status, actor=change.actor.label, now=now, commit=False)
        changed = True
    priority = mapping.priority_of(change.priority)
    if ticket.category == "technical" and priority is not None and priority != ticket.priority:
        set_priority(session, ticket, priority, policies, actor=change.actor.label, now=now, commit=False)
        changed = True
    return "updated" if changed else "unchanged"


# -- the channel and the reconciliation -----------------------------------------------------


def link_request(
    session: Session,
    settings: JiraSettings,
    ticket: Ticket,
    key: str,
    policies: PolicySet,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Record that ``ticket`` is JSM request ``key``, and apply what waited for it (one transaction)."""
    if ticket.jira_key != key:
        _link(session, settings, ticket, key, policies, now or utcnow())
    session.commit()


def reconcile_request(
    session: Session,
    settings: JiraSettings,
    request: InboundRequest,
    policies: PolicySet,
    *,
    now: dt.datetime | None = None,
) -> Ticket | None:
    """Bring the ticket of a request found by the reconciliation in step with it (one transaction).

    A request without a ticket gets one (as from its webhook); a ticket
    takes the request's status and priority, unless the help centre still
    has changes of its own to send (they would be undone).
    """
    now = now or utcnow()
    ticket = ticket_for_key(session, request.key)
    if ticket is None:
        _request_raised(session, settings, request, policies, now)
        ticket = ticket_for_key(session, request.key)
    if ticket is not None and not _sending(session, ticket):
        _follow(session, settings, ticket, InboundChange(request.status, request.priority, JiraUser()), policies, now)
    session.commit()
    return ticket


def reconcile_comment(
    session: Session, settings: JiraSettings, ticket: Ticket, found: InboundComment, *, now: dt.datetime | None = None
) -> str:
    """Apply a comment of the ticket's request that the webhooks missed (one transaction)."""
    outcome = _comment_added(session, settings, ticket.jira_key or "", found, now or utcnow(), None)
    session.commit()
    return outcome


def _sending(session: Session, ticket: Ticket) -> bool:
    """Whether a status or priority of the help centre's is still on its way to Jira."""
    return session.scalar(
        select(
            exists().where(
                OutboxMessage.ticket_id == ticket.id,
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.subject.in_((STATUS, PRIORITY)),
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.abandoned_at.is_(None),
            )
        )
    )


def waiting_keys(session: Session) -> list[str]:
    """The requests that events wait for."""
    return list(session.scalars(select(JiraPendingEvent.issue_key).distinct().order_by(JiraPendingEvent.issue_key)))


def forget_old(session: Session, *, now: dt.datetime | None = None) -> None:
    """Forget webhook deliveries, and events still waiting, older than :data:`KEEP` (one transaction)."""
    limit = (now or utcnow()) - KEEP
    session.execute(delete(JiraDelivery).where(JiraDelivery.received_at < limit))
    session.execute(delete(JiraPendingEvent).where(JiraPendingEvent.received_at < limit))
    session.commit()
