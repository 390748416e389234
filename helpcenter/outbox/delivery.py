"""Delivering the outbox: each message through its channel, retried with a growing delay.

A channel is anything with ``send(message)`` that raises :class:`DeliveryError`
when the message did not go (``permanent`` when trying again cannot help).
A message is claimed before it is sent, by moving its next attempt forward
in a statement of its own, so that two processes never send it at once; a
message waits while an earlier one of the same ticket on the same channel
is pending, so that a ticket's messages arrive in the order they were made.

A message goes at least once, and once unless its sender dies between the
receiver's acceptance and the record of it (a mail then keeps its
Message-ID).  A database lost meanwhile (a failover) is no such case: the
claim and the record are written again on a new connection, to the new
primary, while the claim keeps the message from other senders.  A message
whose sender died holding it goes when the claim lapses.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import exists, select, true, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased, sessionmaker

from helpcenter.db import database, utcnow

from .models import OutboxMessage

log = logging.getLogger(__name__)

#: How long a claimed message is left to its sender before another may try.
#: It outlasts a send (SMTP operations time out after 10 s) and
#: DATABASE_PATIENCE, and it is how late a message goes when its sender died
#: holding it.
CLAIM = dt.timedelta(minutes=1)
#: How long a sender keeps trying to reach the database (a failover) to
#: claim a message or record what became of it.
DATABASE_PATIENCE = dt.timedelta(seconds=30)
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
    while tried < limit:
        with sessions() as session:
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
            outcomes.append(_deliver_one(sessions, channels, message_id, planned, now))
        sent += outcomes.count(SENT)
        if SENT not in outcomes and ABANDONED not in outcomes:
            break  # nothing settled: what waits for these waits for their retries
    return sent


def _deliver_one(
    sessions: sessionmaker, channels: Mapping[str, Channel], message_id: int, planned: dt.datetime, now: dt.datetime
) -> str:
    """Claim and send one message: :data:`SENT`, :data:`ABANDONED`, :data:`RETRY` or :data:`BUSY` (claimed elsewhere).

    The claim, and then what became of the message, are each written in a
    transaction of their own that outlives a failover (:func:`_lasting`).
    """
    claim = now + CLAIM
    message = _lasting(sessions, partial(_claim, message_id=message_id, planned=planned, claim=claim))
    if message is None:
        return BUSY  # another process has it
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
    _lasting(sessions, partial(_record, message=message, claim=claim))
    if message.sent_at is not None:
        return SENT
    return ABANDONED if message.abandoned_at is not None else RETRY


def _claim(session: Session, message_id: int, planned: dt.datetime, claim: dt.datetime) -> OutboxMessage | None:
    """Claim a message until ``claim``, unless another process did; the message, or None.

    Claiming again with the same ``claim`` succeeds: a claim whose commit
    was lost with its connection may have been written all the same.
    """
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at.in_((planned, claim)),
        )
        .values(next_attempt_at=claim)
    ).rowcount
    return session.get(OutboxMessage, message_id) if claimed else None


def _record(session: Session, message: OutboxMessage, claim: dt.datetime) -> None:
    """Write what became of a claimed message: sent, whoever holds it now; not sent, while the claim is still ours."""
    still_ours = true() if message.sent_at else OutboxMessage.next_attempt_at == claim
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.sent_at.is_(None), still_ours)
        .values(
            attempts=message.attempts,
            sent_at=message.sent_at,
            last_error=message.last_error,
            next_attempt_at=message.next_attempt_at,
            abandoned_at=message.abandoned_at,
        )
    )


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
