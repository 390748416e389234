"""Every model of the help centre, imported together for migrations."""

from helpcenter.account.models import (
    CustomerAddress,
    Organisation,
    OrganisationContract,
    OrganisationDomain,
    OrganisationMember,
    OrganisationProduct,
    SignInLink,
)
from helpcenter.articles.models import ArticleFeedback, SearchCount
from helpcenter.attachments.models import Attachment, AttachmentBlob
from helpcenter.db import Base
from helpcenter.jira.models import JiraComment, JiraCustomer, JiraDelivery, JiraPendingEvent, JiraState
from helpcenter.login_sessions import LoginSession
from helpcenter.oncall.models import OncallPage, PageAcknowledgement, SlaNotice
from helpcenter.outbox.models import OutboxMessage
from helpcenter.staff.models import StaffUser
from helpcenter.tickets.models import DeflectionCount, Ticket, TicketEvent, TicketMessage, TicketRating

__all__ = [
    "ArticleFeedback",
    "Attachment",
    "AttachmentBlob",
    "Base",
    "CustomerAddress",
    "DeflectionCount",
    "JiraComment",
    "JiraCustomer",
    "JiraDelivery",
    "JiraPendingEvent",
    "JiraState",
    "LoginSession",
    "Organisation",
    "OrganisationContract",
    "OrganisationDomain",
    "OrganisationMember",
    "OrganisationProduct",
    "OncallPage",
    "OutboxMessage",
    "PageAcknowledgement",
    "SearchCount",
    "SignInLink",
    "SlaNotice",
    "StaffUser",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
    "TicketRating",
]
