"""State changes of tickets, shared by the customer views, the staff console, commands and the Jira channel.

Every change takes an optional ``announce(session, ticket, change)``, called
in the change's transaction before it commits: the views pass the channels
that follow tickets (:func:`helpcenter.jira.push_change`), which put their
messages in the outbox; a change that arrives from such a channel is made
without it, so that it is not sent back.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpcenter.account.queries import holds_contract
from helpcenter.attachments.operations import CheckedFile, attach
from helpcenter.attachments.store import AttachmentStore
from helpcenter.db import increment_counter, utcnow
from helpcenter.outbox import Mail, enqueue
from helpcenter.sla import NO_TARGET, Deadline, PolicySet, first_response_due, response_state
from helpcenter.staff.models import StaffUser
from helpcenter.tokens import hash_token, new_token

from .models import STATUSES, DeflectionCount, Ticket, TicketEvent, TicketMessage, TicketRating

FUNNEL_STAGES = ("shown", "opened", "solved", "submitted")
REFERENCE_PREFIX = "HC"
#: A resolved ticket can be reopened for this long; later, a new ticket follows it up.
REOPEN_WITHIN = dt.timedelta(days=14)
RATINGS = (1, 2, 3, 4, 5)


class TicketStateError(ValueError):
    """A change the ticket's state does not allow: ``reason`` is ``not_resolved``, ``too_late``, ``rated`` or ``closed``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TicketChange:
    """What just happened to a ticket: ``created``, ``reply``, ``note``, ``status``, ``priority``,
    ``customer_message``; ``message`` is the first message, reply, note or customer message; ``actor``
    who made the change (for a customer message, the address of the customer who wrote it)."""

    kind: str
    message: TicketMessage | None = None
    actor: str = ""


class Announce(Protocol):
    """Told of each change in its transaction (it may add rows, such as outbox messages; it never commits)."""

    def __call__(self, session: Session, ticket: Ticket, change: TicketChange) -> None: ...


def _announce(announce: Announce | None, session: Session, ticket: Ticket, change: TicketChange) -> None:
    if announce is not None:
        session.flush()
        announce(session, ticket, change)


def _finish(session: Session, commit: bool) -> None:
    """Commit, or leave it to a caller that makes several changes in one transaction."""
    if commit:
        session.commit()
    else:
        session.flush()


@dataclass(frozen=True)
class TicketRequest:
    """What a customer asked for, validated by the form."""

    category: str
    product: str
    subject: str
    description: str
    requester_name: str
    requester_email: str
    company: str
    contract_number: str
    priority: str | None
    language: str
    site_language: str
    #: The reference of a resolved ticket this one follows up, if any.
    follow_up_of: str = ""


def token_matches(ticket: Ticket, token: str | None) -> bool:
    """Whether ``token`` opens ``ticket``, compared in constant time."""
    return bool(token) and hmac.compare_digest(ticket.token_hash, hash_token(token or ""))


@dataclass(frozen=True)
class Submission:
    """One filling-in of the ticket form, by one browser: sent twice (a retry), it files one ticket.

    A customer whose answer was lost (a server died after storing the
    ticket, a database failed over during the commit) sends the same form
    again.  The tracking token is derived from the submission with the
    site's secret, so that the retry leads to the same private page; the
    submission is bound to the browser's session, so that someone who saw
    only the form cannot reach the ticket it filed.
    """

    key_hash: str
    token: str

    @classmethod
    def of(cls, secret: str, browser: str, form: str) -> Submission:
        """The submission of ``form`` (the form's own identifier) from ``browser`` (the session's)."""
        material = f"{browser}:{form}".encode()
        digest = hmac.new(secret.encode(), b"ticket-token:" + material, hashlib.sha256).digest()
        key_hash = hmac.new(secret.encode(), b"ticket-submission:" + material, hashlib.sha256).hexdigest()
        return cls(key_hash, base64.urlsafe_b64encode(digest[:24]).decode())


def find_submitted(session: Session, submission: Submission) -> Ticket | None:
    """The ticket this submission already filed, if any."""
    return session.scalars(select(Ticket).filter_by(submission_hash=submission.key_hash)).first()


def reference_for(ticket_id: int, created_at: dt.datetime) -> str:
    """The human-readable reference of a ticket: ``HC-2026-000123``.

    Made from the ticket's own row id, it cannot repeat however many tickets
    are created at once.
    """
    return f"{REFERENCE_PREFIX}-{created_at.year}-{ticket_id:06d}"


