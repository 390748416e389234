"""Jira Service Management as a second channel, kept in step both ways (off unless ``HELPCENTER_JIRA_URL`` is set).

- :mod:`.settings`: the site, its credentials and the TOML mapping, checked at start;
- :mod:`.client`: the few REST calls made, over ``requests``;
- :mod:`.outbound`: :func:`push_change`, what a change of ticket queues in the outbox;
- :mod:`.channel`: the ``jira`` outbox channel that sends it, never twice;
- :mod:`.files`: the files of comments made in Jira, fetched into the attachments store;
- :mod:`.inbound`: what Jira's webhooks and searches say, read into plain values;
- :mod:`.operations`: the changes that arrive from Jira, each one transaction;
- :mod:`.routes`: the signed webhook;
- :mod:`.sync`: the reconciliation (``helpcenter jira sync``, and a periodic job);
- :mod:`.models`: customers, comments, deliveries and waiting events remembered.
"""

from __future__ import annotations

from flask import Flask

from helpcenter.attachments.reading import TicketFiles
from helpcenter.jobs import Job, register_job
from helpcenter.outbox import register_channel

from .channel import AttachmentFiles, JiraChannel
from .outbound import CHANNEL, JiraPush, push_change
from .settings import JiraSettings, jira_settings, load_settings
from .sync import SYNC_EVERY, SYNC_JOB, synchronise

__all__ = [
    "CHANNEL",
    "AttachmentFiles",
    "JiraChannel",
    "JiraPush",
    "JiraSettings",
    "jira_settings",
    "push_change",
    "synchronise",
]


def init_app(app: Flask) -> None:
    """Turn the channel on when ``JIRA_URL`` is set: settings checked, channel, webhook and reconciliation job."""
    settings = load_settings(app.config)
    app.add_template_global(lambda key: settings.browse_url(key) if settings else None, "jira_request_url")
    if settings is None:
        return
    from .routes import bp

    app.extensions["helpcenter.jira"] = settings
    register_channel(app, CHANNEL, JiraChannel(app, settings, files=TicketFiles(app)))
    app.register_blueprint(bp)
    register_job(app, Job(SYNC_JOB, SYNC_EVERY, lambda app, now: synchronise(app, now=now)))
