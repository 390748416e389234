"""What the Jira channel remembers: customers, comments and webhooks seen, events waiting for their ticket.

The JSM issue key of a ticket is on the ticket itself (``Ticket.jira_key``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpcenter.db import Base, UtcDateTime, utcnow


class JiraCustomer(Base):
    """A JSM customer known by e-mail address: the account a request is raised on behalf of.

    ``account_id`` is the Cloud ``accountId`` (the user name on Data Center).
    """

    __tablename__ = "jira_customer"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128), index=True)


class JiraComment(Base):
    """A JSM comment already in a ticket's conversation: sent from here, or received from there.

    Kept so that a comment is never applied twice (a webhook and the
    reconciliation may both bring it) nor taken for a new one on its way back.
    """

    __tablename__ = "jira_comment"

    comment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_message.id", ondelete="SET NULL"))


class JiraDelivery(Base):
    """A webhook delivery already handled, by its ``X-Atlassian-Webhook-Identifier`` (a retry carries the same)."""

    __tablename__ = "jira_delivery"

    identifier: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class JiraPendingEvent(Base):
    """A webhook event about a request that no ticket has yet, applied once one has it.

    Jira does not promise the order of its webhooks: a comment may arrive
    before the request it belongs to.
    """

    __tablename__ = "jira_pending_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_key: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class JiraState(Base):
    """A value the channel keeps between runs: the account it signs in with, the last reconciliation."""

    __tablename__ = "jira_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
