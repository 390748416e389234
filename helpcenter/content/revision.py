"""Revisions of Markdown bodies, recorded by translations as ``source_revision``."""

import hashlib

REVISION_LENGTH = 12


def body_revision(body: str) -> str:
    """Return the first 12 hex digits of the SHA-256 of a Markdown body.

    Line endings are normalised and surrounding blank space is ignored, so
    re-saving a file on another platform does not make its translations stale.
    """
    normalised = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:REVISION_LENGTH]