def create_ticket(
    session: Session,
    request: TicketRequest,
    policies: PolicySet,
    *,
    mails: Callable[[Ticket, str], Iterable[Mail]] = lambda ticket, token: (),
    files: Sequence[CheckedFile] = (),
    store: AttachmentStore | None = None,
    now: dt.datetime | None = None,
    announce: Announce | None = None,
    commit: bool = True,
    submission: Submission | None = None,
) -> tuple[Ticket, str]:
    """Store a ticket with its first-response deadline, audit trail, files and outgoing mail.

    A contract's policy applies only when the requester is a verified member
    of the organisation that holds the contract; a number typed by anyone
    else is kept as claimed, and the ticket gets the standard policy until
    staff confirm it (:func:`confirm_contract`).  Everything is committed in
    one transaction: the ticket, its first message and its files, its events,
    the mails that ``mails(ticket, token)`` composes and what ``announce``
    adds.  Returns the ticket and its tracking token (shown once, never
    stored).  ``now`` is the creation instant (a request raised elsewhere
    keeps its own).  With ``submission``, the token is the submission's, and
    a second ticket of the same submission is refused by the database.
    """
    now = now or utcnow()
    contract_verified = holds_contract(session, request.requester_email, request.contract_number)
    policy = policies.for_contract(request.contract_number if contract_verified else None)
    priority = request.priority if request.category == "technical" else None
    deadline = first_response_due(now, request.category, priority, policy)
    token, token_hash = (submission.token, hash_token(submission.token)) if submission else new_token()
    ticket = Ticket(
        category=request.category,
        product=request.product,
        subject=request.subject,
        description=request.description,
        requester_name=request.requester_name,
        requester_email=request.requester_email,
        company=request.company,
        contract_number=request.contract_number,
        contract_verified=contract_verified,
        follow_up_of=request.follow_up_of,
        language=request.language,
        site_language=request.site_language,
        requested_priority=priority,
        priority=priority,
        policy_code=policy.code,
        created_at=now,
        window=deadline.window,
        target_minutes=deadline.target_minutes,
        first_response_due=deadline.due,
        status="new",
        token_hash=token_hash,
        submission_hash=submission.key_hash if submission else None,
        updated_at=now,
    )
    first = TicketMessage(at=now, author="customer", author_name=request.requester_name, body=request.description)
    ticket.messages.append(first)
    ticket.events.append(TicketEvent(at=now, kind="created", actor=request.requester_email, detail=deadline.explain()))
    if (
        request.contract_number
        and not contract_verified
        and policies.for_contract(request.contract_number) is not policy
    ):
        ticket.events.append(
            TicketEvent(at=now, kind="contract_claimed", actor=request.requester_email, detail=request.contract_number)
        )
    session.add(ticket)
    session.flush()
    ticket.reference = reference_for(ticket.id, now)
    if files:
        attach(session, store, files, first)
    for mail in mails(ticket, token):
        enqueue(session, mail, ticket_id=ticket.id)
    _announce(announce, session, ticket, TicketChange("created", first, request.requester_email))
    _finish(session, commit)
    return ticket, token


def find_ticket(session: Session, reference: str, token: str | None) -> Ticket | None:
    """The ticket with this reference if ``token`` opens it; None otherwise, either way."""
    ticket = session.scalars(select(Ticket).filter_by(reference=reference.upper())).first()
    if ticket is None:
        # Compare anyway, so that an unknown reference takes as long as a wrong token.
        hmac.compare_digest(hash_token(token or ""), hash_token(""))
        return None
    return ticket if token_matches(ticket, token) else None


def first_response_deadline(ticket: Ticket, policies: PolicySet, priority: str | None = None) -> Deadline:
    """The ticket's first-response deadline under its policy (with ``priority``, once changed to it).

    Computed from the creation instant in the window already decided for
    the ticket, which a priority change keeps.
    """
    policy = policies.policies.get(ticket.policy_code, policies.default)
    wanted = ticket.priority if priority is None else priority
    return first_response_due(ticket.created_at, ticket.category, wanted, policy, window=ticket.window)


def set_priority(
    session: Session,
    ticket: Ticket,
    priority: str,
    policies: PolicySet,
    *,
    actor: str,
    now: dt.datetime | None = None,
    announce: Announce | None = None,
    commit: bool = True,
) -> Ticket:
    """Change a technical ticket's priority and recompute its deadline.

    The deadline is computed again from the original creation instant in
    the window already decided for the ticket, with the ticket's policy.
    """
    now = now or utcnow()
    deadline = first_response_deadline(ticket, policies, priority)
    previous = ticket.priority
    ticket.priority = priority
    ticket.window = deadline.window
    ticket.target_minutes = deadline.target_minutes
    ticket.first_response_due = deadline.due
    ticket.updated_at = now
    ticket.events.append(
        TicketEvent(
            at=now, kind="priority", actor=actor, detail=f"{previous or '-'} -> {priority}; {deadline.explain()}"
        )
    )
    _announce(announce, session, ticket, TicketChange("priority", actor=actor))
    _finish(session, commit)
    return ticket


