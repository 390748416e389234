"""Every model of the help centre, imported together for migrations."""

from helpcenter.articles.models import ArticleFeedback, SearchCount
from helpcenter.db import Base
from helpcenter.login_sessions import LoginSession
from helpcenter.outbox.models import OutboxMessage
from helpcenter.staff.models import StaffUser
from helpcenter.tickets.models import DeflectionCount, Ticket, TicketEvent, TicketMessage

__all__ = [
    "ArticleFeedback",
    "Base",
    "DeflectionCount",
    "LoginSession",
    "OutboxMessage",
    "SearchCount",
    "StaffUser",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
]
