"""Every model of the help centre, imported together for migrations."""

from helpcenter.articles.models import ArticleFeedback, SearchCount
from helpcenter.db import Base
from helpcenter.mail import OutboxMail
from helpcenter.staff.models import StaffUser
from helpcenter.tickets.models import DeflectionCount, Ticket, TicketEvent, TicketMessage

__all__ = [
    "ArticleFeedback",
    "Base",
    "DeflectionCount",
    "OutboxMail",
    "SearchCount",
    "StaffUser",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
]
