"""State changes of the Customer Area: sign-in links, verified addresses, organisations.

A sign-in link is random, mailed, stored only hashed, works once and for
``SIGN_IN_MINUTES``; opening it verifies the address (its owner read our
mail) and opens a customer session (:mod:`helpcenter.login_sessions`).
Organisations are managed by staff (and the ``helpcenter org`` commands);
membership comes from an organisation's domains or listed addresses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpcenter.db import utcnow
from helpcenter.login_sessions import CUSTOMER, open_session
from helpcenter.tokens import hash_token, new_token

from .models import (
    CustomerAddress,
    Organisation,
    OrganisationContract,
    OrganisationDomain,
    OrganisationMember,
    OrganisationProduct,
    SignInLink,
)

SIGN_IN_VALID = dt.timedelta(minutes=15)


def normal_address(email: str) -> str:
    """An address as the Customer Area compares it: trimmed, lower case."""
    return email.strip().lower()


def new_sign_in_link(session: Session, email: str, *, now: dt.datetime | None = None) -> str:
    """Make a single-use sign-in link for ``email`` and return its token (the caller mails it and commits)."""
    now = now or utcnow()
    token, token_hash = new_token(32)
    session.add(
        SignInLink(token_hash=token_hash, email=normal_address(email), created_at=now, expires_at=now + SIGN_IN_VALID)
    )
    return token


def use_sign_in_link(session: Session, token: str, *, now: dt.datetime | None = None) -> str | None:
    """Open a customer session with a sign-in link: the session's token, or None for a link unknown, used or expired.

    The link stops working at once, and the address is marked verified.
    """
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    link = session.scalars(select(SignInLink).filter_by(token_hash=hash_token(token))).first()
    if link is None or link.used_at is not None or now > link.expires_at:
        return None
    link.used_at = now
    address = session.scalars(select(CustomerAddress).filter_by(email=link.email)).first()
    if address is None:
        session.add(CustomerAddress(email=link.email, verified_at=now, last_sign_in_at=now))
    else:
        address.last_sign_in_at = now
    session.commit()
    return open_session(session, CUSTOMER, link.email, now=now)


def is_verified(session: Session, email: str) -> bool:
    """Whether ``email`` has signed in to the Customer Area (so its owner reads its mail)."""
    return session.scalars(select(CustomerAddress.id).filter_by(email=normal_address(email))).first() is not None


class OrganisationError(ValueError):
    """An organisation cannot be changed as asked; ``reason`` names why (``exists``, ``taken``, ``unknown``, ``invalid``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class OrganisationFacts:
    """What an organisation is: its name, who belongs to it, what it holds."""

    name: str
    domains: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    share_tickets: bool = False


def _clean(facts: OrganisationFacts) -> OrganisationFacts:
    name = " ".join(facts.name.split())
    if not name or len(name) > 200:
        raise OrganisationError("invalid", "an organisation needs a name (at most 200 characters)")
    domains = tuple(sorted({domain.strip().lower().lstrip("@") for domain in facts.domains if domain.strip()}))
    members = tuple(sorted({normal_address(email) for email in facts.members if email.strip()}))
    for domain in domains:
        if "." not in domain or any(char.isspace() or char in "@/" for char in domain) or len(domain) > 253:
            raise OrganisationError("invalid", f"{domain!r} is not a domain name")
    for email in members:
        if "@" not in email or any(char.isspace() for char in email) or len(email) > 254:
            raise OrganisationError("invalid", f"{email!r} is not an e-mail address")
    contracts = tuple(sorted({number.strip() for number in facts.contracts if number.strip()}))
    if any(len(number) > 64 for number in contracts):
        raise OrganisationError("invalid", "a contract number has at most 64 characters")
    products = tuple(sorted({product.strip() for product in facts.products if product.strip()}))
    return OrganisationFacts(name, domains, members, contracts, products, facts.share_tickets)


def save_organisation(
    session: Session, facts: OrganisationFacts, *, organisation: Organisation | None = None
) -> Organisation:
    """Create an organisation, or replace what ``organisation`` is with ``facts``; one commit.

    A domain or a contract belongs to one organisation only (``taken``).
    """
    facts = _clean(facts)
    same_name = session.scalars(select(Organisation).filter_by(name=facts.name)).first()
    if same_name is not None and same_name is not organisation:
        raise OrganisationError("exists", f"an organisation called {facts.name} exists already")
    others = [] if organisation is None else [organisation.id]
    for model, column, values in (
        (OrganisationDomain, OrganisationDomain.domain, facts.domains),
        (OrganisationContract, OrganisationContract.number, facts.contracts),
    ):
        taken = session.scalars(select(column).where(column.in_(values), model.organisation_id.not_in(others))).all()
        if taken:
            raise OrganisationError("taken", f"{', '.join(taken)} already belongs to another organisation")
    if organisation is None:
        organisation = Organisation(name=facts.name)
        session.add(organisation)
    organisation.name = facts.name
    organisation.share_tickets = facts.share_tickets
    # The old rows go first: the new ones may repeat their (unique) values.
    for rows in (organisation.domains, organisation.members, organisation.contracts, organisation.products):
        rows.clear()
    session.flush()
    organisation.domains = [OrganisationDomain(domain=domain) for domain in facts.domains]
    organisation.members = [OrganisationMember(email=email) for email in facts.members]
    organisation.contracts = [OrganisationContract(number=number) for number in facts.contracts]
    organisation.products = [OrganisationProduct(product=product) for product in facts.products]
    session.commit()
    return organisation


def add_member(session: Session, name: str, email: str) -> Organisation:
    """Add an address to the organisation called ``name`` (``unknown`` if there is none)."""
    organisation = session.scalars(select(Organisation).filter_by(name=" ".join(name.split()))).first()
    if organisation is None:
        raise OrganisationError("unknown", f"there is no organisation called {name}")
    facts = organisation_facts(organisation)
    return save_organisation(
        session, OrganisationFacts(**{**facts.__dict__, "members": (*facts.members, email)}), organisation=organisation
    )


def organisation_facts(organisation: Organisation) -> OrganisationFacts:
    """The facts of a stored organisation."""
    return OrganisationFacts(
        name=organisation.name,
        domains=tuple(row.domain for row in organisation.domains),
        members=tuple(row.email for row in organisation.members),
        contracts=tuple(row.number for row in organisation.contracts),
        products=tuple(row.product for row in organisation.products),
        share_tickets=organisation.share_tickets,
    )
