"""Sign-in sessions kept on the server, so that signing out, a time limit or a disabled account ends them.

A browser holds only a random token; the database keeps its hash, whose
session it is (a staff account or a customer's address), when it began and
when it was last used.  A session is live while it has not been ended, is
younger than its lifetime and was used within its idle limit: a copied
cookie opens nothing once its session is over, however it is replayed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from helpcenter.db import Base, UtcDateTime, utcnow
from helpcenter.tokens import hash_token, new_token

STAFF = "staff"
CUSTOMER = "customer"
#: Last use is written at most this often (a write per request would cost every page).
TOUCH_EVERY = dt.timedelta(minutes=1)


class LoginSession(Base):
    """One signed-in browser: staff (``subject`` is the account id) or customer (the address)."""

    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_subject", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


def open_session(db: Session, kind: str, subject: str, *, now: dt.datetime | None = None) -> str:
    """Begin a session for ``subject`` and return its token (never stored; only its hash is)."""
    now = now or utcnow()
    token, token_hash = new_token(32)
    db.add(LoginSession(token_hash=token_hash, kind=kind, subject=subject, created_at=now, last_seen_at=now))
    db.commit()
    return token


def live_session(
    db: Session,
    token: str | None,
    kind: str,
    *,
    lifetime: dt.timedelta,
    idle: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> LoginSession | None:
    """The live session of ``token``, its use recorded; None when it is unknown, ended, too old or idle too long.

    A session past its limits is ended on the way, so that it stays over.
    """
    if not token:
        return None
    now = now or utcnow()
    row = db.scalars(select(LoginSession).filter_by(token_hash=hash_token(token), kind=kind)).first()
    if row is None or row.ended_at is not None:
        return None
    if now - row.created_at > lifetime or (idle is not None and now - row.last_seen_at > idle):
        row.ended_at = now
        db.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.commit()
    return row


def end_session(db: Session, token: str | None, *, now: dt.datetime | None = None) -> None:
    """End the session of ``token`` (nothing happens for an unknown one)."""
    if token:
        db.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
            .values(ended_at=now or utcnow())
        )
        db.commit()


def end_sessions(db: Session, kind: str, subject: str, *, now: dt.datetime | None = None) -> None:
    """End every session of ``subject`` (a disabled account, a new password), in the caller's transaction."""
    db.execute(
        update(LoginSession)
        .where(LoginSession.kind == kind, LoginSession.subject == subject, LoginSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )
