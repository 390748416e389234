"""The ``jira`` outbox channel: sends each queued change of a ticket to its JSM request.

It also fetches, in the ticket's turn, the files of comments made in Jira
(``fetch`` messages, :mod:`.files`): kept with their message in one
transaction, so a retry after that finds them there and fetches nothing.

Messages of one ticket arrive in the order they were queued (the outbox
holds a message while an earlier one of its ticket is pending), so a
request is created before it is commented on.  Nothing is done twice when
a message is tried again after an answer was lost:

- a request carries the help-centre reference in a field of its own, and
  is looked up by it (``/rest/api/3/search/jql``) before one is created;
- a comment tried again is first looked for among the request's comments
  (same text, same visibility, written by the help centre's account);
- a status is reached through the request's transition only when the
  request is not there already; a priority is simply set again;
- an attachment tried again is first looked for among the request's files.

An attachment message names a file by id; only a file of the message's own
ticket is read (:mod:`helpcenter.attachments.reading`): any other id gives
the message up, so a file never reaches another customer's request.

Jira's answers decide what happens next: no answer, a 5xx, 401, 403, 409
or 429 is tried again later; a 400 or a 404 cannot succeed and gives the
message up (logged).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from flask import Flask
from sqlalchemy.orm import Session

from helpcenter.attachments.operations import AttachmentLimits
from helpcenter.attachments.reading import FileNotOnTicket, StoredFile
from helpcenter.attachments.store import attachment_store
from helpcenter.db import database, utcnow
from helpcenter.library import current_policies
from helpcenter.outbox import DeliveryError, OutboxMessage
from helpcenter.sla.deadlines import PRIORITY_LABELS
from helpcenter.tickets.models import Ticket, TicketMessage
from helpcenter.tickets.operations import first_response_deadline

from .client import JiraError, JsmClient
from .files import FileGone, keep_comment_files
from .inbound import ISSUE_KEY
from .operations import (
    OWN_ACCOUNT,
    comment_known,
    comment_sent,
    customer_id,
    link_request,
    remember,
    remember_customer,
    state,
)
from .outbound import ATTACHMENT, COMMENT, CREATE, FETCH, PRIORITY, STATUS, message_comment
from .settings import JiraSettings

log = logging.getLogger(__name__)
#: How a deadline is written into a field: what a Jira date-time field takes, readable in a text field too.
JIRA_DATETIME = "%Y-%m-%dT%H:%M:%S.000%z"


class AttachmentFiles(Protocol):
    """Where the files of tickets are kept (:class:`helpcenter.attachments.reading.TicketFiles`)."""

    def read(self, session: Session, ticket_id: int, attachment_id: Any) -> StoredFile:
        """The file ``attachment_id`` of that ticket; :class:`FileNotOnTicket` for any id that is not one."""


class JiraChannel:
    """Delivers ``jira`` outbox messages with one JSM site's settings.

    ``files`` reads the files of ``attachment`` messages; without it, such
    a message cannot be sent (and is given up).
    """

    def __init__(self, app: Flask, settings: JiraSettings, *, files: AttachmentFiles | None = None) -> None:
        self.app = app
        self.settings = settings
        self.files = files
        self._project_key: str | None = None

    def send(self, message: OutboxMessage) -> None:
        """Send one change to JSM, or raise :class:`DeliveryError`."""
        payload = json.loads(message.payload or "{}")
        handlers = {
            CREATE: self._create,
            COMMENT: self._comment,
            STATUS: self._status,
            PRIORITY: self._priority,
            ATTACHMENT: self._attachment,
            FETCH: self._fetch,
        }
        handler = handlers.get(payload.get("kind"))
        if handler is None:
            raise DeliveryError(f"unknown kind of Jira message: {payload.get('kind')!r}", permanent=True)
        client = JsmClient(self.settings)
        try:
            with self.app.app_context(), database(self.app).sessions() as session:
                ticket = session.get(Ticket, message.ticket_id) if message.ticket_id is not None else None
                if ticket is None:
                    raise DeliveryError("the ticket no longer exists", permanent=True)
                self._own_account(session, client)
                handler(session, client, ticket, payload, message.attempts > 1)
        except JiraError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from exc
        finally:
            client.close()

    # -- what every message needs -------------------------------------------------------

    def _own_account(self, session: Session, client: JsmClient) -> str:
        """The help centre's own Jira account, learnt once: what it writes comes back in webhooks."""
        own = state(session, OWN_ACCOUNT)
        if not own:
            me = client.myself()
            own = str(me.get("accountId") or me.get("name") or "")
            remember(session, OWN_ACCOUNT, own)
        return own

    def _key(self, ticket: Ticket) -> str:
        if not ticket.jira_key:
            raise DeliveryError(f"{ticket.reference} has no JSM request (its creation was given up)", permanent=True)
        return ticket.jira_key

    def _project(self, client: JsmClient) -> str:
        if self._project_key is None:
            self._project_key = str(client.service_desk(self.settings.service_desk)["projectKey"])
        return self._project_key

    # -- a new request ------------------------------------------------------------------

    def _create(self, session: Session, client: JsmClient, ticket: Ticket, payload: dict, retry: bool) -> None:
        if ticket.jira_key:
            return  # linked already, by the webhook of its creation
        key = self.find_request(client, ticket.reference)
        if key is None:
            on_behalf_of = self._customer(session, client, ticket)
            request_type = self.settings.mapping.request_types[ticket.category]
            answer = client.create_request(
                self.settings.service_desk, request_type, self.request_fields(ticket), on_behalf_of
            )
            key = answer.get("issueKey")
            if not isinstance(key, str) or not ISSUE_KEY.match(key):
                raise DeliveryError(f"the created request has no valid issueKey: {key!r}")
            log.info("%s raised in JSM as %s", ticket.reference, key)
        link_request(session, self.settings, ticket, key, current_policies())

    def find_request(self, client: JsmClient, reference: str) -> str | None:
        """The key of the request that carries this help-centre reference, if one exists."""
        field = self.settings.mapping.reference
        if field.type == "labels":
            clause = f'labels = "{reference}"'
        else:
            clause = f'{field.jql_name} ~ "\\"{reference}\\""'
        jql = f'project = "{self._project(client)}" AND {clause}'
        for issue in client.search(jql, [field.id]):
            # The text search matches words; only the exact reference counts.
            value = (issue.get("fields") or {}).get(field.id)
            if reference in (value if field.type == "labels" and isinstance(value, list) else [field.read(value)]):
                return issue.get("key")
        return None

    def request_fields(self, ticket: Ticket) -> dict[str, Any]:
        """The ``requestFieldValues`` of a new request: summary, description and the mapped values."""
        due = first_response_deadline(ticket, current_policies()).due_local()
        values = {
            "reference": ticket.reference,
            "language": ticket.language,
            "requested_priority": PRIORITY_LABELS.get(ticket.requested_priority or "", ""),
            "first_response_due": due.strftime(JIRA_DATETIME) if due else "",
            "contract": ticket.contract_number,
            "product": ticket.product,
            "company": ticket.company,
        }
        fields: dict[str, Any] = {"summary": ticket.subject, "description": ticket.description}
        for name, mapped in self.settings.mapping.fields.items():
            if values.get(name):
                fields[mapped.id] = mapped.value(values[name])
        return fields

    def _customer(self, session: Session, client: JsmClient, ticket: Ticket) -> str:
        """The requester's JSM account, created when they have none, with access to the service desk."""
        email = ticket.requester_email
        known = customer_id(session, email)
        if known:
            return known
        created = client.create_customer(email, ticket.requester_name)
        found = created or client.find_customer(self.settings.service_desk, email)
        if not found:
            raise DeliveryError(f"JSM says a customer {email} exists, but it cannot be found")
        account = str(found.get("accountId") or found.get("name") or "")
        client.add_customers(self.settings.service_desk, [account])
        remember_customer(session, email, account)
        return account

    # -- comments -----------------------------------------------------------------------

    def _comment(self, session: Session, client: JsmClient, ticket: Ticket, payload: dict, retry: bool) -> None:
        key = self._key(ticket)
        public = bool(payload.get("public"))
        message_id = payload.get("message_id")
        if message_id is not None:
            message = session.get(TicketMessage, message_id)
            if message is None:
                raise DeliveryError("the message no longer exists", permanent=True)
            body = message_comment(message, payload.get("author"))
        else:
            body = str(payload.get("body", ""))
        if retry:
            own = state(session, OWN_ACCOUNT)
            for existing in client.comments(key):
                author = (existing.get("author") or {}).get("accountId") or (existing.get("author") or {}).get("name")
                if (
                    str(existing.get("body", "")).strip() == body.strip()
                    and bool(existing.get("public")) == public
                    and author == own
                    and not comment_known(session, str(existing.get("id")))
                ):
                    comment_sent(session, ticket, str(existing["id"]), message_id)
                    return
        answer = client.add_comment(key, body, public=public)
        comment_sent(session, ticket, str(answer["id"]), message_id)

    # -- status and priority ------------------------------------------------------------

    def _status(self, session: Session, client: JsmClient, ticket: Ticket, payload: dict, retry: bool) -> None:
        key = self._key(ticket)
        status = payload.get("status")
        name = self.settings.mapping.transitions.get(status)
        if not name:
            return
        for transition in client.transitions(key):
            if str(transition.get("name", "")).casefold() == name.casefold():
                client.transition(key, str(transition["id"]))
                return
        current = (client.get_request(key).get("currentStatus") or {}).get("status")
        if self.settings.mapping.status_of(current) == status:
            return  # there already (a lost answer, or someone in Jira was quicker)
        raise DeliveryError(f"{key}: no transition {name!r} from status {current!r}", permanent=True)

    def _priority(self, session: Session, client: JsmClient, ticket: Ticket, payload: dict, retry: bool) -> None:
        name = self.settings.mapping.priorities.get(payload.get("priority"))
        if name:
            client.set_priority(self._key(ticket), name)

    # -- attachments --------------------------------------------------------------------

    def _attachment(self, session: Session, client: JsmClient, ticket: Ticket, payload: dict, retry: bool) -> None:
        key = self._key(ticket)
        if self.files is None:
            raise DeliveryError("no attachments store is configured for the Jira channel", permanent=True)
        try:
            # Only a file of this very ticket: an id of another's is never read, let alone sent.
            stored = self.files.read(session, ticket.id, payload.get("attachment"))
        except FileNotOnTicket as exc:
            raise DeliveryError(f"{ticket.reference}: {exc}", permanent=True) from exc
        message = session.get(TicketMessage, stored.message_id)
        # A file of an internal note stays internal, whatever the message says.
        public = bool(payload.get("public", True)) and message is not None and not message.internal
        if retry:
            for existing in client.attachments(key):
                if existing.get("filename") == stored.filename and existing.get("size") == len(stored.data):
                    return
        temporary = client.attach_temporary_file(
            self.settings.service_desk, stored.filename, stored.data, stored.content_type
        )
        client.attach(key, [temporary], public=public)

    def _fetch(self, session: Session, client: JsmClient, ticket: Ticket, payload: dict, retry: bool) -> None:
        key = self._key(ticket)
        message = session.get(TicketMessage, payload.get("message_id"))
        if message is None or message.ticket_id != ticket.id:
            raise DeliveryError(f"{ticket.reference}: the message of the comment's files is gone", permanent=True)
        if message.attachments:
            return  # kept already: the answer to an earlier try was lost after its commit
        config = self.app.config
        limits = AttachmentLimits(config["ATTACHMENT_MAX_FILES"], config["ATTACHMENT_MAX_MB"] * 1024 * 1024)
        listed = client.comment_attachments(key, str(payload.get("comment_id")))

        def download(file_id: str, limit: int) -> bytes:
            try:
                return client.attachment_content(key, file_id, limit=limit)
            except JiraError as exc:
                if exc.permanent:  # this file only; anything else is tried again, for all of them
                    raise FileGone(str(exc)) from exc
                raise

        kept, refused = keep_comment_files(
            session, attachment_store(self.app), message, listed, download, limits, now=utcnow()
        )
        session.commit()
        for file in refused:
            log.warning("%s: %s from %s not kept (%s)", ticket.reference, file.filename, key, file.reason)
        if kept:
            log.info("%s: %d file(s) of %s kept", ticket.reference, len(kept), key)
