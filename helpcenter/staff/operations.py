"""State changes of staff accounts, shared by the console and the command line: create, log in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpcenter.db import utcnow

from .models import ROLES, StaffUser

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


def create_staff(session: Session, *, email: str, name: str, role: str, password: str) -> StaffUser:
    """Create a staff account with a hashed password."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if find_staff(session, email) is not None:
        raise AccountError(f"an account for {email} exists already")
    user = StaffUser(email=email, name=name.strip() or email.split("@")[0], role=role, session_version=0)
    user.set_password(password)
    session.add(user)
    session.commit()
    return user


def find_staff(session: Session, email: str) -> StaffUser | None:
    """The account with this e-mail address, if any."""
    return session.scalars(select(StaffUser).filter_by(email=email.strip().lower())).first()


def authenticate(session: Session, email: str, password: str, *, now: dt.datetime | None = None) -> StaffUser | None:
    """The active account with this address and password, its login recorded; None otherwise."""
    user = find_staff(session, email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = now or utcnow()
    session.commit()
    return user
