"""Why files were refused, in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _

from .operations import AttachmentLimits, UploadError


def upload_error_text(error: UploadError, limits: AttachmentLimits) -> str:
    """What to tell the person whose files were refused (the rest of what they typed is kept)."""
    if error.reason == "too_many":
        return _("At most %(count)d files per message; choose fewer files.", count=limits.max_files)
    if error.reason == "too_large":
        return _(
            "%(name)s is larger than %(size)d MB; send a smaller file.",
            name=error.filename,
            size=limits.max_bytes // (1024 * 1024),
        )
    if error.reason == "empty":
        return _("%(name)s is empty.", name=error.filename)
    return _(
        "%(name)s cannot be sent: only pictures (PNG, JPEG, GIF, WebP), PDF documents, text and log files, CSV files and ZIP archives are accepted.",
        name=error.filename,
    )
