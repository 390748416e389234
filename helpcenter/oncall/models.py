"""What paging and warnings have done: one row per page and per notice, so that none goes twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpcenter.db import Base, UtcDateTime


class OncallPage(Base):
    """One page of on-call staff about a ticket: the first (``number`` 1), then each repeat.

    The row is written in the transaction that puts the page's messages in
    the outbox; its unique (ticket, number) lets only one of two servers
    that page at the same moment do so.
    """

    __tablename__ = "oncall_page"
    __table_args__ = (UniqueConstraint("ticket_id", "number", name="uq_oncall_page_ticket_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    paged_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    #: Where the page went: ``mail``, ``webhook`` or both, comma-separated.
    channels: Mapped[str] = mapped_column(String(40), default="")


class PageAcknowledgement(Base):
    """A staff member has taken the ticket that paged on-call: its pages stop."""

    __tablename__ = "oncall_acknowledgement"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    staff_email: Mapped[str] = mapped_column(String(254))


class SlaNotice(Base):
    """A warning sent about one target of a ticket: at a share of its time (``warning``) or at ``breach``.

    A target is told apart by its kind and the instant it started (a ticket
    has one next-response target per customer message waiting for an
    answer). ``recipients`` lists where it went; empty when it was skipped
    (a warning found only once its target was breached is not sent, the
    breach is).
    """

    __tablename__ = "sla_notice"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", "started_at", "threshold", name="uq_sla_notice_target_threshold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    threshold: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    recipients: Mapped[str] = mapped_column(Text, default="")
