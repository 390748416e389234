"""Jira's webhooks: signed events become tickets, replies, notes, customer messages, status and priority changes;
unsigned ones store nothing; replays and the help centre's own changes coming back change nothing twice;
events that arrive before their request wait for it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from helpcenter.db import database, utcnow
from helpcenter.jira.models import JiraDelivery, JiraPendingEvent
from helpcenter.library import current_policies
from helpcenter.outbox import channels, deliver_pending
from helpcenter.tickets.models import Ticket, TicketEvent, TicketMessage
from helpcenter.tickets.operations import first_response_deadline

from .jsm_standin import AGENT
from .test_jira_outbound import deliver, file, ticket

WEBHOOK = "/integrations/jira/webhook"
PARIS = dt.timezone(dt.timedelta(hours=2))
#: Tuesday 12 May 2026, 16:30 in Paris: in business hours.
TUESDAY_AFTERNOON = dt.datetime(2026, 5, 12, 16, 30, tzinfo=PARIS)


def post(app, jsm, event: dict, **signing):
    """Deliver ``event`` to the app's webhook as Jira does (signed)."""
    body, headers = jsm.signed(event, **signing)
    return app.test_client().post(WEBHOOK, data=body, headers=headers)


def count(app, model) -> int:
    with database(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def by_key(app, key: str) -> Ticket:
    with database(app).sessions() as session:
        found = session.scalars(select(Ticket).filter_by(jira_key=key)).one()
        found.messages, found.events  # noqa: B018 - loaded while the session is open
        return found


def test_a_request_raised_in_jira_becomes_a_ticket_with_the_help_centres_deadline(jira_app, jsm):
    event = jsm.raise_in_portal(
        "Lightning map frozen", "The map stopped refreshing.", priority="High", created=TUESDAY_AFTERNOON
    )
    answer = post(jira_app, jsm, event)
    assert answer.status_code == 200 and answer.get_json() == {"outcome": "created"}
    found = by_key(jira_app, "SUP-1")
    assert (found.category, found.priority, found.subject) == ("technical", "high", "Lightning map frozen")
    assert (found.requester_email, found.requester_name) == ("paul@example.org", "Paul Durand")
    assert found.created_at == TUESDAY_AFTERNOON, "the deadline runs from when the request was raised"
    assert found.first_response_due == dt.datetime(2026, 5, 12, 17, 30, tzinfo=PARIS), "1 hour, in business hours"
    assert [m.body for m in found.messages] == ["The map stopped refreshing."]

    assert deliver(jira_app) == 1
    [written] = jsm.requests["SUP-1"].comments
    assert written["public"] is False, "an internal comment, for agents"
    assert found.reference in written["body"]
    assert "within business hours" in written["body"] and "due Tuesday 12 May 2026 17:30 CEST" in written["body"]
    # Jira sends that comment back: it is the help centre's own, and changes nothing.
    assert post(jira_app, jsm, jsm.events[-1]).get_json()["outcome"] in ("known", "own")
    assert len(by_key(jira_app, "SUP-1").messages) == 1


def test_request_types_choose_the_category_and_other_desks_are_ignored(jira_app, jsm):
    post(jira_app, jsm, jsm.raise_in_portal("A question", "How do zones work?", request_type="11"))
    assert by_key(jira_app, "SUP-1").category == "general"
    assert by_key(jira_app, "SUP-1").first_response_due is None, "no committed target for general questions"
    post(jira_app, jsm, jsm.raise_in_portal("Something else", "…", request_type="99"))
    assert by_key(jira_app, "SUP-2").category == "general", "[request_types] others"
    elsewhere = jsm.raise_in_portal("Another desk", "…")
    elsewhere["issue"]["fields"]["customfield_10010"]["requestType"]["serviceDeskId"] = "7"
    assert post(jira_app, jsm, elsewhere).get_json()["outcome"] == "ignored"


@pytest.mark.parametrize(
    "tamper",
    ["no signature", "another secret", "sha1", "body changed", "garbage"],
)
def test_a_webhook_without_a_valid_signature_is_refused_and_nothing_is_stored(jira_app, jsm, tamper):
    event = jsm.raise_in_portal("Forged", "Should not arrive")
    body, headers = jsm.signed(event, secret="not-the-secret" if tamper == "another secret" else None)
    if tamper == "no signature":
        del headers["X-Hub-Signature"]
    elif tamper == "sha1":
        headers["X-Hub-Signature"] = headers["X-Hub-Signature"].replace("sha256=", "sha1=")
    elif tamper == "body changed":
        body = body.replace(b"Forged", b"Forget")
    elif tamper == "garbage":
        headers["X-Hub-Signature"] = "sha256=" + "0" * 64
    answer = jira_app.test_client().post(WEBHOOK, data=body, headers=headers)
    assert answer.status_code == 401
    assert count(jira_app, Ticket) == count(jira_app, JiraDelivery) == count(jira_app, JiraPendingEvent) == 0


def test_a_webhook_needs_no_csrf_token_but_is_capped_in_size_and_must_be_an_event(jira_app, jsm):
    client = jira_app.test_client()
    huge = {"webhookEvent": "comment_created", "padding": "x" * (1024 * 1024)}
    body, headers = jsm.signed(huge)
    assert client.post(WEBHOOK, data=body, headers=headers).status_code == 413
    body, headers = jsm.signed({})
    not_json = b"{not json"
    headers["X-Hub-Signature"] = jsm.signed({})[1]["X-Hub-Signature"]
    assert client.post(WEBHOOK, data=body, headers=headers).status_code == 400, "signed, but not an event"
    import hashlib
    import hmac

    headers["X-Hub-Signature"] = "sha256=" + hmac.new(jsm.secret.encode(), not_json, hashlib.sha256).hexdigest()
    assert client.post(WEBHOOK, data=not_json, headers=headers).status_code == 400
    assert client.get(WEBHOOK).status_code == 405
    assert count(jira_app, Ticket) == count(jira_app, JiraDelivery) == 0


def test_without_jira_there_is_no_webhook(app, jsm):
    body, headers = jsm.signed(jsm.raise_in_portal("x", "y"))
    assert app.test_client().post(WEBHOOK, data=body, headers=headers).status_code == 404


def test_a_replayed_delivery_changes_nothing(jira_app, jsm):
    event = jsm.raise_in_portal("Once", "Only once")
    body, headers = jsm.signed(event, identifier="delivery-1")
    client = jira_app.test_client()
    assert client.post(WEBHOOK, data=body, headers=headers).get_json() == {"outcome": "created"}
    assert client.post(WEBHOOK, data=body, headers=headers).get_json() == {"outcome": "duplicate"}
    comment = jsm.comment_as("SUP-1", "Hello from Jira")
    assert post(jira_app, jsm, comment, identifier="delivery-2").get_json() == {"outcome": "reply"}
    assert post(jira_app, jsm, comment, identifier="delivery-2").get_json() == {"outcome": "duplicate"}
    # The same comment under another delivery (Jira's retry after a lost answer, or two webhooks) is known by its id.
    assert post(jira_app, jsm, comment, identifier="delivery-3").get_json() == {"outcome": "known"}
    assert count(jira_app, Ticket) == 1
    assert [m.body for m in by_key(jira_app, "SUP-1").messages] == ["Only once", "Hello from Jira"]


def test_comments_become_replies_customer_messages_and_notes(jira_app, jsm):
    created = utcnow() - dt.timedelta(days=3)
    post(jira_app, jsm, jsm.raise_in_portal("Late answer", "Help", priority="High", created=created))
    assert post(jira_app, jsm, jsm.comment_as("SUP-1", "Checking the gateway", public=False)).get_json() == {
        "outcome": "note"
    }
    assert by_key(jira_app, "SUP-1").first_response_at is None, "an internal note is not a response"
    assert post(jira_app, jsm, jsm.comment_as("SUP-1", "We restarted it.")).get_json() == {"outcome": "reply"}
    customer = jsm.customer("paul@example.org")
    answer = post(jira_app, jsm, jsm.comment_as("SUP-1", "Works again, thanks", author=customer))
    assert answer.get_json() == {"outcome": "customer_message"}
    found = by_key(jira_app, "SUP-1")
    messages = [(m.author, m.author_name, m.internal, m.body) for m in found.messages]
    assert messages[1:] == [
        ("staff", "Maya Agent", True, "Checking the gateway"),
        ("staff", "Maya Agent", False, "We restarted it."),
        ("customer", "Paul Durand", False, "Works again, thanks"),
    ]
    [first] = [e for e in found.events if e.kind == "first_response"]
    assert first.detail == "breached", "answered three days after a one-hour deadline"
    assert found.status == "open", "the customer wrote back"


def test_a_comment_that_arrives_before_its_request_waits_and_is_applied_once_it_exists(jira_app, jsm):
    created = jsm.raise_in_portal("Out of order", "Raised first", priority="High")
    comment = jsm.comment_as("SUP-1", "Answered before the ticket existed")
    priority = jsm.set_priority_as("SUP-1", "Low")
    assert post(jira_app, jsm, comment).get_json() == {"outcome": "pending"}
    assert post(jira_app, jsm, priority).get_json() == {"outcome": "pending"}
    assert count(jira_app, Ticket) == 0 and count(jira_app, JiraPendingEvent) == 2
    assert post(jira_app, jsm, created).get_json() == {"outcome": "created"}
    found = by_key(jira_app, "SUP-1")
    assert [m.body for m in found.messages] == ["Raised first", "Answered before the ticket existed"]
    assert found.first_response_at is not None and found.priority == "low"
    assert count(jira_app, JiraPendingEvent) == 0


def test_a_priority_change_in_jira_recomputes_the_deadline_as_the_staff_console_does(jira_app, jsm):
    post(jira_app, jsm, jsm.raise_in_portal("Slow", "Slow alerts", priority="Medium", created=TUESDAY_AFTERNOON))
    found = by_key(jira_app, "SUP-1")
    assert found.priority == "average" and found.first_response_due == TUESDAY_AFTERNOON + dt.timedelta(hours=2)
    assert post(jira_app, jsm, jsm.set_priority_as("SUP-1", "Highest")).get_json() == {"outcome": "updated"}
    found = by_key(jira_app, "SUP-1")
    with jira_app.app_context():
        expected = first_response_deadline(found, current_policies(), "high")
    assert found.priority == "high" and found.first_response_due == expected.due == TUESDAY_AFTERNOON + dt.timedelta(
        hours=1
    )
    [event] = [e for e in found.events if e.kind == "priority"]
    assert event.detail.startswith("average -> high") and event.actor == "Maya Agent (Jira)"
    assert post(jira_app, jsm, jsm.set_priority_as("SUP-1", "Blocker")).get_json() == {"outcome": "unchanged"}


def test_status_changes_in_jira_follow(jira_app, jsm):
    post(jira_app, jsm, jsm.raise_in_portal("Done soon", "…"))
    assert post(jira_app, jsm, jsm.transition_as("SUP-1", "Resolved")).get_json() == {"outcome": "updated"}
    assert by_key(jira_app, "SUP-1").status == "resolved"
    assert post(jira_app, jsm, jsm.transition_as("SUP-1", "Waiting for customer")).get_json() == {"outcome": "updated"}
    assert by_key(jira_app, "SUP-1").status == "waiting"


def test_what_the_help_centre_sent_comes_back_and_changes_nothing(jira_app, jsm):
    reference = file(jira_app, priority="high")
    with jira_app.app_context(), database(jira_app).sessions() as session:
        from helpcenter.jira import push_change
        from helpcenter.tickets.operations import reply, set_status

        found = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        reply(session, found, "On it", author_name="Alex", actor="alex", announce=push_change)
        set_status(session, found, "resolved", actor="alex", announce=push_change)
    while deliver(jira_app):
        pass
    echoes = list(jsm.events)
    assert [e["webhookEvent"] for e in echoes] == [
        "jira:issue_created",
        "jira:issue_updated",
        "comment_created",
        "jira:issue_updated",
    ]
    outcomes = [post(jira_app, jsm, event).get_json()["outcome"] for event in echoes]
    assert outcomes == ["known", "own", "known", "own"]
    found = ticket(jira_app, reference)
    with database(jira_app).sessions() as session:
        messages = session.scalars(select(TicketMessage).filter_by(ticket_id=found.id)).all()
        events = session.scalars(select(TicketEvent).filter_by(ticket_id=found.id)).all()
    assert len(messages) == 2 and [e.kind for e in events].count("status") == 2  # new -> waiting -> resolved
    assert count(jira_app, Ticket) == 1


def test_the_webhook_of_a_creation_whose_answer_was_lost_links_the_ticket(jira_app, jsm):
    jsm.slow("POST", r"/rest/servicedeskapi/request", 2.5)
    reference = file(jira_app)
    deliver(jira_app)
    assert ticket(jira_app, reference).jira_key is None and len(jsm.requests) == 1
    [created] = [e for e in jsm.events if e["webhookEvent"] == "jira:issue_created"]
    assert post(jira_app, jsm, created).get_json() == {"outcome": "linked"}
    assert ticket(jira_app, reference).jira_key == "SUP-1"
    while deliver_pending(database(jira_app).sessions, channels(jira_app), now=utcnow() + dt.timedelta(hours=1)):
        pass
    assert len(jsm.calls_to("POST", r"/rest/servicedeskapi/request")) == 1


def test_a_comment_by_another_agent_that_looks_like_the_customer_is_a_reply(jira_app, jsm):
    post(jira_app, jsm, jsm.raise_in_portal("Who speaks", "…"))
    other = {**AGENT, "accountId": "557058:other", "displayName": "Other Agent", "emailAddress": "other@fulgur.example"}
    assert post(jira_app, jsm, jsm.comment_as("SUP-1", "Agent here", author=other)).get_json() == {"outcome": "reply"}


def test_events_the_help_centre_does_not_follow_are_acknowledged(jira_app, jsm):
    post(jira_app, jsm, jsm.raise_in_portal("x", "y"))
    event = {"webhookEvent": "worklog_created", "timestamp": 1, "issue": {"key": "SUP-1", "fields": {}}}
    assert post(jira_app, jsm, event).get_json() == {"outcome": "ignored"}
    body = json.dumps({"webhookEvent": "comment_created", "issue": {"key": "not a key"}}).encode()
    assert post(jira_app, jsm, json.loads(body)).get_json() == {"outcome": "ignored"}


def test_webhooks_and_pushes_on_each_database(app_factory, jsm, database_url):
    """SQLite and PostgreSQL: a request raised in Jira, its replayed delivery, a reply, and the comment pushed back."""
    from .jsm_standin import app_settings

    app = app_factory(DATABASE_URL=database_url, **app_settings(jsm))
    body, headers = jsm.signed(jsm.raise_in_portal("On every database", "…", priority="High"), identifier="d-1")
    client = app.test_client()
    assert client.post(WEBHOOK, data=body, headers=headers).get_json() == {"outcome": "created"}
    assert client.post(WEBHOOK, data=body, headers=headers).get_json() == {"outcome": "duplicate"}
    assert post(app, jsm, jsm.comment_as("SUP-1", "From Jira")).get_json() == {"outcome": "reply"}
    assert deliver(app) == 1 and jsm.requests["SUP-1"].comments[-1]["public"] is False
    found = by_key(app, "SUP-1")
    assert found.first_response_at is not None and [m.body for m in found.messages] == ["…", "From Jira"]


# --- files of comments made in Jira ---------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
LOG = b"2026-05-12 16:31 gateway: reconnected\n"


def test_files_of_a_comment_made_in_jira_are_kept_within_the_limits(app_factory, jsm, customer, auth):
    from .jsm_standin import app_settings

    app = app_factory(**app_settings(jsm), ATTACHMENT_MAX_FILES=2, ATTACHMENT_MAX_MB=1)
    reference = file(app)
    deliver(app)
    big = b"%PDF-1.7\n" + bytes(1024 * 1024 + 1)
    event = jsm.comment_as(
        "SUP-1",
        "Here is what we see on our side.",
        files=(
            ("screen.png", PNG, "image/png"),
            ("tool.exe", b"MZ\x90\x00\x03" + bytes(60), "application/octet-stream"),
            ("report.pdf", big, "application/pdf"),
            ("gateway.log", LOG, "text/plain"),
            ("extra.txt", b"one more\n", "text/plain"),
        ),
    )
    assert post(app, jsm, event).get_json() == {"outcome": "reply"}, "the webhook answers at once"
    assert count(app, TicketMessage) == 2
    while deliver(app, later=dt.timedelta(hours=1)):
        pass

    found = by_key(app, "SUP-1")
    answer = found.messages[-1]
    assert answer.body.startswith("Here is what we see on our side.")
    with database(app).sessions() as session:
        kept = session.get(TicketMessage, answer.id).attachments
        assert [(a.filename, a.content_type, a.size) for a in kept] == [
            ("screen.png", "image/png", len(PNG)),
            ("gateway.log", "text/plain", len(LOG)),
        ]
        kept_ids = [a.id for a in kept]
    refused = [event.detail for event in found.events if event.kind == "file_not_kept"]
    assert refused == ["tool.exe: wrong_type", "report.pdf: too_large", "extra.txt: too_many"]
    downloads = [call.path for call in jsm.calls if call.method == "GET" and "/attachment/" in call.path]
    big_id = next(a["id"] for a in jsm.requests["SUP-1"].attachments if a["filename"] == "report.pdf")
    assert not any(path.endswith(f"/attachment/{big_id}") for path in downloads), "a file too big is not fetched"
    assert deliver(app, later=dt.timedelta(hours=3)) == 0
    staff = app.test_client()
    auth.login(staff)
    history = staff.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert history.count("File not kept") == 3 and "report.pdf: too_large" in history

    # The customer downloads the agent's picture from the Customer Area.
    client = app.test_client()
    customer.sign_in(client, "jeanne@example.org")
    page = client.get(f"/en/account/tickets/{reference}").get_data(as_text=True)
    assert "screen.png" in page and "gateway.log" in page
    picture = client.get(f"/en/account/tickets/{reference}/files/{kept_ids[0]}")
    assert picture.status_code == 200 and picture.data == PNG
    assert picture.headers["Content-Disposition"].startswith("attachment")


def test_files_of_a_comment_wait_while_jira_is_down_and_are_kept_once(jira_app, jsm):
    file(jira_app)
    deliver(jira_app)
    event = jsm.comment_as("SUP-1", "The trace.", public=False, files=(("trace.log", LOG, "text/plain"),))
    assert post(jira_app, jsm, event).get_json() == {"outcome": "note"}
    jsm.unavailable = True
    deliver(jira_app)
    jsm.unavailable = False
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    with database(jira_app).sessions() as session:
        note = session.scalars(select(TicketMessage).filter_by(internal=True)).one()
        assert [(a.filename, a.size) for a in note.attachments] == [("trace.log", len(LOG))]
    # The same comment brought again by the reconciliation, or its webhook replayed, fetches nothing more.
    assert post(jira_app, jsm, event).get_json()["outcome"] == "known"
    assert deliver(jira_app, later=dt.timedelta(hours=3)) == 0


def test_a_comment_that_names_no_file_fetches_nothing(jira_app, jsm):
    file(jira_app)
    deliver(jira_app)
    post(jira_app, jsm, jsm.comment_as("SUP-1", "Looking into it (see [the status page])."))
    assert deliver(jira_app, later=dt.timedelta(hours=1)) == 0
    assert not jsm.calls_to("GET", r"/rest/servicedeskapi/request/SUP-1/comment/\d+/attachment")


def test_a_file_jira_cannot_give_is_recorded_and_the_others_are_kept(jira_app, jsm):
    file(jira_app)
    deliver(jira_app)
    event = jsm.comment_as(
        "SUP-1", "Two files.", files=(("gone.log", b"old\n", "text/plain"), ("kept.log", LOG, "text/plain"))
    )
    jsm.gone.add(jsm.requests["SUP-1"].attachments[0]["id"])  # deleted in Jira after the comment was made
    post(jira_app, jsm, event)
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    found = by_key(jira_app, "SUP-1")
    with database(jira_app).sessions() as session:
        kept = session.get(TicketMessage, found.messages[-1].id).attachments
        assert [(a.filename, a.size) for a in kept] == [("kept.log", len(LOG))]
    assert [e.detail for e in found.events if e.kind == "file_not_kept"] == ["gone.log: unavailable"]
