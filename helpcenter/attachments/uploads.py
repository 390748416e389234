"""Reading the files of a form, within the limits, before anything else reads the request."""

from __future__ import annotations

from flask import current_app, request

from .operations import AttachmentLimits, Upload

#: The form field that carries the files ("Attach files").
FIELD = "files"


def attachment_limits() -> AttachmentLimits:
    """The app's limits on files per message."""
    config = current_app.config
    return AttachmentLimits(config["ATTACHMENT_MAX_FILES"], config["ATTACHMENT_MAX_MB"] * 1024 * 1024)


def accepts_files(view):
    """Mark a view whose form may carry files: its requests may be as big as a message's files allow."""
    view.accepts_files = True
    return view


def allow_files() -> None:
    """Before anything reads the form (the CSRF check does): raise the size cap for views that take files."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "accepts_files", False):
        request.max_content_length = attachment_limits().max_request_bytes


def uploads() -> list[Upload]:
    """The files sent in the form (empty file inputs left out), each read up to one byte over the limit."""
    limit = attachment_limits().max_bytes
    files = []
    for storage in request.files.getlist(FIELD):
        if not storage or not storage.filename:
            continue
        files.append(Upload(storage.filename, storage.stream.read(limit + 1)))
    return files
