"""Staff accounts: support agents and administrators."""

from __future__ import annotations

import datetime as dt
import functools

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from helpcenter.db import Base, UtcDateTime, utcnow

#: No password hashes to this: an account whose password was forgotten cannot log in.
UNUSABLE_PASSWORD = "!"


@functools.cache
def decoy_hash() -> str:
    """Checked against when there is no real hash to check, so that every login attempt costs the same.

    Made on first use, not on import: every process (a worker, a command)
    would otherwise pay an scrypt hash to start.
    """
    return generate_password_hash("a password nobody has", method="scrypt")


class StaffUser(UserMixin, Base):
    """A member of the support team who can log in to ``/staff``.

    The password is kept only as a salted scrypt hash.  ``session_version``
    is part of the login session's identity: bumping it (new password,
    account disabled) ends every session of the account.
    """

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10), default="agent")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    #: A pending password reset: the hash of the link's token, and when the link stops working.
    reset_token_hash: Mapped[str | None] = mapped_column(String(64))
    reset_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    def set_password(self, password: str) -> None:
        """Store a new password (hashed) and end the account's other sessions."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_version = (self.session_version or 0) + 1

    def forget_password(self) -> None:
        """Make the password unusable (until a reset sets another) and end the account's sessions."""
        self.password_hash = UNUSABLE_PASSWORD
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        """Whether ``password`` is the account's password (never, once it was forgotten)."""
        if self.password_hash == UNUSABLE_PASSWORD:
            check_password_hash(decoy_hash(), password)  # the same work as for a real one
            return False
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The login session's identity: the account and its session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot log in."""
        return bool(self.active)

    @property
    def is_admin(self) -> bool:
        """Administrators may do everything agents do, and manage accounts."""
        return self.role == "admin"
