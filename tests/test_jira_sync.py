"""The reconciliation (``helpcenter jira sync``): what the webhooks missed is applied, once, one run at a time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from helpcenter.db import database
from helpcenter.jira.models import JiraState
from helpcenter.jobs import JobRunner, job_lock
from helpcenter.library import current_policies
from helpcenter.tickets.models import Ticket, TicketMessage

from .jsm_standin import AGENT
from .test_jira_outbound import change, deliver, file, ticket
from .test_jira_webhook import TUESDAY_AFTERNOON, by_key, post


def sync(app):
    return app.test_cli_runner().invoke(args=["jira", "sync"])


def messages(app) -> int:
    with database(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(TicketMessage))


def test_requests_comments_and_changes_the_webhooks_missed_are_applied_once(jira_app, jsm):
    jsm.raise_in_portal("Missed one", "Raised while the webhook was lost", priority="High", created=TUESDAY_AFTERNOON)
    jsm.raise_in_portal("Missed two", "Another one", request_type="12")
    jsm.comment_as("SUP-1", "Answered in Jira")
    jsm.comment_as("SUP-1", "Internal remark", public=False)
    jsm.comment_as("SUP-2", "Thanks for the idea", author=jsm.customer("paul@example.org"))
    jsm.set_priority_as("SUP-1", "Low")
    jsm.transition_as("SUP-2", "Resolved")
    result = sync(jira_app)
    assert result.exit_code == 0, result.output
    assert "2 requests seen, 2 tickets created, 3 comments applied" in result.output
    first, second = by_key(jira_app, "SUP-1"), by_key(jira_app, "SUP-2")
    assert first.created_at == TUESDAY_AFTERNOON and first.priority == "low"
    assert first.first_response_due == TUESDAY_AFTERNOON + dt.timedelta(hours=2), "recomputed for Low"
    assert [(m.author, m.internal, m.body) for m in first.messages] == [
        ("customer", False, "Raised while the webhook was lost"),
        ("staff", False, "Answered in Jira"),
        ("staff", True, "Internal remark"),
    ]
    assert first.first_response_at is not None
    assert second.category == "improvement" and second.status == "resolved"
    assert [m.author for m in second.messages] == ["customer", "customer"]

    before = messages(jira_app)
    again = sync(jira_app)
    assert "0 tickets created, 0 comments applied" in again.output and messages(jira_app) == before
    # The webhooks, arriving late after all, change nothing either.
    for event in jsm.events:
        assert post(jira_app, jsm, event).get_json()["outcome"] in ("known", "unchanged", "own")
    assert messages(jira_app) == before
    with database(jira_app).sessions() as session:
        assert session.get(JiraState, "last_sync").value


def test_a_change_the_help_centre_has_not_sent_yet_is_not_undone(jira_app, jsm):
    reference = file(jira_app, priority="average")
    deliver(jira_app)
    jsm.stop()
    from helpcenter.tickets.operations import set_priority

    with jira_app.app_context():
        change(jira_app, reference, set_priority, "high", current_policies(), actor="alex")
    jsm.start()
    sync(jira_app)
    assert ticket(jira_app, reference).priority == "high", "kept until it is sent"
    jsm.set_priority_as("SUP-1", "Low", by=AGENT)
    deliver(jira_app, later=dt.timedelta(hours=1))
    assert jsm.requests["SUP-1"].priority == "High", "the help centre's change went out in its turn"


def test_one_run_at_a_time(jira_app, jsm):
    with job_lock(jira_app, "jira-sync") as held:
        assert held
        result = sync(jira_app)
    assert "Another server is reconciling" in result.output and not jsm.calls


def test_the_reconciliation_is_a_periodic_job(jira_app, jsm):
    jsm.raise_in_portal("Via the job", "…")
    results = JobRunner(jira_app).run_due(every_job=True)
    assert str(results["jira-sync"]).startswith("1 requests seen, 1 tickets created")
    with database(jira_app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_without_jira_the_command_says_so(app):
    result = sync(app)
    assert result.exit_code != 0 and "HELPCENTER_JIRA_URL" in result.output


def test_jira_down_is_a_clear_error(jira_app, jsm):
    jsm.stop()
    result = sync(jira_app)
    assert result.exit_code == 1 and "could not be reached" in result.output
    jsm.start()


def test_the_files_of_a_comment_the_webhooks_missed_are_fetched_too(jira_app, jsm):
    file(jira_app)
    deliver(jira_app)
    log = b"gateway: reconnected\n"
    jsm.comment_as("SUP-1", "The trace you asked for.", files=(("gateway.log", log, "text/plain"),))
    assert "1 comments applied" in sync(jira_app).output
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    with database(jira_app).sessions() as session:
        answer = session.scalars(select(TicketMessage).order_by(TicketMessage.id.desc())).first()
        assert answer.body.startswith("The trace you asked for.")
        assert [(a.filename, a.size) for a in answer.attachments] == [("gateway.log", len(log))]
