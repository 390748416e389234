"""The reconciliation: what the webhooks missed, fetched from JSM and applied (``helpcenter jira sync``).

It searches the service desk's project for requests updated since the
last run (with a few minutes of overlap), brings each one's ticket in step
(a request without a ticket gets one; status and priority follow) and
applies the comments no ticket has yet.  Everything it applies is
recognised when it comes again, so overlapping runs, and webhooks that
arrive late, change nothing twice.  It runs as the periodic job
``jira-sync`` (one server at a time) and from the command line under the
same lock.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import Flask

from helpcenter.db import database, utcnow
from helpcenter.library import current_policies

from .client import JsmClient
from .inbound import comment_from_servicedesk, parse_instant, request_from_issue
from .operations import (
    LAST_SYNC,
    comment_known,
    forget_old,
    reconcile_comment,
    reconcile_request,
    remember,
    state,
    ticket_for_key,
)
from .settings import jira_settings

SYNC_JOB = "jira-sync"
SYNC_EVERY = dt.timedelta(minutes=10)
#: How far back the first run looks.
FIRST_LOOK_BACK = dt.timedelta(days=1)
#: Runs overlap by this much: a request updated while the last one ran is seen again.
OVERLAP = dt.timedelta(minutes=5)
BASE_FIELDS = ["summary", "description", "status", "priority", "reporter", "created", "updated"]


@dataclass
class SyncReport:
    """What a run saw and did."""

    requests: int = 0
    tickets_created: int = 0
    comments_applied: int = 0

    def __str__(self) -> str:
        return (
            f"{self.requests} requests seen, {self.tickets_created} tickets created, "
            f"{self.comments_applied} comments applied"
        )


def synchronise(app: Flask, *, now: dt.datetime | None = None) -> SyncReport:
    """Apply what changed in JSM since the last run; the caller holds the ``jira-sync`` lock."""
    settings = jira_settings(app)
    report = SyncReport()
    if settings is None:
        return report
    started = now or utcnow()
    client = JsmClient(settings)
    try:
        with app.app_context(), database(app).sessions() as session:
            policies = current_policies()
            since = parse_instant(state(session, LAST_SYNC)) or started - FIRST_LOOK_BACK
            minutes = math.ceil(max((started - since + OVERLAP).total_seconds(), 60) / 60)
            project = client.service_desk(settings.service_desk)["projectKey"]
            jql = f'project = "{project}" AND updated >= "-{minutes}m" ORDER BY updated ASC'
            fields = [*BASE_FIELDS, settings.mapping.request_type_field]
            fields += [mapped.id for mapped in settings.mapping.fields.values() if mapped.id not in fields]
            for issue in client.search(jql, fields):
                request = request_from_issue(issue, settings.mapping)
                if request is None:
                    continue
                report.requests += 1
                known = ticket_for_key(session, request.key) is not None
                ticket = reconcile_request(session, settings, request, policies, now=started)
                if ticket is None:
                    continue
                report.tickets_created += int(not known)
                for raw in client.comments(request.key):
                    found = comment_from_servicedesk(raw)
                    if found is None or comment_known(session, found.id):
                        continue
                    if reconcile_comment(session, settings, ticket, found, now=started) in (
                        "reply",
                        "note",
                        "customer_message",
                    ):
                        report.comments_applied += 1
            forget_old(session, now=started)
            remember(session, LAST_SYNC, started.isoformat())
    finally:
        client.close()
    return report
