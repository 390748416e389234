"""Tickets, replies, notes, statuses and priorities pushed to JSM through the outbox: once each, in order,
nothing lost while Jira is down or slow."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from helpcenter.db import database, utcnow
from helpcenter.jira import push_change
from helpcenter.jira.models import JiraComment, JiraCustomer
from helpcenter.library import current_policies
from helpcenter.outbox import OutboxMessage, channels, deliver_pending
from helpcenter.tickets.models import Ticket
from helpcenter.tickets.operations import add_note, create_ticket, reply, set_priority, set_status

from .helpers import csrf_token, ticket_request

REQUEST = r"/rest/servicedeskapi/request"


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


def queue_attachment(app, reference: str, attachment_id: int) -> None:
    """Queue a file of the ticket for its request, as the Customer Area will when a customer attaches one."""
    from helpcenter.jira.outbound import attachment
    from helpcenter.outbox import enqueue

    with database(app).sessions() as session:
        found = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        enqueue(session, attachment(found, attachment_id), ticket_id=found.id)
        session.commit()


def test_an_attachment_message_goes_through_a_temporary_file_once(jira_app, jsm):
    """The channel's side of attachments: a store that reads files, and a message per file."""

    class Files:
        def read(self, attachment_id):
            return {7: ("gateway.log", "text/plain", b"SMS gateway: timeout\n")}[attachment_id]

    channels(jira_app)["jira"].files = Files()
    reference = file(jira_app)
    deliver(jira_app)
    queue_attachment(jira_app, reference, 7)
    jsm.slow("POST", rf"{REQUEST}/SUP-1/attachment", 2.5)
    deliver(jira_app)
    while deliver(jira_app, later=dt.timedelta(hours=1)):
        pass
    [attached] = jsm.requests["SUP-1"].attachments
    assert (attached["filename"], attached["content"], attached["public"]) == (
        "gateway.log",
        b"SMS gateway: timeout\n",
        True,
    )
    assert len(jsm.calls_to("POST", rf"{REQUEST}/SUP-1/attachment")) == 1, "found on the retry, not sent again"


def test_an_attachment_without_a_store_is_given_up(jira_app, jsm):
    reference = file(jira_app)
    deliver(jira_app)
    queue_attachment(jira_app, reference, 1)
    deliver(jira_app)
    assert "no attachments store" in jira_messages(jira_app)[-1].last_error
    assert jira_messages(jira_app)[-1].abandoned_at is not None
