"""The SMTP server both sites send to: it keeps every mail it is given, per recipient."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    """One delivery of one mail to one recipient."""

    message_id: str
    recipient: str
    subject: str
    body: str
    at: float


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        part = message.get_body(("plain",))
        body = part.get_content() if part is not None else ""
        now = time.monotonic()
        received = [
            ReceivedMail(
                str(message.get("Message-ID", "")), recipient.lower(), str(message.get("Subject", "")), body, now
            )
            for recipient in envelope.rcpt_tos
        ]
        with self.sink.lock:
            self.sink.mails.extend(received)
        return "250 OK"


class MailSink:
    """An SMTP server on a loopback port, recording what it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.mails: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=port)

    @property
    def url(self) -> str:
        """The ``HELPCENTER_SMTP_URL`` of this server."""
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen."""
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def received(self) -> list[ReceivedMail]:
        """Every delivery so far, in order of arrival."""
        with self.lock:
            return list(self.mails)
