"""What the Customer Area reads: whose tickets an address sees, its organisations, their products."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from helpcenter.tickets.models import STATUSES, Ticket

from .models import CustomerAddress, Organisation, OrganisationContract, OrganisationDomain, OrganisationMember
from .operations import normal_address


def _domain(email: str) -> str:
    return email.rpartition("@")[2]


def organisations_of(session: Session, email: str) -> list[Organisation]:
    """The organisations ``email`` belongs to (by its domain, or listed by address), by name."""
    email = normal_address(email)
    by_domain = select(OrganisationDomain.organisation_id).where(OrganisationDomain.domain == _domain(email))
    by_address = select(OrganisationMember.organisation_id).where(OrganisationMember.email == email)
    return list(
        session.scalars(
            select(Organisation)
            .where(or_(Organisation.id.in_(by_domain), Organisation.id.in_(by_address)))
            .order_by(Organisation.name)
        )
    )


def holds_contract(session: Session, email: str, contract: str) -> bool:
    """Whether ``email`` is a verified member of the organisation that holds contract number ``contract``."""
    email = normal_address(email)
    if not contract or session.scalars(select(CustomerAddress.id).filter_by(email=email)).first() is None:
        return False
    # Contract numbers are compared as the policy file compares them: whatever the case.
    holder = session.scalars(
        select(OrganisationContract.organisation_id).where(
            func.upper(OrganisationContract.number) == contract.strip().upper()
        )
    ).first()
    return holder is not None and any(organisation.id == holder for organisation in organisations_of(session, email))


def _colleagues(session: Session, email: str):
    """A condition on tickets: filed by ``email``, or by a member of an organisation of theirs that shares tickets."""
    mine = func.lower(Ticket.requester_email) == normal_address(email)
    shared = [organisation for organisation in organisations_of(session, email) if organisation.share_tickets]
    conditions = [mine]
    for organisation in shared:
        domains = [row.domain for row in organisation.domains]
        addresses = [row.email for row in organisation.members]
        requester = func.lower(Ticket.requester_email)
        if addresses:
            conditions.append(requester.in_(addresses))
        for domain in domains:
            literal = domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(requester.like(f"%@{literal}", escape="\\"))
    return or_(*conditions)


def visible_tickets(session: Session, email: str, status: str | None = None) -> list[Ticket]:
    """The tickets ``email`` may read (their own, and shared colleagues'), last updated first."""
    query = select(Ticket).where(_colleagues(session, email))
    if status in STATUSES:
        query = query.where(Ticket.status == status)
    return list(session.scalars(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())))


def readable_ticket(session: Session, email: str, reference: str) -> Ticket | None:
    """The ticket with this reference if ``email`` may read it; None otherwise (either way the same answer)."""
    return session.scalars(
        select(Ticket).where(Ticket.reference == reference.upper(), _colleagues(session, email))
    ).first()


def products_of(session: Session, email: str) -> list[str]:
    """The products of the organisations ``email`` belongs to, each once, in order."""
    return sorted({row.product for organisation in organisations_of(session, email) for row in organisation.products})


def requester_name_of(session: Session, email: str) -> str | None:
    """The name ``email`` gave on its latest ticket, to fill the next form with."""
    return session.scalars(
        select(Ticket.requester_name)
        .where(func.lower(Ticket.requester_email) == normal_address(email))
        .order_by(Ticket.id.desc())
        .limit(1)
    ).first()


def all_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_by_id(session: Session, organisation_id: int) -> Organisation | None:
    """The organisation with this id, if any."""
    return session.get(Organisation, organisation_id)
