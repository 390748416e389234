"""Everything that leaves the help centre: written with the change that causes it, delivered apart.

A message (a mail, a webhook call, a call to a remote service) is a row of
the ``outbox`` table added in the same transaction as, say, the ticket it
confirms, so that either both exist or neither does.  Delivery happens
afterwards, through the channel the message names (:mod:`.mail` for mail;
other features register theirs): a receiver that is down leaves the message
pending, retried with a growing delay, so nothing is lost and nothing waits
for it.  Several processes may deliver at once: each claims a message before
sending it.  Messages of one ticket on one channel go out in order.

- :mod:`.models`: the table;
- :mod:`.operations`: :func:`enqueue`, in the caller's transaction;
- :mod:`.delivery`: :func:`deliver_pending`, the channels and their retries;
- :mod:`.mail`: the mail channel (SMTP, or the log without a server).
"""

import datetime as dt

from flask import Flask

from helpcenter.db import database
from helpcenter.jobs import Job, register_job

from .delivery import Channel, DeliveryError, channels, deliver_in_background, deliver_pending, register_channel
from .mail import CHANNEL as MAIL
from .mail import Mail, MailChannel, SmtpSettings
from .models import OutboxMessage
from .operations import Outgoing, enqueue

#: The jobs runner delivers what is due this often (a request also starts a delivery right after it).
DELIVERY_EVERY = dt.timedelta(seconds=5)

__all__ = [
    "Channel",
    "DeliveryError",
    "Mail",
    "OutboxMessage",
    "Outgoing",
    "SmtpSettings",
    "channels",
    "deliver_in_background",
    "deliver_pending",
    "enqueue",
    "register_channel",
]


def init_app(app: Flask) -> None:
    """Deliver mail (over ``HELPCENTER_SMTP_URL``, else to the log), and deliver the outbox as a periodic job."""
    url = app.config.get("SMTP_URL")
    register_channel(app, MAIL, MailChannel(SmtpSettings.from_url(url, app.config["HELPDESK_EMAIL"]) if url else None))

    def deliver(app: Flask, now: dt.datetime) -> int:
        return deliver_pending(database(app).sessions, channels(app), now=now)

    register_job(app, Job("outbox", DELIVERY_EVERY, deliver))
