"""Customers' addresses, sign-in links, and the organisations that hold contracts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpcenter.db import Base, UtcDateTime, utcnow


class CustomerAddress(Base):
    """An address that signed in to the Customer Area at least once: it is verified (its owner read our mail)."""

    __tablename__ = "customer_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    verified_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_sign_in_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class SignInLink(Base):
    """A single-use sign-in link mailed to an address: only its token's hash is kept."""

    __tablename__ = "sign_in_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class Organisation(Base):
    """A customer organisation: who belongs to it (domains, addresses), its contracts and products."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: Members see their colleagues' tickets too.
    share_tickets: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    domains: Mapped[list[OrganisationDomain]] = relationship(
        cascade="all, delete-orphan", order_by="OrganisationDomain.domain"
    )
    members: Mapped[list[OrganisationMember]] = relationship(
        cascade="all, delete-orphan", order_by="OrganisationMember.email"
    )
    contracts: Mapped[list[OrganisationContract]] = relationship(
        cascade="all, delete-orphan", order_by="OrganisationContract.number"
    )
    products: Mapped[list[OrganisationProduct]] = relationship(
        cascade="all, delete-orphan", order_by="OrganisationProduct.product"
    )


class OrganisationDomain(Base):
    """Every address at this domain belongs to the organisation (``fulgur.example``)."""

    __tablename__ = "organisation_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)


class OrganisationMember(Base):
    """One address that belongs to the organisation (whatever its domain)."""

    __tablename__ = "organisation_member"
    __table_args__ = (UniqueConstraint("organisation_id", "email", name="uq_organisation_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)


class OrganisationContract(Base):
    """A contract number the organisation holds (its policy, if any, is in the policy file)."""

    __tablename__ = "organisation_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)


class OrganisationProduct(Base):
    """A product the organisation uses (a folder of tutorials: ``alerts``, ``map``…)."""

    __tablename__ = "organisation_product"
    __table_args__ = (UniqueConstraint("organisation_id", "product", name="uq_organisation_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(100))
