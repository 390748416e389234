"""On-call paging and warnings before breach: the SLA carries the team, not only measures it.

- :mod:`.models`: one row per page, acknowledgement and warning sent;
- :mod:`.queries`: which tickets page (:func:`.queries.paging_rule`), what a ticket's page shows;
- :mod:`.operations`: page a ticket, acknowledge a page, warn about a target (one transaction each);
- :mod:`.notifications`: on-call contacts, and what pages and warnings say;
- :mod:`.webhook`: the signed webhook channel;
- :mod:`.routes`: the acknowledgement page.

Paging and warnings are periodic jobs (``helpcenter jobs run``); their
messages go through the outbox, so a mail server or receiver that is down
delays them and loses none.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from flask import Flask, current_app

from helpcenter.db import database
from helpcenter.jobs import Job, job_request_context, register_job
from helpcenter.library import current_policies
from helpcenter.outbox import MAIL, channels, register_channel

from .notifications import STAFF_MAIL, oncall_contacts, page_messages, warning_messages, warning_recipients
from .operations import page_due_tickets, warn_due_targets
from .webhook import CHANNEL as WEBHOOK
from .webhook import WebhookChannel

#: How often the jobs look: a page goes out within this of a ticket's arrival (and the outbox's few seconds).
PAGING_EVERY = dt.timedelta(seconds=20)
WARNINGS_EVERY = dt.timedelta(minutes=1)


def run_paging(app: Flask, now: dt.datetime) -> int:
    """The paging job: page on-call about every ticket whose next page is due."""
    with job_request_context(app):
        contacts = oncall_contacts()
        if not contacts.reachable:
            return 0
        return page_due_tickets(
            database(app).sessions, repeat=contacts.repeat, compose=partial(page_messages, contacts=contacts), now=now
        )


def run_warnings(app: Flask, now: dt.datetime) -> int:
    """The warnings job: warn about every open target past its share of time, or breached."""
    with job_request_context(app):
        policies, contacts = current_policies(), oncall_contacts()
        helpdesk = current_app.config["HELPDESK_EMAIL"]

        def compose(ticket, target, threshold):
            recipients = warning_recipients(ticket, contacts, helpdesk, now)
            return warning_messages(ticket, target, threshold, recipients, policies.warning_share)

        return warn_due_targets(database(app).sessions, policies, compose=compose, now=now)


def init_app(app: Flask) -> None:
    """The channels (staff mail beside the customers', the signed webhook) and the paging and warnings jobs.

    Needs the outbox's mail channel registered first.
    """
    register_channel(app, STAFF_MAIL, channels(app)[MAIL])
    register_channel(app, WEBHOOK, WebhookChannel(app.config.get("ONCALL_WEBHOOK_SECRET")))
    register_job(app, Job("oncall-pages", PAGING_EVERY, run_paging))
    register_job(app, Job("sla-warnings", WARNINGS_EVERY, run_warnings))
