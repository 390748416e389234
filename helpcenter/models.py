"""Every model of the help centre, imported together for migrations."""

from helpcenter.articles.models import ArticleFeedback
from helpcenter.db import Base
from helpcenter.search.models import SearchMiss
from helpcenter.mail import OutboxMail
from helpcenter.tickets.models import DeflectionCount, Ticket, TicketEvent, TicketMessage

__all__ = [
    "ArticleFeedback",
    "Base",
    "DeflectionCount",
    "OutboxMail",
    "SearchMiss",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
]
