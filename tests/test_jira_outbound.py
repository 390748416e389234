"""Tickets, replies, notes, statuses and priorities pushed to JSM through the outbox: once each, in order,
nothing lost while Jira is down or slow."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from helpcenter.attachments.models import Attachment
from helpcenter.attachments.operations import AttachmentLimits, Upload, attach, check_uploads
from helpcenter.attachments.store import attachment_store
from helpcenter.db import database, utcnow
from helpcenter.jira import push_change
from helpcenter.jira.models import JiraComment, JiraCustomer
from helpcenter.library import current_policies
from helpcenter.outbox import OutboxMessage, channels, deliver_pending
from helpcenter.tickets.models import Ticket
from helpcenter.tickets.operations import add_note, create_ticket, reply, set_priority, set_status

from .helpers import csrf_token, ticket_request
from .jsm_standin import OWN_ACCOUNT

REQUEST = r"/rest/servicedeskapi/request"
LOG = b"SMS gateway: timeout\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def file(app, **changes) -> str:
    """File a ticket as the form does, with the Jira hook: its reference."""
    with app.app_context(), database(app).sessions() as session:
        ticket, _token = create_ticket(session, ticket_request(**changes), current_policies(), announce=push_change)
        return ticket.reference


def deliver(app, *, later: dt.timedelta = dt.timedelta(0)) -> int:
    """Run the outbox once, as the jobs runner does ``later`` from now; how many messages went."""
    return deliver_pending(database(app).sessions, channels(app), now=utcnow() + later)


def ticket(app, reference: str) -> Ticket:
    with database(app).sessions() as session:
        return session.scalars(select(Ticket).filter_by(reference=reference)).one()


def jira_messages(app) -> list[OutboxMessage]:
    with database(app).sessions() as session:
        return list(session.scalars(select(OutboxMessage).filter_by(channel="jira").order_by(OutboxMessage.id)))


def change(app, reference: str, action, *args, **options):
    """Make a staff change to a ticket with the Jira hook (as the staff console does)."""
    with app.app_context(), database(app).sessions() as session:
        found = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        return action(session, found, *args, announce=push_change, **options)


def test_a_new_ticket_becomes_a_request_raised_for_its_customer(jira_app, jsm):
    reference = file(jira_app, priority="high", contract_number="C-42")
    assert deliver(jira_app) == 2  # the request, then its priority
    [created] = jsm.calls_to("POST", REQUEST)
    customer = jsm.customer("jeanne@example.org")
    assert created.body["serviceDeskId"] == "1" and created.body["requestTypeId"] == "10"
    assert created.body["raiseOnBehalfOf"] == customer["accountId"], "Cloud takes the customer's accountId"
    values = created.body["requestFieldValues"]
    assert values["summary"] == "Alerts stopped" and values["description"] == "No alert since yesterday."
    assert values["customfield_10050"] == reference
    assert values["customfield_10051"] == {"value": "fr"}, "a select list takes an option"
    assert values["customfield_10052"] == "High" and values["customfield_10054"] == "C-42"
    found = ticket(jira_app, reference)
    written = dt.datetime.strptime(values["customfield_10053"], "%Y-%m-%dT%H:%M:%S.000%z")
    assert written == found.first_response_due.replace(microsecond=0) and written.utcoffset()
    assert found.jira_key == "SUP-1"
    assert jsm.requests["SUP-1"].priority == "High"
    # The customer was made once, given access to the desk, and remembered.
    assert len(jsm.calls_to("POST", "/rest/servicedeskapi/customer")) == 1
    assert customer["accountId"] in jsm.desk_customers
    [search] = jsm.calls_to("POST", "/rest/api/3/search/jql")
    assert search.body["jql"] == f'project = "SUP" AND cf[10050] ~ "\\"{reference}\\""', "looked up before creating"
    with database(jira_app).sessions() as session:
        assert session.get(JiraCustomer, "jeanne@example.org").account_id == customer["accountId"]


def test_an_existing_customer_is_found_after_the_409_and_a_second_ticket_asks_no_more(jira_app, jsm):
    existing = jsm.add_customer("jeanne@example.org", "Jeanne M.")
    file(jira_app)
    deliver(jira_app)
    [create] = jsm.calls_to("POST", "/rest/servicedeskapi/customer")
    assert create.query == {"strictConflictStatusCode": "true"}
    lookup = jsm.calls_to("GET", "/rest/servicedeskapi/servicedesk/1/customer")
    users = jsm.calls_to("GET", "/rest/api/3/user/search")
    assert lookup and lookup[0].headers["x-experimentalapi"] == "opt-in" and users, "desk first, then the site"
    assert jsm.requests["SUP-1"].reporter["accountId"] == existing["accountId"]
    file(jira_app)
    deliver(jira_app)
    assert len(jsm.calls_to("POST", "/rest/servicedeskapi/customer")) == 1, "the account is remembered"
    assert jsm.requests["SUP-2"].reporter["accountId"] == existing["accountId"]


def test_replies_notes_status_and_priority_follow_in_order(jira_app, jsm):
    reference = file(jira_app, priority="low")
    change(jira_app, reference, reply, "We are looking into it.", author_name="Alex Agent", actor="alex@fulgur.example")
    change(jira_app, reference, add_note, "Check the SMS gateway.", author_name="Alex Agent", actor="alex")
    with jira_app.app_context():
        change(jira_app, reference, set_priority, "high", current_policies(), actor="alex")
    change(jira_app, reference, set_status, "resolved", actor="alex")
    assert deliver(jira_app) == 6
    request = jsm.requests["SUP-1"]
    assert [(c["body"], c["public"]) for c in request.comments] == [
        ("We are looking into it.\n\n— Alex Agent", True),
        ("Check the SMS gateway.\n\n— Alex Agent", False),
    ]
    assert request.priority == "High" and request.status == "Resolved"
    paths = [(call.method, call.path) for call in jsm.calls if call.method != "GET"]
    assert paths.index(("POST", f"{REQUEST}/SUP-1/comment")) > paths.index(("POST", REQUEST))
    with database(jira_app).sessions() as session:
        assert len(session.scalars(select(JiraComment)).all()) == 2
    assert deliver(jira_app, later=dt.timedelta(hours=2)) == 0, "nothing is sent twice"


@pytest.mark.parametrize("outage", ["refused", "unavailable"])
def test_jira_down_while_tickets_replies_and_notes_are_made_loses_nothing_and_sends_nothing_twice(
    jira_app, jsm, auth, ticket_form, outage
):
    client = jira_app.test_client()
    if outage == "refused":
        jsm.stop()
    else:
        jsm.unavailable = True
    references = []
    for subject in ("First outage ticket", "Second outage ticket"):
        answer = client.post("/en/tickets/new", data=ticket_form(client, subject=subject, product=""))
        assert answer.status_code == 303, "the customer is never held up by Jira"
        jira_app.extensions["helpcenter.delivery_thread"].join(10)
        references.append(answer.headers["Location"].split("/")[3].split("?")[0])
    staff = jira_app.test_client()
    auth.login(staff)
    for reference in references:
        page = staff.get(f"/staff/tickets/{reference}").get_data(as_text=True)
        token = csrf_token(page)
        staff.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": token, "body": f"Reply on {reference}"})
        staff.post(f"/staff/tickets/{reference}/note", data={"csrf_token": token, "body": f"Note on {reference}"})
        jira_app.extensions["helpcenter.delivery_thread"].join(10)
    pending = [m for m in jira_messages(jira_app) if m.sent_at is None]
    assert len(pending) == 2 * 4, "a request and its priority, a reply and a note, for each ticket"
    assert all(m.abandoned_at is None for m in pending) and any(m.attempts for m in pending)
    assert not jsm.requests

    if outage == "refused":
        jsm.start()
    else:
        jsm.unavailable = False
    later = dt.timedelta(hours=3)
    while deliver(jira_app, later=later):
        pass
    assert all(m.sent_at is not None for m in jira_messages(jira_app))
    assert sorted(request.fields["customfield_10050"] for request in jsm.requests.values()) == sorted(references)
    for request in jsm.requests.values():
        reference = request.fields["customfield_10050"]
        assert [(c["body"].split("\n")[0], c["public"]) for c in request.comments] == [
            (f"Reply on {reference}", True),
            (f"Note on {reference}", False),
        ]
    assert len(jsm.calls_to("POST", REQUEST)) == 2
    assert deliver(jira_app, later=later * 2) == 0


def test_a_request_created_whose_answer_timed_out_is_found_and_not_created_again(jira_app, jsm):
    jsm.slow("POST", REQUEST, 2.5)
    reference = file(jira_app)
    deliver(jira_app)
    [message, *_] = jira_messages(jira_app)
    assert message.sent_at is None and "timed out" in message.last_error.lower()
    assert len(jsm.requests) == 1, "Jira made the request; only its answer was lost"
    assert ticket(jira_app, reference).jira_key is None
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    assert ticket(jira_app, reference).jira_key == "SUP-1"
    assert len(jsm.calls_to("POST", REQUEST)) == 1, "the retry found it by its reference"
    assert len(jsm.requests) == 1


def test_a_comment_whose_answer_timed_out_is_not_posted_twice(jira_app, jsm):
    reference = file(jira_app)
    deliver(jira_app)
    jsm.slow("POST", rf"{REQUEST}/SUP-1/comment", 2.5)
    change(jira_app, reference, reply, "Posted once.", author_name="Alex Agent", actor="alex")
    deliver(jira_app)
    assert len(jsm.requests["SUP-1"].comments) == 1
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    assert len(jsm.calls_to("POST", rf"{REQUEST}/SUP-1/comment")) == 1
    assert [c["body"] for c in jsm.requests["SUP-1"].comments] == ["Posted once.\n\n— Alex Agent"]
    with database(jira_app).sessions() as session:
        [known] = session.scalars(select(JiraComment)).all()
        assert known.comment_id == jsm.requests["SUP-1"].comments[0]["id"] and known.message_id is not None


def test_a_status_already_reached_is_not_forced_again(jira_app, jsm):
    reference = file(jira_app)
    deliver(jira_app)
    jsm.slow("POST", rf"{REQUEST}/SUP-1/transition", 2.5)
    change(jira_app, reference, set_status, "resolved", actor="alex")
    deliver(jira_app)
    assert jsm.requests["SUP-1"].status == "Resolved"
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    assert len(jsm.calls_to("POST", rf"{REQUEST}/SUP-1/transition")) == 1
    assert all(m.sent_at is not None for m in jira_messages(jira_app))


def test_a_request_jira_refuses_is_given_up_and_logged(jira_app, jsm, caplog):
    # The field of the deadline is not on the request type's form.
    jsm.form_fields = tuple(name for name in jsm.form_fields if name != "customfield_10053")
    file(jira_app)
    with caplog.at_level("ERROR", logger="helpcenter.outbox.delivery"):
        deliver(jira_app)
    [message, *_] = jira_messages(jira_app)
    assert message.abandoned_at is not None and "400" in message.last_error
    assert "not on the form" in caplog.text


def test_wrong_credentials_are_retried_not_given_up(app_factory, jsm):
    from .jsm_standin import app_settings

    app = app_factory(**app_settings(jsm, JIRA_TOKEN="wrong"))
    file(app)
    deliver(app)
    [message, *_] = jira_messages(app)
    assert "401" in message.last_error and message.abandoned_at is None and message.sent_at is None


def test_without_jira_nothing_is_queued_for_it(app, file_ticket):
    file_ticket(app)
    assert jira_messages(app) == []


def test_a_ticket_filed_before_jira_was_on_sends_nothing_later(app_factory, jsm, file_ticket):
    from .jsm_standin import app_settings

    reference, _token = file_ticket(app_factory())
    app = app_factory(**app_settings(jsm))
    change(app, reference, reply, "Hello", author_name="Alex", actor="alex")
    assert jira_messages(app) == []


def queue_attachment(app, reference: str, attachment_id, *, public: bool = True) -> None:
    """Queue an ``attachment`` message for the ticket naming ``attachment_id``, as it would come out of the outbox."""
    from helpcenter.jira.outbound import attachment
    from helpcenter.outbox import enqueue

    with database(app).sessions() as session:
        found = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        enqueue(session, attachment(found, attachment_id, public=public), ticket_id=found.id)
        session.commit()


def checked(*files: tuple[str, bytes]) -> list:
    """Files as the forms accept them (kind decided by content, safe names)."""
    return check_uploads([Upload(name, data) for name, data in files], AttachmentLimits(5, 10 * 1024 * 1024))


def file_ids(app, reference: str) -> list[int]:
    with database(app).sessions() as session:
        found = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        return list(session.scalars(select(Attachment.id).filter_by(ticket_id=found.id).order_by(Attachment.id)))


def test_files_of_a_new_ticket_and_of_a_reply_follow_their_text_to_the_request(jira_app, jsm):
    with jira_app.app_context(), database(jira_app).sessions() as session:
        found, _token = create_ticket(
            session,
            ticket_request(),
            current_policies(),
            files=checked(("gateway.log", LOG)),
            store=attachment_store(jira_app),
            announce=push_change,
        )
        reference = found.reference
    change(
        jira_app,
        reference,
        reply,
        "Here is the corrected setting.",
        author_name="Alex Agent",
        actor="alex",
        files=checked(("setting.png", PNG), ("steps.txt", b"1. Open the map\n")),
        store=attachment_store(jira_app),
    )
    assert [m.subject for m in jira_messages(jira_app)] == [
        "create",
        "priority",
        "attachment",
        "comment",
        "attachment",
        "attachment",
    ]
    assert deliver(jira_app) == 6
    request = jsm.requests["SUP-1"]
    assert [(a["filename"], a["content"], a["mimeType"], a["public"]) for a in request.attachments] == [
        ("gateway.log", LOG, "text/plain", True),
        ("setting.png", PNG, "image/png", True),
        ("steps.txt", b"1. Open the map\n", "text/plain", True),
    ]
    paths = [call.path for call in jsm.calls if call.method == "POST"]
    comment_at = paths.index(f"{REQUEST}/SUP-1/comment")
    attached_at = [n for n, path in enumerate(paths) if path == f"{REQUEST}/SUP-1/attachment"]
    assert attached_at[0] < comment_at < attached_at[1], "each file after the text it came with"
    for upload in jsm.calls_to("POST", r"/rest/servicedeskapi/servicedesk/1/attachTemporaryFile"):
        assert upload.headers["x-atlassian-token"] == "no-check"
        assert upload.headers["content-type"].startswith("multipart/form-data")
    assert deliver(jira_app, later=dt.timedelta(hours=2)) == 0


def test_a_file_of_an_internal_note_stays_internal_in_jira(jira_app, jsm):
    reference = file(jira_app)
    note = change(jira_app, reference, add_note, "Trace from the gateway.", author_name="Alex", actor="alex")
    with database(jira_app).sessions() as session:
        kept = session.get(type(note), note.id)
        [trace] = attach(session, attachment_store(jira_app), checked(("trace.log", LOG)), kept)
        session.commit()
        trace_id = trace.id
    queue_attachment(jira_app, reference, trace_id, public=True)  # even a message that says public
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    [attached] = jsm.requests["SUP-1"].attachments
    assert (attached["filename"], attached["public"]) == ("trace.log", False)


@pytest.mark.parametrize("wrong", ["another ticket's", "missing", "not an id"])
def test_an_attachment_id_that_is_not_the_tickets_own_is_refused_and_nothing_is_sent(jira_app, jsm, wrong):
    victim = file(jira_app, requester_email="victim@example.net", subject="Contract renewal")
    with jira_app.app_context(), database(jira_app).sessions() as session:
        other, _token = create_ticket(
            session,
            ticket_request(requester_email="victim@example.net", subject="Invoice"),
            current_policies(),
            files=checked(("invoice.pdf", PDF)),
            store=attachment_store(jira_app),
        )
        [secret] = [a.id for a in other.messages[0].attachments]
    attacker = file(jira_app, requester_email="mallory@example.net", subject="Hello")
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    key = ticket(jira_app, attacker).jira_key
    named = {"another ticket's": secret, "missing": secret + 1000, "not an id": str(secret)}[wrong]
    queue_attachment(jira_app, attacker, named)
    deliver(jira_app, later=dt.timedelta(hours=2))
    message = jira_messages(jira_app)[-1]
    assert message.abandoned_at is not None and message.sent_at is None, "given up at once, never retried"
    assert "not a file of this ticket" in message.last_error or "not an attachment id" in message.last_error
    assert not jsm.calls_to("POST", r"/rest/servicedeskapi/servicedesk/1/attachTemporaryFile")
    assert not jsm.requests[key].attachments and all(not r.attachments for r in jsm.requests.values())
    assert deliver(jira_app, later=dt.timedelta(days=2)) == 0
    assert ticket(jira_app, victim).jira_key is not None


def test_an_attachment_whose_answer_timed_out_is_not_attached_twice(jira_app, jsm):
    reference = file(jira_app)
    change(
        jira_app,
        reference,
        reply,
        "The log you asked for.",
        author_name="Alex Agent",
        actor="alex",
        files=checked(("gateway.log", LOG)),
        store=attachment_store(jira_app),
    )
    jsm.slow("POST", rf"{REQUEST}/SUP-1/attachment", 2.5)
    deliver(jira_app)
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    [attached] = jsm.requests["SUP-1"].attachments
    assert (attached["filename"], attached["content"], attached["public"]) == ("gateway.log", LOG, True)
    assert len(jsm.calls_to("POST", rf"{REQUEST}/SUP-1/attachment")) == 1, "found on the retry, not sent again"
    assert all(m.sent_at is not None for m in jira_messages(jira_app))


def test_an_attachment_without_a_store_is_given_up(jira_app, jsm):
    channels(jira_app)["jira"].files = None
    reference = file(jira_app)
    deliver(jira_app)
    queue_attachment(jira_app, reference, 1)
    deliver(jira_app)
    assert "no attachments store" in jira_messages(jira_app)[-1].last_error
    assert jira_messages(jira_app)[-1].abandoned_at is not None


def test_a_customers_reply_in_the_customer_area_reaches_jira_once_with_its_file(jira_app, jsm, customer):
    from .test_account import multipart, page_token

    reference = file(jira_app)
    deliver(jira_app)
    client = jira_app.test_client()
    customer.sign_in(client, "jeanne@example.org")
    token = page_token(client, f"/en/account/tickets/{reference}")
    form = multipart({"csrf_token": token, "body": "Still no alert on the stadium site."}, [("stadium.png", PNG)])
    answer = client.post(f"/en/account/tickets/{reference}/reply", **form)
    assert answer.status_code == 303
    jira_app.extensions["helpcenter.delivery_thread"].join(10)
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass

    request = jsm.requests["SUP-1"]
    [written] = request.comments
    assert written["body"] == "Jeanne (jeanne@example.org) wrote:\n\nStill no alert on the stadium site."
    assert written["public"] is True and written["author"]["accountId"] == OWN_ACCOUNT
    [attached] = request.attachments
    assert (attached["filename"], attached["content"], attached["public"]) == ("stadium.png", PNG, True)

    # Jira sends the comment back as a webhook: it is the help centre's own and adds nothing.
    [echo] = [event for event in jsm.events if event["webhookEvent"] == "comment_created"]
    assert echo["comment"]["id"] == written["id"]
    for _delivery in range(2):  # a second delivery of it (its own identifier) changes nothing either
        body, headers = jsm.signed(echo)
        answer = jira_app.test_client().post("/integrations/jira/webhook", data=body, headers=headers)
        assert answer.status_code == 200 and answer.get_json()["outcome"] == "known"
    with database(jira_app).sessions() as session:
        found = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        said = [m for m in found.messages if "stadium site" in m.body]
        assert len(said) == 1 and said[0].author == "customer"
        [known] = session.scalars(select(JiraComment)).all()
        assert (known.comment_id, known.message_id) == (written["id"], said[0].id)


def test_a_colleagues_reply_names_the_colleague_and_an_echo_before_the_answer_is_still_own(jira_app, jsm):
    from helpcenter.tickets.operations import customer_message

    reference = file(jira_app)
    deliver(jira_app)
    change(
        jira_app,
        reference,
        customer_message,
        "Same here at the office.",
        author_name="colleague@example.org",
        actor="colleague@example.org",
    )
    # The webhook may come before the answer to the call that made the comment: known by its author.
    jsm.slow("POST", rf"{REQUEST}/SUP-1/comment", 2.5)
    deliver(jira_app)
    [written] = jsm.requests["SUP-1"].comments
    assert written["body"] == "colleague@example.org wrote:\n\nSame here at the office."
    body, headers = jsm.signed(jsm.events[-1])
    outcome = jira_app.test_client().post("/integrations/jira/webhook", data=body, headers=headers).get_json()
    assert outcome["outcome"] == "own"
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    assert len(jsm.requests["SUP-1"].comments) == 1, "found on the retry, not posted again"
    with database(jira_app).sessions() as session:
        found = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert sum("Same here" in m.body for m in found.messages) == 1
