"""State changes of staff accounts, shared by the console and the command line.

Creating an account, logging in, password resets, roles and disabling.
Every change that should end an account's sessions does so at once: the
account's session version moves on (its identity in a login cookie) and its
server-side sessions are ended.
"""

from __future__ import annotations

import datetime as dt
import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpcenter.db import utcnow
from helpcenter.login_sessions import STAFF, end_sessions
from helpcenter.tokens import hash_token, new_token

from .models import StaffUser, decoy_hash
from .roles import ROLES

MIN_PASSWORD_LENGTH = 12
#: How long a password-reset link (or a new account's first link) works.
RESET_VALID = dt.timedelta(hours=24)


class AccountError(ValueError):
    """An account cannot be changed as asked; ``reason`` names why, the message says it in English.

    Reasons: ``invalid_email``, ``invalid_role``, ``short_password``,
    ``exists``, ``last_admin``, ``own_account``, ``invalid_link``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def create_staff(session: Session, *, email: str, name: str, role: str, password: str | None) -> StaffUser:
    """Create a staff account: with a password (hashed), or with none until its owner sets one."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(char.isspace() for char in email):
        raise AccountError("invalid_email", f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError("invalid_role", f"role must be one of {', '.join(ROLES)}")
    if password is not None:
        check_password_rules(password)
    if find_staff(session, email) is not None:
        raise AccountError("exists", f"an account for {email} exists already")
    user = StaffUser(email=email, name=name.strip() or email.split("@")[0], role=role, session_version=0)
    if password is None:
        user.forget_password()
    else:
        user.set_password(password)
    session.add(user)
    session.commit()
    return user


def check_password_rules(password: str) -> None:
    """Refuse a password that is too short (``AccountError``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("short_password", f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def find_staff(session: Session, email: str) -> StaffUser | None:
    """The account with this e-mail address, if any."""
    return session.scalars(select(StaffUser).filter_by(email=email.strip().lower())).first()


def authenticate(session: Session, email: str, password: str, *, now: dt.datetime | None = None) -> StaffUser | None:
    """The active account with this address and password, its login recorded; None otherwise.

    An unknown address costs the same password check as a known one, so
    that the time of an answer does not tell which addresses have accounts.
    """
    user = find_staff(session, email)
    if user is None:
        StaffUser(password_hash=decoy_hash()).check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = now or utcnow()
    session.commit()
    return user


def _end_all_sessions(session: Session, user: StaffUser, now: dt.datetime) -> None:
    user.session_version = (user.session_version or 0) + 1
    end_sessions(session, STAFF, str(user.id), now=now)


def start_password_reset(session: Session, user: StaffUser, *, now: dt.datetime | None = None) -> str:
    """Forget the account's password, end its sessions, and return the token of its reset link.

    Only the token's hash is kept; the link works once, for :data:`RESET_VALID`.
    """
    now = now or utcnow()
    token, user.reset_token_hash = new_token(32)
    user.forget_password()
    user.reset_expires_at = now + RESET_VALID
    _end_all_sessions(session, user, now)
    session.commit()
    return token


def account_of_reset(session: Session, token: str, *, now: dt.datetime | None = None) -> StaffUser | None:
    """The account whose reset link carries ``token``, while the link works; None otherwise."""
    if not token or len(token) > 100:
        return None
    user = session.scalars(select(StaffUser).filter_by(reset_token_hash=hash_token(token))).first()
    if user is None or user.reset_expires_at is None or (now or utcnow()) > user.reset_expires_at:
        return None
    # Found by its hash already; compared again so that the check does not hinge on the index alone.
    return user if hmac.compare_digest(user.reset_token_hash, hash_token(token)) else None


def reset_password(session: Session, token: str, password: str, *, now: dt.datetime | None = None) -> StaffUser:
    """Set a new password through a reset link, which then stops working (``AccountError`` otherwise)."""
    now = now or utcnow()
    user = account_of_reset(session, token, now=now)
    if user is None:
        raise AccountError("invalid_link", "this password link has expired or was used already")
    check_password_rules(password)
    user.set_password(password)
    user.reset_token_hash = None
    user.reset_expires_at = None
    _end_all_sessions(session, user, now)
    session.commit()
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).where(StaffUser.role == "admin", StaffUser.active.is_(True))) or 0


def set_role(session: Session, user: StaffUser, role: str, *, by: StaffUser) -> StaffUser:
    """Change an account's role; an administrator cannot demote themselves (someone must stay admin)."""
    if role not in ROLES:
        raise AccountError("invalid_role", f"role must be one of {', '.join(ROLES)}")
    if user.id == by.id and role != user.role:
        raise AccountError("own_account", "administrators cannot change their own role")
    user.role = role
    session.commit()
    return user


def set_active(
    session: Session, user: StaffUser, active: bool, *, by: StaffUser, now: dt.datetime | None = None
) -> StaffUser:
    """Enable or disable an account; disabling ends its sessions at once."""
    if user.id == by.id and not active:
        raise AccountError("own_account", "administrators cannot disable their own account")
    if not active and user.role == "admin" and user.active and _active_admins(session) <= 1:
        raise AccountError("last_admin", "the last active administrator cannot be disabled")
    if user.active and not active:
        _end_all_sessions(session, user, now or utcnow())
    user.active = active
    session.commit()
    return user
