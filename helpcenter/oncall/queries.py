"""What paging and warnings read: which tickets page on-call, a ticket's pages, the notices already sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session, selectinload

from helpcenter.sla import OUT_OF_HOURS
from helpcenter.sla.clock import PAUSING_STATUSES, STOPPING_STATUSES
from helpcenter.tickets.models import Ticket

from .models import OncallPage, PageAcknowledgement, SlaNotice


def paging_rule() -> ColumnElement[bool]:
    """Which tickets page on-call: the one place that says so.

    A technical-assistance ticket that its customer said was of High impact
    (and that is still High), created outside business hours, that nobody
    has answered or acknowledged, and that is neither waiting on the customer
    nor resolved or closed.
    """
    acknowledged = exists().where(PageAcknowledgement.ticket_id == Ticket.id)
    return and_(
        Ticket.category == "technical",
        Ticket.requested_priority == "high",
        Ticket.priority == "high",
        Ticket.window == OUT_OF_HOURS,
        Ticket.first_response_at.is_(None),
        Ticket.status.not_in(sorted(PAUSING_STATUSES | STOPPING_STATUSES)),
        ~acknowledged,
    )


def tickets_to_page(session: Session) -> list[int]:
    """The ids of the tickets that page on-call (their next page may not be due yet), oldest first."""
    return list(session.scalars(select(Ticket.id).where(paging_rule()).order_by(Ticket.id)))


def still_pages(session: Session, ticket_id: int) -> bool:
    """Whether the ticket still pages on-call, read again in the caller's transaction."""
    return session.scalar(select(Ticket.id).where(Ticket.id == ticket_id, paging_rule())) is not None


def last_page(session: Session, ticket_id: int) -> OncallPage | None:
    """The ticket's latest page, if it has paged."""
    return session.scalars(
        select(OncallPage).where(OncallPage.ticket_id == ticket_id).order_by(OncallPage.number.desc()).limit(1)
    ).first()


@dataclass(frozen=True)
class PagingState:
    """A ticket's pages, for its staff page: how many, when, and who acknowledged them."""

    pages: int
    first_paged_at: dt.datetime | None
    last_paged_at: dt.datetime | None
    acknowledgement: PageAcknowledgement | None
    pages_now: bool

    @property
    def shown(self) -> bool:
        """Whether there is anything to say (a page sent or due, or an acknowledgement)."""
        return bool(self.pages or self.acknowledgement or self.pages_now)


def paging_state(session: Session, ticket: Ticket) -> PagingState:
    """The ticket's pages and acknowledgement."""
    pages = list(session.scalars(select(OncallPage).where(OncallPage.ticket_id == ticket.id)))
    return PagingState(
        pages=len(pages),
        first_paged_at=min((page.paged_at for page in pages), default=None),
        last_paged_at=max((page.paged_at for page in pages), default=None),
        acknowledgement=session.get(PageAcknowledgement, ticket.id),
        pages_now=still_pages(session, ticket.id),
    )


def tickets_to_watch(session: Session) -> list[Ticket]:
    """Tickets whose targets may warn: those with a priority that are not resolved or closed, with what their targets read."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.priority.is_not(None), Ticket.status.not_in(sorted(STOPPING_STATUSES)))
            .options(selectinload(Ticket.events), selectinload(Ticket.messages))
            .order_by(Ticket.id)
        )
    )


def notices_sent(session: Session, ticket_id: int) -> set[tuple[str, dt.datetime, str]]:
    """The notices already recorded for a ticket: (target, started_at, threshold)."""
    rows = session.execute(
        select(SlaNotice.target, SlaNotice.started_at, SlaNotice.threshold).where(SlaNotice.ticket_id == ticket_id)
    )
    return {(target, started_at, threshold) for target, started_at, threshold in rows}
