"""Random secrets handed out once (tracking links, sign-in and reset links, sessions), kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 24) -> tuple[str, str]:
    """A random token of ``nbytes`` bytes (URL-safe text) and the hash stored in its place."""
    token = secrets.token_urlsafe(nbytes)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a token: a lookup by it needs no secret, and the table gives none away."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
