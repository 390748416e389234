"""Where attachments' bytes live, behind a small interface.

The default store keeps them in the database, so that the database stays
the one copy of everything (the two-site deployment replicates it whole);
object storage could implement the same two methods.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy.orm import Session

from .models import AttachmentBlob


class AttachmentStore(Protocol):
    """Keeps files' bytes under keys it chooses."""

    def put(self, session: Session, data: bytes) -> str:
        """Keep ``data`` (in the caller's transaction, where the store is transactional) and return its key."""

    def get(self, session: Session, key: str) -> bytes | None:
        """The bytes kept under ``key``, or None."""


class DatabaseStore:
    """Bytes in the ``attachment_blob`` table, written in the same transaction as the message they belong to."""

    def put(self, session: Session, data: bytes) -> str:
        """Add the bytes to the caller's transaction; the key is random."""
        key = f"db:{secrets.token_urlsafe(24)}"
        session.add(AttachmentBlob(key=key, data=data))
        return key

    def get(self, session: Session, key: str) -> bytes | None:
        """The bytes under ``key``, or None."""
        blob = session.get(AttachmentBlob, key)
        return None if blob is None else blob.data


def attachment_store(app: Flask | None = None) -> AttachmentStore:
    """The app's attachment store (the database unless another is set up)."""
    return (app or current_app).extensions.setdefault("helpcenter.attachments", DatabaseStore())
