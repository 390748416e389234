"""The mail channel: outbox messages sent over SMTP (``HELPCENTER_SMTP_URL``), or logged without a server."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .delivery import DeliveryError
from .models import OutboxMessage

log = logging.getLogger(__name__)
CHANNEL = "mail"


@dataclass(frozen=True)
class Mail:
    """A mail to put in the outbox."""

    recipient: str
    subject: str
    body: str
    channel: str = CHANNEL
    payload: dict[str, Any] | None = None


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


def message_id(message: OutboxMessage, sender: str) -> str:
    """The mail's ``Message-ID``: the same at every attempt, so that a receiver can tell a resend from a new mail."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "helpcenter.invalid"
    return f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{domain}>"


class MailChannel:
    """Sends outbox mail over SMTP, or writes it to the log when no server is configured."""

    def __init__(self, smtp: SmtpSettings | None) -> None:
        self.smtp = smtp

    def send(self, message: OutboxMessage) -> None:
        """Send one mail (``DeliveryError`` when the server cannot be reached or refuses it)."""
        smtp = self.smtp
        if smtp is None:
            log.info("mail (no SMTP server configured) to %s: %s\n%s", message.recipient, message.subject, message.body)
            return
        mail = EmailMessage()
        mail["From"] = smtp.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id(message, smtp.sender)
        mail.set_content(message.body)
        try:
            if smtp.tls:
                client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=10, context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=10)
            with client:
                if smtp.starttls:
                    client.starttls(context=ssl.create_default_context())
                if smtp.username:
                    client.login(smtp.username, smtp.password or "")
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            # A 5xx answer is final (no such mailbox); a 4xx one says: try later.
            final = all(code >= 500 for code, _text in exc.recipients.values())
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=final) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
