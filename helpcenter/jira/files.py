"""Files of comments made in Jira, fetched into the attachments store with the message they came with.

A ``comment_created`` webhook does not carry the comment's files, but its
text names them in Jira's wiki markup (``!screen.png|thumbnail!``,
``[^gateway.log]``).  Such a comment, once it is a message of the ticket,
queues a ``fetch`` message of the ``jira`` channel
(:func:`helpcenter.jira.outbound.fetch_files`), so that the webhook answers
at once and a Jira that is down delays the files without losing them.  The
channel then lists the comment's files, downloads each one, and keeps those
the help centre accepts of any file (:mod:`helpcenter.attachments`): at
most the configured number per message, each within the size limit (a file
announced as bigger is not even downloaded), of a kind decided by its
content.  A file that is not kept is recorded on the ticket (``file_not_kept``,
with its name and why), for staff to ask for it otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from helpcenter.attachments.models import Attachment
from helpcenter.attachments.operations import AttachmentLimits, Upload, UploadError, attach, check_uploads
from helpcenter.attachments.store import AttachmentStore
from helpcenter.tickets.models import TicketEvent, TicketMessage

#: A file named in a comment's wiki markup: an embedded picture, or a link to a file.
FILE_MARKUP = re.compile(r"!([^!|\n]+)(?:\|[^!\n]*)?!|\[\^([^\]\n]+)\]")
#: The id of a request's file, at the end of its REST link (``…/rest/api/2/attachment/10001``).
_REST_ID = re.compile(r"/attachment/(\d+)$")


def names_files(body: str) -> bool:
    """Whether a comment's text names attached files (Jira writes them in wiki markup)."""
    return FILE_MARKUP.search(body or "") is not None


class FileGone(LookupError):
    """Jira says a listed file cannot be downloaded (gone, or never readable): the others are still kept."""


@dataclass(frozen=True)
class NotKept:
    """A file of the comment that was not kept: its name and why (``too_many``, ``too_large``, …)."""

    filename: str
    reason: str


def keep_comment_files(
    session: Session,
    store: AttachmentStore,
    message: TicketMessage,
    listed: list[dict],
    download: Callable[[str, int], bytes],
    limits: AttachmentLimits,
    *,
    now: dt.datetime,
) -> tuple[list[Attachment], list[NotKept]]:
    """Keep the acceptable files among ``listed`` (``AttachmentDTO``) with ``message``; the caller commits.

    ``download(attachment_id, limit)`` returns at most ``limit + 1`` bytes of
    a file, or raises :class:`FileGone`.  Each file not kept is recorded as a
    ``file_not_kept`` event.
    """
    kept: list[Attachment] = []
    refused: list[NotKept] = []
    for item in listed:
        if not isinstance(item, dict):
            continue
        name = str(item.get("filename") or "file")[:200]
        file_id = _file_id(item)
        reason = _not_fetched(item, file_id, limits, len(kept))
        if reason is None:
            try:
                data = download(file_id, limits.max_bytes)
                [checked] = check_uploads([Upload(name, data)], AttachmentLimits(1, limits.max_bytes))
            except FileGone:
                reason = "unavailable"
            except UploadError as error:
                reason = error.reason
            else:
                kept += attach(session, store, [checked], message)
        if reason is not None:
            refused.append(NotKept(name, reason))
            message.ticket.events.append(
                TicketEvent(at=now, kind="file_not_kept", actor="jira", detail=f"{name}: {reason}"[:500])
            )
    return kept, refused


def _file_id(item: dict) -> str | None:
    """The id of a listed file (the API shows it only in the file's REST link)."""
    links = item.get("_links") if isinstance(item.get("_links"), dict) else {}
    found = _REST_ID.search(str(links.get("jiraRest", "")))
    return found.group(1) if found else None


def _not_fetched(item: dict, file_id: str | None, limits: AttachmentLimits, kept: int) -> str | None:
    """Why a listed file is not even downloaded, or None."""
    if kept >= limits.max_files:
        return "too_many"
    if file_id is None:
        return "unknown"
    size = item.get("size")
    if isinstance(size, int) and size > limits.max_bytes:
        return "too_large"
    return None
