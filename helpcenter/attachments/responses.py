"""Sending an attachment back: always a download, never something a browser renders on the site."""

from __future__ import annotations

from flask import Response, abort
from sqlalchemy.orm import Session

from .models import Attachment
from .store import AttachmentStore

#: A download runs nothing, even if a browser were to render it.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def download(session: Session, store: AttachmentStore, attachment: Attachment) -> Response:
    """The file as ``Content-Disposition: attachment``, with its accepted type, ``nosniff`` and a script-free policy."""
    data = store.get(session, attachment.storage_key)
    if data is None:
        abort(404)
    response = Response(data, mimetype=attachment.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
