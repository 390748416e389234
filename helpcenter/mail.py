"""Outgoing mail: an outbox written with the change that causes it, delivered and retried apart.

A mail is a row of ``outbox_mail`` added in the same transaction as, say, the
ticket it confirms, so that either both exist or neither does.  Delivery
happens afterwards, over SMTP when ``HELPCENTER_SMTP_URL`` is set (logged
otherwise); a server that is down leaves the mail pending, to be retried with
a growing delay.  Several processes may deliver at once: each claims a mail
by moving its next attempt forward before sending it.

A mail goes at least once, and once unless a sender dies between the SMTP
server's acceptance and the record of it.  A database lost meanwhile (a
failover) is no such case: the claim and the record are written again on a
new connection, to the new primary, while the claim keeps the mail from
other senders.  A mail sent twice keeps its Message-ID, so that its
receiver can tell.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import ForeignKey, Integer, String, Text, select, true, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from helpcenter.db import Base, UtcDateTime, database, utcnow

log = logging.getLogger(__name__)

#: How long a claimed mail is left to its sender.  It outlasts a send (SMTP
#: operations time out after 10 s) and DATABASE_PATIENCE, and it is how late
#: a mail goes when its sender died holding it.
CLAIM = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(hours=1)
#: How long a sender keeps trying to reach the database (a failover) to
#: claim a mail or record its outcome.
DATABASE_PATIENCE = dt.timedelta(seconds=30)


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


def deliver_pending(sessions: sessionmaker, smtp: SmtpSettings | None, *, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Send the mails that are due; returns how many were sent."""
    now = now or utcnow()
    with sessions() as session:
        due = session.execute(
            select(OutboxMail.id, OutboxMail.next_attempt_at)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.id)
            .limit(limit)
        ).all()
    sent = 0
    for mail_id, planned in due:
        claim = now + CLAIM
        mail = _lasting(sessions, lambda session: _claim(session, mail_id, planned, claim))
        if mail is None:
            continue  # another process has it
        attempts = mail.attempts + 1
        try:
            _send(mail, smtp)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail %s to %s not sent (attempt %s): %s", mail.id, mail.recipient, attempts, exc)
            outcome = {"last_error": f"{type(exc).__name__}: {exc}"[:2000], "next_attempt_at": now + retry_delay(attempts)}
            still_ours = OutboxMail.next_attempt_at == claim
        else:
            outcome = {"sent_at": utcnow(), "last_error": ""}
            still_ours = true()  # sent is sent, whoever holds the claim now
            sent += 1
        record = update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None), still_ours)
        _lasting(sessions, lambda session: session.execute(record.values(attempts=attempts, **outcome)))
    return sent


def _claim(session: Session, mail_id: int, planned: dt.datetime, claim: dt.datetime) -> OutboxMail | None:
    """Claim a mail until ``claim``, unless another process did; the mail, or None.

    Claiming again with the same ``claim`` succeeds: a claim whose commit
    was lost with its connection may have been written all the same.
    """
    claimed = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at.in_((planned, claim)))
        .values(next_attempt_at=claim)
    ).rowcount
    return session.get(OutboxMail, mail_id) if claimed else None


def _lasting(sessions: sessionmaker, work: Callable[[Session], object]):
    """Run ``work`` in a transaction of its own, again on a new connection while the database is unreachable.

    What ``work`` writes must be the same however many times it is written.
    Gives up (raises) after :data:`DATABASE_PATIENCE`.
    """
    deadline = time.monotonic() + DATABASE_PATIENCE.total_seconds()
    for attempt in itertools.count(1):
        try:
            with sessions.begin() as session:
                return work(session)
        except OperationalError as exc:
            if time.monotonic() > deadline:
                raise
            if attempt == 1:
                log.warning("database unreachable, trying again for up to %s: %s", DATABASE_PATIENCE, exc.orig)
            time.sleep(0.5)


def _send(mail: OutboxMail, smtp: SmtpSettings | None) -> None:
    if smtp is None:
        log.info("mail (no SMTP server configured) to %s: %s\n%s", mail.recipient, mail.subject, mail.body)
        return
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    # The same on every attempt: a mail sent again is recognisably the same mail.
    domain = smtp.sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<outbox-{mail.id}.{mail.created_at:%Y%m%d%H%M%S%f}@{domain}>"
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
        except Exception:  # noqa: BLE001 - mail stays in the outbox for the next attempt
            log.exception("mail delivery failed")

    thread = threading.Thread(target=run, name="mail-delivery", daemon=True)
    thread.start()
    app.extensions["helpcenter.mail_thread"] = thread  # tests wait for it


mail_cli = AppGroup("mail", help="Send the mail in the outbox.")


@mail_cli.command("send")
def send_command() -> None:
    """Send the mail that is due (run it from cron or a timer to retry failures)."""
    sent = deliver_pending(database().sessions, smtp_settings())
    click.echo(f"{sent} mail sent.")


def init_app(app: Flask) -> None:
    """Register the mail command."""
    app.cli.add_command(mail_cli)
