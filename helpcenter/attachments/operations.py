"""Checking files a person sends, and keeping them with their message.

At most ``max_files`` files of ``max_bytes`` each per message; a file is
accepted for what its bytes are (:mod:`.kinds`), and named accordingly.
Nothing is kept unless every file of the message is acceptable: the caller
shows the reason and keeps what was typed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .kinds import FileKind, detect_kind, safe_filename
from .models import Attachment
from .store import AttachmentStore


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name its sender gave it, and its bytes (at most one byte over the limit)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class AttachmentLimits:
    """How many files a message may carry, and how big each may be."""

    max_files: int
    max_bytes: int

    @property
    def max_request_bytes(self) -> int:
        """The most a form with that many files of that size (and its text) may weigh."""
        return self.max_files * (self.max_bytes + 64 * 1024) + 1024 * 1024


class UploadError(ValueError):
    """Files that cannot be accepted: ``reason`` is ``too_many``, ``too_large``, ``wrong_type`` or ``empty``."""

    def __init__(self, reason: str, filename: str = "") -> None:
        super().__init__(f"{reason}: {filename}" if filename else reason)
        self.reason = reason
        self.filename = filename


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file: its bytes, its kind and the name it will have."""

    data: bytes
    kind: FileKind
    filename: str


def check_uploads(uploads: Iterable[Upload], limits: AttachmentLimits) -> list[CheckedFile]:
    """Every file accepted, or :class:`UploadError` for the first one that is not (or for too many)."""
    uploads = list(uploads)
    if len(uploads) > limits.max_files:
        raise UploadError("too_many")
    checked = []
    for upload in uploads:
        if not upload.data:
            raise UploadError("empty", upload.filename)
        if len(upload.data) > limits.max_bytes:
            raise UploadError("too_large", upload.filename)
        kind = detect_kind(upload.filename, upload.data)
        if kind is None:
            raise UploadError("wrong_type", upload.filename)
        checked.append(CheckedFile(upload.data, kind, safe_filename(upload.filename, kind)))
    return checked


def attach(session: Session, store: AttachmentStore, files: Iterable[CheckedFile], message) -> list[Attachment]:
    """Keep the files with their (flushed) message, in the caller's transaction (the caller commits)."""
    kept = []
    for file in files:
        attachment = Attachment(
            ticket_id=message.ticket_id,
            message_id=message.id,
            filename=file.filename,
            content_type=file.kind.content_type,
            size=len(file.data),
            sha256=hashlib.sha256(file.data).hexdigest(),
            storage_key=store.put(session, file.data),
        )
        message.attachments.append(attachment)
        kept.append(attachment)
    return kept
