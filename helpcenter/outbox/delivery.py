"""Delivering the outbox: each message through its channel, retried with a growing delay.

A channel is anything with ``send(message)`` that raises :class:`DeliveryError`
when the message did not go (``permanent`` when trying again cannot help).
A message is claimed before it is sent, by moving its next attempt forward
in a statement of its own, so that two processes never send it at once; a
message waits while an earlier one of the same ticket on the same channel
is pending, so that a ticket's messages arrive in the order they were made.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased, sessionmaker

from helpcenter.db import database, utcnow

from .models import OutboxMessage

log = logging.getLogger(__name__)

#: How long a claimed message is left to its sender before another may try.
CLAIM = dt.timedelta(minutes=5)
MAX_DELAY = dt.timedelta(hours=1)
#: After this many failed attempts (more than a day of retries) a message is given up, and logged.
MAX_ATTEMPTS = 30
SENT, ABANDONED, RETRY, BUSY = "sent", "abandoned", "retry", "busy"


class DeliveryError(Exception):
    """A message did not go; ``permanent`` when trying again cannot help (it is then given up)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    """A way out of the help centre (mail, a webhook, a remote service)."""

    def send(self, message: OutboxMessage) -> None:
        """Deliver ``message``, or raise :class:`DeliveryError`."""


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after a failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(0, attempts - 1)), MAX_DELAY)


def _waits_for_an_earlier_one(message: OutboxMessage):
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.ticket_id == message.ticket_id,
        earlier.channel == message.channel,
        earlier.id < message.id,
        earlier.sent_at.is_(None),
        earlier.abandoned_at.is_(None),
    )


def deliver_pending(
    sessions: sessionmaker, channels: Mapping[str, Channel], *, now: dt.datetime | None = None, limit: int = 100
) -> int:
    """Send the messages that are due on the given channels (at most ``limit``); returns how many were sent.

    A message that waited for an earlier one of its ticket goes in the same
    call once that one is sent.
    """
    now = now or utcnow()
    sent = tried = 0
    with sessions() as session:
        while tried < limit:
            due = session.execute(
                select(OutboxMessage.id, OutboxMessage.next_attempt_at)
                .where(
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.abandoned_at.is_(None),
                    OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.channel.in_(list(channels)),
                    OutboxMessage.ticket_id.is_(None) | ~_waits_for_an_earlier_one(OutboxMessage),
                )
                .order_by(OutboxMessage.id)
                .limit(limit - tried)
            ).all()
            if not due:
                break
            outcomes = []
            for message_id, planned in due:
                tried += 1
                outcomes.append(_deliver_one(session, channels, message_id, planned, now))
            sent += outcomes.count(SENT)
            if SENT not in outcomes and ABANDONED not in outcomes:
                break  # nothing settled: what waits for these waits for their retries
    return sent


def _deliver_one(
    session, channels: Mapping[str, Channel], message_id: int, planned: dt.datetime, now: dt.datetime
) -> str:
    """Claim and send one message: :data:`SENT`, :data:`ABANDONED`, :data:`RETRY` or :data:`BUSY` (claimed elsewhere)."""
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id, OutboxMessage.next_attempt_at == planned, OutboxMessage.sent_at.is_(None)
        )
        .values(next_attempt_at=now + CLAIM)
    ).rowcount
    session.commit()
    if not claimed:
        return BUSY  # another process has it
    message = session.get(OutboxMessage, message_id)
    message.attempts += 1
    try:
        channels[message.channel].send(message)
    except DeliveryError as exc:
        _failed(message, str(exc), exc.permanent, now)
    except Exception as exc:  # a fault in a channel must not stop the others: retried like any failure
        log.exception("outbox message %s (%s) raised", message.id, message.channel)
        _failed(message, f"{type(exc).__name__}: {exc}", False, now)
    else:
        message.sent_at, message.last_error = utcnow(), ""
    session.commit()
    if message.sent_at is not None:
        return SENT
    return ABANDONED if message.abandoned_at is not None else RETRY


def _failed(message: OutboxMessage, error: str, permanent: bool, now: dt.datetime) -> None:
    message.last_error = error[:2000]
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.abandoned_at = now
        log.error("outbox message %s (%s) to %s given up: %s", message.id, message.channel, message.recipient, error)
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
        log.warning(
            "outbox message %s (%s) to %s not sent (attempt %s): %s",
            message.id,
            message.channel,
            message.recipient,
            message.attempts,
            error,
        )


def register_channel(app: Flask, name: str, channel: Channel) -> None:
    """Make ``channel`` deliver the app's messages named ``name``."""
    app.extensions.setdefault("helpcenter.channels", {})[name] = channel


def channels(app: Flask | None = None) -> dict[str, Channel]:
    """The app's channels, by name."""
    return (app or current_app).extensions.setdefault("helpcenter.channels", {})


def deliver_in_background(app: Flask) -> None:
    """Send what is due without holding up the request that queued it (the jobs retry the rest)."""
    sessions, ways_out = database(app).sessions, channels(app)

    def run() -> None:
        try:
            deliver_pending(sessions, ways_out)
        except Exception:  # the messages stay in the outbox for the next attempt
            log.exception("outbox delivery failed")

    thread = threading.Thread(target=run, name="outbox-delivery", daemon=True)
    thread.start()
    app.extensions["helpcenter.delivery_thread"] = thread  # tests wait for it
