"""Tickets, their conversation and audit trail, and the deflection funnel."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpcenter.attachments.models import Attachment
from helpcenter.db import Base, UtcDateTime, utcnow
from helpcenter.staff.models import StaffUser

STATUSES = ("new", "open", "waiting", "resolved", "closed")


class Ticket(Base):
    """A customer's request, with its SLA deadline recorded at creation.

    ``created_at`` and every other instant are aware UTC datetimes.  Only a
    hash of the requester's tracking token is stored.
    """

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(100), default="")
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    requester_name: Mapped[str] = mapped_column(String(120))
    requester_email: Mapped[str] = mapped_column(String(254), index=True)
    company: Mapped[str] = mapped_column(String(200), default="")
    contract_number: Mapped[str] = mapped_column(String(64), default="")
    #: Whether the contract's policy applies: the requester is a verified member of the organisation holding it.
    contract_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8))
    site_language: Mapped[str] = mapped_column(String(8))
    requested_priority: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[str | None] = mapped_column(String(10))
    policy_code: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    window: Mapped[str | None] = mapped_column(String(16))
    target_minutes: Mapped[int | None] = mapped_column(Integer)
    first_response_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), index=True)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    #: The Jira Service Management request this ticket is kept in step with (``SUP-123``), if any.
    jira_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Identifies the filling-in of the form that filed the ticket: sent again, it files nothing more.
    submission_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    #: The reference of the ticket this one follows up (a resolved ticket too old to reopen).
    follow_up_of: Mapped[str] = mapped_column(String(32), default="")
    #: The requester asked for no more mail about this ticket.
    mail_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The agent the ticket is assigned to (warnings before breach go to them), if any.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)

    assignee: Mapped[StaffUser | None] = relationship(lazy="joined")

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )
    rating: Mapped[TicketRating | None] = relationship(back_populates="ticket", cascade="all, delete-orphan")


class TicketEvent(Base):
    """One entry of a ticket's audit trail: what happened, when, by whom."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(254))
    detail: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketMessage(Base):
    """One message of a ticket's conversation (internal notes are never shown to the customer)."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    author: Mapped[str] = mapped_column(String(10))  # customer or staff
    author_name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id", cascade="all, delete-orphan")


class TicketRating(Base):
    """How satisfied the requester was with the answer to a resolved ticket: once per ticket."""

    __tablename__ = "ticket_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: The staff member who gave the first response (their address), for satisfaction per agent.
    answered_by: Mapped[str] = mapped_column(String(254), default="")

    ticket: Mapped[Ticket] = relationship(back_populates="rating")


class DeflectionCount(Base):
    """How often a stage of the deflection funnel was reached, per day, language and product.

    Stages: ``shown`` (suggestions shown on the ticket form), ``opened`` (a
    suggestion opened), ``solved`` ("This solved my problem"), ``submitted``
    (a ticket filed after suggestions were shown).  Nothing identifies anyone.
    """

    __tablename__ = "deflection_count"
    __table_args__ = (UniqueConstraint("day", "lang", "product", "stage", name="uq_deflection_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8))
    product: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=0)