def count_funnel(session: Session, *, lang: str, product: str, stage: str, day: dt.date | None = None) -> None:
    """Count one step of the deflection funnel (nothing about who took it)."""
    if stage not in FUNNEL_STAGES:
        raise ValueError(f"unknown funnel stage {stage!r}")
    increment_counter(session, DeflectionCount, day=day or utcnow().date(), lang=lang, product=product, stage=stage)


def reply(
    session: Session,
    ticket: Ticket,
    body: str,
    *,
    author_name: str,
    actor: str,
    mails: Callable[[Ticket, TicketMessage], Iterable[Mail]] = lambda ticket, message: (),
    files: Sequence[CheckedFile] = (),
    store: AttachmentStore | None = None,
    now: dt.datetime | None = None,
    announce: Announce | None = None,
    commit: bool = True,
) -> TicketMessage:
    """Answer the customer: the message and its files, its mail, and the first response if it is one.

    The first reply records the first-response instant and whether it met
    the deadline; a ticket answered after its deadline stays breached.  The
    ticket then waits on the customer.
    """
    now = now or utcnow()
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        outcome = response_state(ticket.first_response_due, now, now)
        detail = "no target" if outcome == NO_TARGET else outcome
        ticket.events.append(TicketEvent(at=now, kind="first_response", actor=actor, detail=detail))
    message = TicketMessage(at=now, author="staff", author_name=author_name, body=body)
    return _post(session, ticket, message, "reply", "waiting", actor, mails, files, store, announce, commit)


def add_note(
    session: Session,
    ticket: Ticket,
    body: str,
    *,
    author_name: str,
    actor: str,
    now: dt.datetime | None = None,
    announce: Announce | None = None,
    commit: bool = True,
) -> TicketMessage:
    """An internal note: seen by staff, never by the customer, not a response."""
    now = now or utcnow()
    note = TicketMessage(at=now, author="staff", author_name=author_name, body=body, internal=True)
    ticket.messages.append(note)
    ticket.events.append(TicketEvent(at=now, kind="note", actor=actor, detail=""))
    ticket.updated_at = now
    _announce(announce, session, ticket, TicketChange("note", note, actor))
    _finish(session, commit)
    return note


def set_status(
    session: Session,
    ticket: Ticket,
    status: str,
    *,
    actor: str,
    mails: Callable[[Ticket, str], Iterable[Mail]] = lambda ticket, previous: (),
    now: dt.datetime | None = None,
    announce: Announce | None = None,
    commit: bool = True,
) -> Ticket:
    """Move a ticket to another status, recording who did; ``mails(ticket, previous)`` tells the requester."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    previous = ticket.status
    _move(ticket, status, actor, now or utcnow())
    if ticket.status != previous:
        session.flush()
        for mail in mails(ticket, previous):
            enqueue(session, mail, ticket_id=ticket.id)
    _announce(announce, session, ticket, TicketChange("status", actor=actor))
    _finish(session, commit)
    return ticket


def assign(
    session: Session, ticket: Ticket, assignee: StaffUser | None, *, actor: str, now: dt.datetime | None = None
) -> Ticket:
    """Give the ticket to an agent (its warnings before breach go to them), or back to the team with None.

    A disabled account cannot be given tickets (``ValueError``).
    """
    if assignee is not None and not assignee.active:
        raise ValueError(f"{assignee.email} is disabled and cannot be given tickets")
    now = now or utcnow()
    if ticket.assignee_id != (assignee.id if assignee else None):
        before = ticket.assignee.email if ticket.assignee else "-"
        ticket.events.append(
            TicketEvent(
                at=now, kind="assigned", actor=actor, detail=f"{before} -> {assignee.email if assignee else '-'}"
            )
        )
        ticket.assignee = assignee
        ticket.updated_at = now
    session.commit()
    return ticket


def _move(ticket: Ticket, status: str, actor: str, now: dt.datetime) -> None:
    if ticket.status != status:
        ticket.events.append(TicketEvent(at=now, kind="status", actor=actor, detail=f"{ticket.status} -> {status}"))
        ticket.status = status
        ticket.resolved_at = now if status == "resolved" else ticket.resolved_at if status == "closed" else None
    ticket.updated_at = now


def customer_message(
    session: Session,
    ticket: Ticket,
    body: str,
    *,
    author_name: str,
    actor: str,
    mails: Callable[[Ticket, TicketMessage], Iterable[Mail]] = lambda ticket, message: (),
    files: Sequence[CheckedFile] = (),
    store: AttachmentStore | None = None,
    now: dt.datetime | None = None,
    announce: Announce | None = None,
    commit: bool = True,
) -> TicketMessage:
    """The customer writes again, with files: a ticket waiting on them is open again (back in the staff queue).

    ``mails(ticket, message)`` tells staff.
    """
    message = TicketMessage(at=now or utcnow(), author="customer", author_name=author_name, body=body)
    status = "open" if ticket.status == "waiting" else ticket.status
    return _post(session, ticket, message, "customer_message", status, actor, mails, files, store, announce, commit)


def _post(
    session: Session,
    ticket: Ticket,
    message: TicketMessage,
    kind: str,
    status: str,
    actor: str,
    mails: Callable[[Ticket, TicketMessage], Iterable[Mail]],
    files: Sequence[CheckedFile],
    store: AttachmentStore | None,
    announce: Announce | None,
    commit: bool,
) -> TicketMessage:
    """A message of the conversation, as ``kind``: its event, the ticket's new status, its files, mails and news."""
    ticket.messages.append(message)
    ticket.events.append(TicketEvent(at=message.at, kind=kind, actor=actor, detail=""))
    _move(ticket, status, actor, message.at)
    session.flush()
    if files:
        attach(session, store, files, message)
    for mail in mails(ticket, message):
        enqueue(session, mail, ticket_id=ticket.id)
    _announce(announce, session, ticket, TicketChange(kind, message, actor))
    _finish(session, commit)
    return message


