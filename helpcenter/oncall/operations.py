"""State changes of paging and warnings: page on-call about a ticket, acknowledge its page, warn about a target.

Each works on one ticket in one transaction: the row that records what was
sent (a page, a notice) goes in with the outbox messages that send it, and
its unique key lets only one of two servers (or of two runs of a job, or
a run restarted half-way) write it, so that nothing is ever sent twice;
the loser's messages vanish with its transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from helpcenter.db import utcnow
from helpcenter.outbox import Outgoing, enqueue
from helpcenter.sla import PolicySet, TargetClock
from helpcenter.sla.targets import BREACH, WARNING, running_targets, thresholds_passed
from helpcenter.staff.models import StaffUser
from helpcenter.tickets.models import Ticket, TicketEvent
from helpcenter.tickets.queries import targets_of

from .models import OncallPage, PageAcknowledgement, SlaNotice
from .queries import last_page, notices_sent, still_pages, tickets_to_page, tickets_to_watch

log = logging.getLogger(__name__)
#: The actor of the audit trail's entries that paging writes.
PAGING_ACTOR = "on-call paging"

#: Composes a page's messages: ``(ticket, page) -> messages``.
ComposePage = Callable[[Ticket, OncallPage], Iterable[Outgoing]]
#: Composes a warning's messages: ``(ticket, target, threshold) -> messages``.
ComposeWarning = Callable[[Ticket, TargetClock, str], Iterable[Outgoing]]


def page_ticket(
    session: Session, ticket: Ticket, *, repeat: dt.timedelta, compose: ComposePage, now: dt.datetime
) -> OncallPage | None:
    """Page on-call about ``ticket`` when its next page is due: the first at once, then every ``repeat``.

    Returns the page, or None when the ticket no longer pages, its next page
    is not due yet, there is nowhere to send it, or another server sent this
    very page first.
    """
    if not still_pages(session, ticket.id):
        return None
    previous = last_page(session, ticket.id)
    if previous is not None and now < previous.paged_at + repeat:
        return None
    page = OncallPage(ticket_id=ticket.id, number=previous.number + 1 if previous else 1, paged_at=now)
    messages = list(compose(ticket, page))
    if not messages:
        return None
    page.channels = ",".join(sorted({message.channel for message in messages}))
    try:  # from the first write: loading the audit trail flushes what is added before it
        session.add(page)
        for message in messages:
            enqueue(session, message, ticket_id=ticket.id)
        ticket.events.append(
            TicketEvent(at=now, kind="paged", actor=PAGING_ACTOR, detail=f"page {page.number}: {page.channels}")
        )
        session.commit()
    except IntegrityError:
        session.rollback()  # another server sent page number N of this ticket first
        return None
    return page


def page_due_tickets(
    sessions: sessionmaker, *, repeat: dt.timedelta, compose: ComposePage, now: dt.datetime | None = None
) -> int:
    """Page on-call about every ticket whose next page is due (one transaction each); returns how many pages went."""
    now = now or utcnow()
    with sessions() as session:
        candidates = tickets_to_page(session)
    sent = 0
    for ticket_id in candidates:
        with sessions() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and page_ticket(session, ticket, repeat=repeat, compose=compose, now=now):
                sent += 1
    return sent


def acknowledge_page(
    session: Session, ticket: Ticket, staff: StaffUser, *, now: dt.datetime | None = None
) -> PageAcknowledgement:
    """Record that ``staff`` has taken the ticket: its pages stop. Acknowledging again changes nothing."""
    existing = session.get(PageAcknowledgement, ticket.id)
    if existing is not None:
        return existing
    now = now or utcnow()
    acknowledgement = PageAcknowledgement(
        ticket_id=ticket.id, acknowledged_at=now, staff_id=staff.id, staff_email=staff.email
    )
    try:  # from the first write: loading the audit trail flushes what is added before it
        session.add(acknowledgement)
        ticket.events.append(TicketEvent(at=now, kind="acknowledged", actor=staff.email, detail=""))
        session.commit()
    except IntegrityError:
        session.rollback()  # a colleague acknowledged it at the same moment: theirs stands
        return session.get(PageAcknowledgement, ticket.id)
    return acknowledgement


def warn_ticket(
    session: Session, ticket: Ticket, policies: PolicySet, *, compose: ComposeWarning, now: dt.datetime
) -> int:
    """Send the warnings the ticket's open targets are due (once per target and threshold); returns how many went.

    A target past its share of time warns once; a breached one sends its
    breach once, and its warning, if never sent, is recorded as skipped.
    """
    sent_before = notices_sent(session, ticket.id)
    sent = 0
    for target in running_targets(targets_of(ticket, policies, now)):
        passed = thresholds_passed(target, policies.warning_share)
        for threshold in passed:
            if (target.kind, target.started_at, threshold) in sent_before:
                continue
            skipped = threshold == WARNING and BREACH in passed
            messages = [] if skipped else list(compose(ticket, target, threshold))
            try:
                session.add(
                    SlaNotice(
                        ticket_id=ticket.id,
                        target=target.kind,
                        started_at=target.started_at,
                        threshold=threshold,
                        sent_at=now,
                        recipients=", ".join(message.recipient for message in messages),
                    )
                )
                for message in messages:
                    enqueue(session, message, ticket_id=ticket.id)
                session.commit()
            except IntegrityError:
                session.rollback()  # another server sent this one first
                continue
            sent += not skipped
    return sent


def warn_due_targets(
    sessions: sessionmaker, policies: PolicySet, *, compose: ComposeWarning, now: dt.datetime | None = None
) -> int:
    """Send every warning due on open tickets; returns how many went."""
    now = now or utcnow()
    sent = 0
    with sessions() as session:
        for ticket in tickets_to_watch(session):
            try:
                sent += warn_ticket(session, ticket, policies, compose=compose, now=now)
            except ValueError:  # a ticket whose data the engine refuses must not hold back the others
                log.exception("SLA warnings of ticket %s could not be computed", ticket.reference)
                session.rollback()
    return sent
