"""Outgoing mail: an outbox written with the change that causes it, delivered and retried apart.

A mail is a row of ``outbox_mail`` added in the same transaction as, say, the
ticket it confirms, so that either both exist or neither does.  Delivery
happens afterwards, over SMTP when ``HELPCENTER_SMTP_URL`` is set (logged
otherwise); a server that is down leaves the mail pending, to be retried with
a growing delay.  Several processes may deliver at once: each claims a mail
by moving its next attempt forward before sending it.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app
from sqlalchemy import ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from helpcenter.db import Base, UtcDateTime, database, utcnow

log = logging.getLogger(__name__)

CLAIM = dt.timedelta(minutes=5)
MAX_DELAY = dt.timedelta(hours=1)


class OutboxMail(Base):
    """A mail waiting to be sent, or sent."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Mail:
    """A mail to put in the outbox."""

    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: ``smtp://user:password@host:port?starttls=true`` or ``smtps://…``."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    starttls: bool
    sender: str

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpSettings:
        """Read the settings from ``HELPCENTER_SMTP_URL``."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"HELPCENTER_SMTP_URL must look like smtp://host:port, got {url!r}")
        options = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=parts.scheme == "smtps",
            starttls=options.get("starttls") in ("1", "true", "yes"),
            sender=sender,
        )


def enqueue(session: Session, mail: Mail, *, ticket_id: int | None = None) -> OutboxMail:
    """Add a mail to the outbox in the caller's transaction (the caller commits)."""
    row = OutboxMail(recipient=mail.recipient, subject=mail.subject, body=mail.body, ticket_id=ticket_id)
    session.add(row)
    return row


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after a failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(0, attempts - 1)), MAX_DELAY)


def deliver_pending(
    sessions: sessionmaker, smtp: SmtpSettings | None, *, now: dt.datetime | None = None, limit: int = 100
) -> int:
    """Send the mails that are due; returns how many were sent."""
    now = now or utcnow()
    sent = 0
    with sessions() as session:
        due = session.execute(
            select(OutboxMail.id, OutboxMail.next_attempt_at)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.id)
            .limit(limit)
        ).all()
        for mail_id, planned in due:
            claimed = session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id, OutboxMail.next_attempt_at == planned, OutboxMail.sent_at.is_(None))
                .values(next_attempt_at=now + CLAIM)
            ).rowcount
            session.commit()
            if not claimed:
                continue  # another process has it
            mail = session.get(OutboxMail, mail_id)
            mail.attempts += 1
            try:
                _send(mail, smtp)
            except (OSError, smtplib.SMTPException) as exc:
                mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                mail.next_attempt_at = now + retry_delay(mail.attempts)
                log.warning("mail %s to %s not sent (attempt %s): %s", mail.id, mail.recipient, mail.attempts, exc)
            else:
                mail.sent_at, mail.last_error = utcnow(), ""
                sent += 1
            session.commit()
    return sent


def _send(mail: OutboxMail, smtp: SmtpSettings | None) -> None:
    if smtp is None:
        log.info("mail (no SMTP server configured) to %s: %s\n%s", mail.recipient, mail.subject, mail.body)
        return
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}")
    message.set_content(mail.body)
    if smtp.tls:
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=10, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=10)
    with client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(message)


def smtp_settings(app: Flask | None = None) -> SmtpSettings | None:
    """The app's SMTP settings, or None to log mail instead."""
    config = (app or current_app).config
    url = config.get("SMTP_URL")
    return SmtpSettings.from_url(url, config["HELPDESK_EMAIL"]) if url else None


def deliver_in_background(app: Flask) -> None:
    """Send what is due without holding up the request that queued it."""
    sessions, smtp = database(app).sessions, smtp_settings(app)

    def run() -> None:
        try:
            deliver_pending(sessions, smtp)
        except Exception:  # the mail stays in the outbox for the next attempt
            log.exception("mail delivery failed")

    thread = threading.Thread(target=run, name="mail-delivery", daemon=True)
    thread.start()
    app.extensions["helpcenter.mail_thread"] = thread  # tests wait for it
