"""What the staff console's lists and reports read: the queue, a ticket, a period's figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from helpcenter.articles.models import SearchCount
from helpcenter.sla import PENDING, PolicySet, response_state
from helpcenter.sla.reports import Rating, TicketFacts, TicketTargets
from helpcenter.tickets.models import STATUSES, DeflectionCount, Ticket, TicketRating
from helpcenter.tickets.queries import targets_of

from .models import StaffUser

#: Statuses of the tickets the queue shows by default.
ACTIVE = ("new", "open", "waiting")
QUEUE_FILTERS = ("status", "category", "priority", "product", "language", "assignee", "q")
#: The assignee filter: the tickets of the staff member looking, or those of nobody.
MINE, UNASSIGNED = "mine", "unassigned"
#: A pending first response due within this is shown as due soon.
DUE_SOON = dt.timedelta(hours=1)


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue."""

    tickets: list[Ticket]
    total: int
    page: int
    pages: int


def queue_page(
    session: Session, filters: Mapping[str, str], page: int, size: int, *, me: int | None = None
) -> QueuePage:
    """Tickets in order of first-response deadline, filtered and searched, ``size`` a page.

    ``filters`` holds the values of :data:`QUEUE_FILTERS` (empty for none);
    status ``active`` (the default) means new, open or waiting; assignee
    ``mine`` means assigned to the account ``me``, ``unassigned`` to nobody.
    """
    query = select(Ticket)
    status = filters.get("status") or "active"
    if status == "active":
        query = query.where(Ticket.status.in_(ACTIVE))
    elif status in STATUSES:
        query = query.where(Ticket.status == status)
    for name in ("category", "priority", "product", "language"):
        if filters.get(name):
            query = query.where(getattr(Ticket, name) == filters[name])
    if filters.get("assignee") == MINE:
        query = query.where(Ticket.assignee_id == me)
    elif filters.get("assignee") == UNASSIGNED:
        query = query.where(Ticket.assignee_id.is_(None))
    if filters.get("q"):
        like = f"%{filters['q']}%"
        query = query.where(
            or_(
                Ticket.reference.ilike(like),
                Ticket.subject.ilike(like),
                Ticket.requester_email.ilike(like),
                Ticket.requester_name.ilike(like),
                Ticket.company.ilike(like),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // size))
    page = max(1, min(page, pages))
    tickets = session.scalars(
        query.order_by(Ticket.first_response_due.is_(None), Ticket.first_response_due, Ticket.created_at)
        .options(selectinload(Ticket.events), selectinload(Ticket.messages))  # what each row's targets read
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return QueuePage(list(tickets), total, page, pages)


def queue_state(ticket: Ticket, now: dt.datetime) -> str:
    """The ticket's first-response state, with ``due_soon`` for a pending one due within the hour."""
    state = response_state(ticket.first_response_due, ticket.first_response_at, now)
    if state == PENDING and ticket.first_response_due - now <= DUE_SOON:
        return "due_soon"
    return state


def tickets_created(session: Session, begin: dt.datetime, finish: dt.datetime) -> list[TicketFacts]:
    """The facts of the tickets created in ``[begin, finish)``, oldest first."""
    tickets = session.scalars(
        select(Ticket).where(Ticket.created_at >= begin, Ticket.created_at < finish).order_by(Ticket.created_at)
    )
    return [TicketFacts.from_ticket(ticket) for ticket in tickets]


def ticket_targets_created(
    session: Session, begin: dt.datetime, finish: dt.datetime, policies: PolicySet, now: dt.datetime
) -> list[TicketTargets]:
    """Every target of the tickets created in ``[begin, finish)`` as seen at ``now``, oldest ticket first."""
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.created_at >= begin, Ticket.created_at < finish)
        .options(selectinload(Ticket.events), selectinload(Ticket.messages))
        .order_by(Ticket.created_at)
    )
    return [
        TicketTargets(ticket.reference or "", ticket.subject, ticket.created_at, targets_of(ticket, policies, now))
        for ticket in tickets
    ]


def funnel(session: Session, start: dt.date, end: dt.date) -> list[tuple[tuple[str, str], dict[str, int]]]:
    """The deflection funnel of the days from ``start`` to ``end``: per language and product, stage to count."""
    stages: dict[tuple[str, str], dict[str, int]] = {}
    rows = session.execute(
        select(DeflectionCount.lang, DeflectionCount.product, DeflectionCount.stage, func.sum(DeflectionCount.count))
        .where(DeflectionCount.day >= start, DeflectionCount.day <= end)
        .group_by(DeflectionCount.lang, DeflectionCount.product, DeflectionCount.stage)
    )
    for lang, product, stage, total in rows:
        stages.setdefault((lang, product), {})[stage] = int(total or 0)
    return sorted(stages.items())


def top_queries(session: Session, *, found: bool, lang: str | None = None, limit: int = 20) -> list[SearchCount]:
    """The queries searched most often (that found something, or nothing)."""
    query = select(SearchCount).where(SearchCount.found.is_(found))
    if lang:
        query = query.where(SearchCount.lang == lang)
    return list(session.scalars(query.order_by(SearchCount.count.desc(), SearchCount.query).limit(limit)))


def all_staff(session: Session) -> list[StaffUser]:
    """Every staff account, by address."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def active_staff(session: Session) -> list[StaffUser]:
    """The accounts tickets can be assigned to (active ones), by name."""
    return list(session.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)))


def staff_by_id(session: Session, user_id: int) -> StaffUser | None:
    """The staff account with this id, if any."""
    return session.get(StaffUser, user_id)


def ratings_of_tickets_created(session: Session, begin: dt.datetime, finish: dt.datetime) -> list[Rating]:
    """The ratings of the tickets created in ``[begin, finish)``, each with the name of the agent who answered."""
    names = dict(session.execute(select(StaffUser.email, StaffUser.name)).all())
    rows = session.execute(
        select(Ticket.priority, TicketRating.answered_by, TicketRating.score)
        .join(TicketRating, TicketRating.ticket_id == Ticket.id)
        .where(Ticket.created_at >= begin, Ticket.created_at < finish)
    )
    return [Rating(priority, names.get(agent, agent) or "–", score) for priority, agent, score in rows]