def resolve_by_customer(
    session: Session,
    ticket: Ticket,
    *,
    actor: str,
    mails: Callable[[Ticket, str], Iterable[Mail]] = lambda ticket, previous: (),
    now: dt.datetime | None = None,
    announce: Announce | None = None,
) -> Ticket:
    """The requester says the problem is solved."""
    if ticket.status == "closed":
        raise TicketStateError("closed")
    return set_status(session, ticket, "resolved", actor=actor, mails=mails, now=now, announce=announce)


def can_reopen(ticket: Ticket, now: dt.datetime) -> bool:
    """Whether the requester may reopen the ticket (resolved less than :data:`REOPEN_WITHIN` ago)."""
    return ticket.status == "resolved" and ticket.resolved_at is not None and now - ticket.resolved_at <= REOPEN_WITHIN


def reopen(
    session: Session,
    ticket: Ticket,
    *,
    actor: str,
    mails: Callable[[Ticket, str], Iterable[Mail]] = lambda ticket, previous: (),
    now: dt.datetime | None = None,
    announce: Announce | None = None,
) -> Ticket:
    """Put a resolved ticket back in the staff queue (within :data:`REOPEN_WITHIN`; else ``TicketStateError``)."""
    now = now or utcnow()
    if ticket.status != "resolved":
        raise TicketStateError("not_resolved")
    if not can_reopen(ticket, now):
        raise TicketStateError("too_late")
    return set_status(session, ticket, "open", actor=actor, mails=mails, now=now, announce=announce)


def rate(session: Session, ticket: Ticket, score: int, comment: str, *, now: dt.datetime | None = None) -> TicketRating:
    """The requester's satisfaction with a resolved ticket, once (``TicketStateError`` otherwise)."""
    if ticket.status not in ("resolved", "closed"):
        raise TicketStateError("not_resolved")
    if ticket.rating is not None:
        raise TicketStateError("rated")
    if score not in RATINGS:
        raise ValueError(f"a rating is one of {RATINGS}, not {score!r}")
    now = now or utcnow()
    first = next((event for event in ticket.events if event.kind == "first_response"), None)
    ticket.rating = TicketRating(score=score, comment=comment, created_at=now, answered_by=first.actor if first else "")
    ticket.events.append(TicketEvent(at=now, kind="rating", actor=ticket.requester_email, detail=str(score)))
    session.commit()
    return ticket.rating


def confirm_contract(
    session: Session, ticket: Ticket, policies: PolicySet, *, actor: str, now: dt.datetime | None = None
) -> Ticket:
    """Staff confirm a contract claimed on the ticket: its policy applies, the deadline recomputed from creation."""
    now = now or utcnow()
    policy = policies.for_contract(ticket.contract_number)
    deadline = first_response_due(ticket.created_at, ticket.category, ticket.priority, policy)
    ticket.contract_verified = True
    ticket.policy_code = policy.code
    ticket.window = deadline.window
    ticket.target_minutes = deadline.target_minutes
    ticket.first_response_due = deadline.due
    ticket.updated_at = now
    ticket.events.append(
        TicketEvent(
            at=now, kind="contract_confirmed", actor=actor, detail=f"{ticket.contract_number}; {deadline.explain()}"
        )
    )
    session.commit()
    return ticket


def stop_mails(session: Session, ticket: Ticket, *, now: dt.datetime | None = None) -> Ticket:
    """The requester wants no more mail about this ticket."""
    if not ticket.mail_opt_out:
        ticket.mail_opt_out = True
        ticket.events.append(
            TicketEvent(at=now or utcnow(), kind="mail_stopped", actor=ticket.requester_email, detail="")
        )
        session.commit()
    return ticket
