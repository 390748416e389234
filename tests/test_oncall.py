"""On-call paging: a real SMTP server and a webhook receiver on loopback that checks signatures, a controlled clock.

A High technical ticket that arrives outside business hours pages on-call
once, again every 15 minutes while nobody acknowledges it or answers, and
never twice for the same page, whatever runs the jobs and whatever is down.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import zoneinfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from helpcenter.config import ConfigError, settings_from_env
from helpcenter.db import database, utcnow
from helpcenter.jobs import JobRunner, job_request_context
from helpcenter.library import current_policies
from helpcenter.oncall import run_paging
from helpcenter.oncall.models import OncallPage, PageAcknowledgement
from helpcenter.oncall.notifications import oncall_contacts, page_messages
from helpcenter.oncall.operations import acknowledge_page, page_due_tickets
from helpcenter.oncall.webhook import SIGNATURE_HEADER, WebhookChannel
from helpcenter.outbox import DeliveryError, OutboxMessage
from helpcenter.sla import default_policy_path
from helpcenter.staff.operations import find_staff
from helpcenter.tickets.models import Ticket
from helpcenter.tickets.operations import reply, set_priority, set_status

from .helpers import (
    PAGER,
    STAFF_EMAIL,
    WEBHOOK_SECRET,
    Inbox,
    Receiver,
    all_at_once,
    body_of,
    change,
    csrf_token,
    deliver,
    free_port,
    run_jobs,
    subject_of,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def pages_of(app, reference: str) -> list[int]:
    with database(app).sessions() as session:
        ticket_id = session.scalars(select(Ticket.id).filter_by(reference=reference)).one()
        return list(
            session.scalars(select(OncallPage.number).filter_by(ticket_id=ticket_id).order_by(OncallPage.number))
        )


#: Saturday 14 March 2026, 23:30 in Paris: outside business hours (the High target is then 12 hours).
SATURDAY_NIGHT = dt.datetime(2026, 3, 14, 23, 30, tzinfo=PARIS)
MINUTE = dt.timedelta(minutes=1)


def test_a_high_ticket_on_a_saturday_night_pages_on_call_once_by_mail_and_by_signed_webhook(
    oncall_app, file_ticket, inbox, receiver
):
    reference, _token = file_ticket(oncall_app, created=SATURDAY_NIGHT, subject="Alerts stopped at the stadium")
    assert run_jobs(oncall_app, SATURDAY_NIGHT + MINUTE)["oncall-pages"] == 1
    assert run_jobs(oncall_app, SATURDAY_NIGHT + 2 * MINUTE)["oncall-pages"] == 0, "paged once"
    assert deliver(oncall_app) == 2
    assert pages_of(oncall_app, reference) == [1]

    [mail] = inbox.messages
    assert mail["To"] == PAGER
    assert subject_of(mail) == f"[{reference}] On-call page 1: High ticket outside business hours"
    body = body_of(mail)
    acknowledge = f"http://localhost/staff/tickets/{reference}/acknowledge"
    assert {acknowledge, f"http://localhost/staff/tickets/{reference}"} <= set(body.splitlines())
    assert "Alerts stopped at the stadium" in body and "every 15 minutes" in body

    [call] = receiver.calls
    assert call["valid"], "signed with the shared secret over the raw body"
    assert call["headers"]["Content-Type"].startswith("application/json")
    assert call["path"] == "/hooks/helpcenter"
    payload = json.loads(call["body"])
    assert {key: payload[key] for key in ("event", "reference", "subject", "priority", "page")} == {
        "event": "page",
        "reference": reference,
        "subject": "Alerts stopped at the stadium",
        "priority": "high",
        "page": 1,
    }
    assert payload["created_at"] == "2026-03-14T23:30:00+01:00"
    assert payload["first_response_due"] == "2026-03-15T11:30:00+01:00"
    assert payload["staff_url"] == f"http://localhost/staff/tickets/{reference}"
    assert payload["acknowledge_url"] == acknowledge
    with database(oncall_app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert [(event.kind, event.detail) for event in ticket.events][-1] == ("paged", "page 1: staff-mail,webhook")


def test_pages_repeat_every_15_minutes_until_acknowledged_through_the_mailed_link(
    oncall_app, file_ticket, inbox, receiver, auth
):
    reference, _token = file_ticket(oncall_app, created=SATURDAY_NIGHT)
    for minutes, sent in [(1, 1), (10, 0), (15, 0), (16, 1), (30, 0), (31, 1)]:
        assert run_jobs(oncall_app, SATURDAY_NIGHT + minutes * MINUTE)["oncall-pages"] == sent, minutes
    assert pages_of(oncall_app, reference) == [1, 2, 3]

    # The link in the page: sign in first, then the page about the ticket, then the button.
    client = oncall_app.test_client()
    link = f"/staff/tickets/{reference}/acknowledge"
    response = client.get(link)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert auth.login(client, next_page=link).headers["Location"] == link
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "3 pages sent" in html and "Not acknowledged" in html
    with database(oncall_app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(PageAcknowledgement)) == 0, (
            "opening the link is not acknowledging"
        )
    response = client.post(link, data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/tickets/{reference}"
    ticket_page = client.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert "on-call pages about" in ticket_page and f"Acknowledged by {STAFF_EMAIL}" in ticket_page

    for minutes in (46, 61, 300):
        assert run_jobs(oncall_app, SATURDAY_NIGHT + minutes * MINUTE)["oncall-pages"] == 0
    assert pages_of(oncall_app, reference) == [1, 2, 3]
    assert deliver(oncall_app) == 6
    assert [subject_of(mail).split(":")[0] for mail in inbox.messages] == [
        f"[{reference}] On-call page {number}" for number in (1, 2, 3)
    ]
    assert [payload["page"] for payload in receiver.payloads()] == [1, 2, 3]
    assert all(call["valid"] for call in receiver.calls)


def test_a_staff_answer_stops_the_pages(oncall_app, file_ticket):
    reference, _token = file_ticket(oncall_app, created=SATURDAY_NIGHT)
    run_jobs(oncall_app, SATURDAY_NIGHT + MINUTE)
    change(
        oncall_app,
        reference,
        reply,
        "We are on it.",
        author_name="Alex",
        actor=STAFF_EMAIL,
        now=SATURDAY_NIGHT + 20 * MINUTE,
    )
    assert run_jobs(oncall_app, SATURDAY_NIGHT + 40 * MINUTE)["oncall-pages"] == 0
    assert pages_of(oncall_app, reference) == [1]


@pytest.mark.parametrize(
    "created, changes, then",
    [
        (dt.datetime(2026, 3, 10, 10, 0, tzinfo=PARIS), {}, None),  # a Tuesday in business hours
        (dt.datetime(2026, 3, 10, 16, 59, tzinfo=PARIS), {}, None),  # the last minute of business hours
        (SATURDAY_NIGHT, {"priority": "average"}, None),
        (SATURDAY_NIGHT, {"category": "general", "priority": None}, None),
        (SATURDAY_NIGHT, {}, ("priority", "average")),  # staff lowered it: they have seen it
        (SATURDAY_NIGHT, {}, ("status", "resolved")),
    ],
)
def test_what_does_not_page(oncall_app, file_ticket, created, changes, then):
    reference, _token = file_ticket(oncall_app, created=created, **changes)
    if then == ("priority", "average"):
        with oncall_app.app_context():
            policies = current_policies()
        change(oncall_app, reference, set_priority, "average", policies, actor=STAFF_EMAIL)
    elif then:
        change(oncall_app, reference, set_status, then[1], actor=STAFF_EMAIL)
    assert run_jobs(oncall_app, created + MINUTE)["oncall-pages"] == 0
    assert pages_of(oncall_app, reference) == []


def test_a_ticket_on_a_public_holiday_and_at_the_closing_instant_pages(oncall_app, file_ticket):
    holiday, _token = file_ticket(oncall_app, created=dt.datetime(2026, 5, 14, 10, 0, tzinfo=PARIS))  # Ascension Day
    closing, _token = file_ticket(oncall_app, created=dt.datetime(2026, 3, 10, 17, 0, tzinfo=PARIS))  # 17:00 is outside
    run_jobs(oncall_app, dt.datetime(2026, 5, 14, 10, 1, tzinfo=PARIS))
    assert pages_of(oncall_app, holiday) == [1] and pages_of(oncall_app, closing) == [1]


def test_nothing_is_lost_when_the_mail_server_and_the_receiver_are_down(app_factory, file_ticket, smtp_port, receiver):
    app = app_factory(
        index=False,
        SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",  # nothing listens there yet
        ONCALL_EMAIL=PAGER,
        ONCALL_WEBHOOK_URL=receiver.url,
        ONCALL_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    receiver.status = 503
    reference, _token = file_ticket(app, created=SATURDAY_NIGHT)
    assert run_jobs(app, SATURDAY_NIGHT + MINUTE)["oncall-pages"] == 1
    assert deliver(app) == 0
    with database(app).sessions() as session:
        waiting = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(row.channel, row.sent_at, row.abandoned_at, row.attempts) for row in waiting] == [
        ("staff-mail", None, None, 1),
        ("webhook", None, None, 1),
    ]
    assert "503" in waiting[1].last_error and waiting[0].last_error
    assert run_jobs(app, SATURDAY_NIGHT + 5 * MINUTE)["oncall-pages"] == 0, "a page is not sent again for being late"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        receiver.status = 204
        assert deliver(app, now=utcnow() + 5 * MINUTE) == 2
        assert deliver(app, now=utcnow() + 60 * MINUTE) == 0
    finally:
        controller.stop()
    assert [subject_of(mail) for mail in inbox.messages] == [
        f"[{reference}] On-call page 1: High ticket outside business hours"
    ]
    assert [call["valid"] for call in receiver.calls] == [True, True]
    first, second = receiver.calls
    assert first["body"] == second["body"], "the same call, tried again"
    assert first["headers"]["X-Helpcenter-Delivery"] == second["headers"]["X-Helpcenter-Delivery"]


# --- the webhook channel ----------------------------------------------------------------------------------


def webhook_message(url: str, payload: dict) -> OutboxMessage:
    return OutboxMessage(id=7, channel="webhook", recipient=url, payload=json.dumps(payload))


@pytest.mark.parametrize(
    "status, permanent",
    [(200, None), (202, None), (204, None), (500, False), (503, False), (408, False), (429, False),
     (400, True), (401, True), (404, True), (410, True), (301, True), (302, True)],
)  # fmt: skip
def test_webhook_answers_deliver_retry_or_give_up(receiver, status, permanent):
    receiver.status = status
    channel = WebhookChannel(WEBHOOK_SECRET, timeout=5)
    if permanent is None:
        channel.send(webhook_message(receiver.url, {"event": "page"}))
    else:
        with pytest.raises(DeliveryError) as error:
            channel.send(webhook_message(receiver.url, {"event": "page"}))
        assert error.value.permanent is permanent and str(status) in str(error.value)
    [call] = receiver.calls
    assert call["valid"]


def test_a_webhook_receiver_that_is_not_there_is_tried_again():
    with pytest.raises(DeliveryError) as error:
        WebhookChannel(WEBHOOK_SECRET, timeout=5).send(webhook_message(f"http://127.0.0.1:{free_port()}/x", {}))
    assert not error.value.permanent


def test_a_wrong_secret_or_none_is_told_apart_by_the_receiver():
    receiver = Receiver(secret=WEBHOOK_SECRET)
    try:
        with pytest.raises(DeliveryError):
            WebhookChannel("another secret").send(webhook_message(receiver.url, {"event": "page"}))
        with pytest.raises(DeliveryError):
            WebhookChannel(None).send(webhook_message(receiver.url, {"event": "page"}))
        assert [call["valid"] for call in receiver.calls] == [False, False]
        assert SIGNATURE_HEADER not in receiver.calls[1]["headers"], "no secret, no signature"
    finally:
        receiver.stop()


# --- two runners, and a runner that stops half-way ---------------------------------------------------------


def test_two_job_runners_at_once_never_send_a_page_twice(app_factory, database_url, file_ticket, receiver):
    settings = {"DATABASE_URL": database_url, "ONCALL_EMAIL": PAGER, "ONCALL_WEBHOOK_URL": receiver.url}
    first, second = app_factory(index=False, **settings), app_factory(index=False, **settings)
    references = [file_ticket(first, created=SATURDAY_NIGHT + n * MINUTE, subject=f"n{n}")[0] for n in range(6)]

    def run(app):
        return [
            JobRunner(app).run_due(now=SATURDAY_NIGHT + minutes * MINUTE, every_job=True) for minutes in (10, 11, 26)
        ]

    results = [result for runs in all_at_once(run, [first, second]) for result in runs]
    assert sum(result["oncall-pages"] for result in results if result["oncall-pages"] != "busy") == 12
    assert all(pages_of(first, reference) == [1, 2] for reference in references)
    with database(first).sessions() as session:
        rows = session.execute(select(OutboxMessage.channel, func.count()).group_by(OutboxMessage.channel)).all()
    assert dict(rows) == {"staff-mail": 12, "webhook": 12}


def test_two_runners_past_the_lock_still_page_once_on_postgresql(app_factory, database_url, file_ticket, receiver):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: there the job's file lock alone keeps runners apart")
    settings = {"DATABASE_URL": database_url, "ONCALL_EMAIL": PAGER, "ONCALL_WEBHOOK_URL": receiver.url}
    apps = [app_factory(index=False, **settings) for _ in range(2)]
    references = [file_ticket(apps[0], created=SATURDAY_NIGHT, subject=f"n{n}")[0] for n in range(4)]
    # Both runners compose every page before either writes it: each insert races the other's.
    meeting = threading.Barrier(2)

    def run(app):
        with app.app_context(), job_request_context(app):
            contacts = oncall_contacts()

            def compose(ticket, page):
                meeting.wait(10)
                return page_messages(ticket, page, contacts)

            return page_due_tickets(
                database(app).sessions, repeat=contacts.repeat, compose=compose, now=SATURDAY_NIGHT + MINUTE
            )

    sent = all_at_once(run, apps)
    assert sum(sent) == 4, sent
    assert all(pages_of(apps[0], reference) == [1] for reference in references)
    with database(apps[0]).sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 8, "one mail and one call a page"


def test_a_runner_stopped_half_way_pages_the_rest_and_repeats_nothing(oncall_app, file_ticket):
    done, _token = file_ticket(oncall_app, created=SATURDAY_NIGHT, subject="first")
    left, _token = file_ticket(oncall_app, created=SATURDAY_NIGHT, subject="second")

    def crashing(ticket, page):
        if ticket.subject == "second":
            raise RuntimeError("the server stopped here")
        return page_messages(ticket, page, oncall_contacts())

    with oncall_app.app_context(), job_request_context(oncall_app):
        with pytest.raises(RuntimeError):
            page_due_tickets(
                database(oncall_app).sessions,
                repeat=dt.timedelta(minutes=15),
                compose=crashing,
                now=SATURDAY_NIGHT + MINUTE,
            )
    assert pages_of(oncall_app, done) == [1] and pages_of(oncall_app, left) == []
    assert run_jobs(oncall_app, SATURDAY_NIGHT + 2 * MINUTE)["oncall-pages"] == 1
    assert pages_of(oncall_app, done) == [1] and pages_of(oncall_app, left) == [1]
    with database(oncall_app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


# --- acknowledgement ---------------------------------------------------------------------------------------


def test_acknowledging_twice_keeps_the_first(oncall_app, file_ticket, auth):
    reference, _token = file_ticket(oncall_app, created=SATURDAY_NIGHT)
    auth.account(oncall_app)
    auth.account(oncall_app, email="other@fulgur.example")
    with database(oncall_app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        first = acknowledge_page(session, ticket, find_staff(session, STAFF_EMAIL), now=SATURDAY_NIGHT + MINUTE)
        again = acknowledge_page(
            session, ticket, find_staff(session, "other@fulgur.example"), now=SATURDAY_NIGHT + 2 * MINUTE
        )
        assert again.staff_email == first.staff_email == STAFF_EMAIL
        assert [event.kind for event in ticket.events].count("acknowledged") == 1
    assert run_jobs(oncall_app, SATURDAY_NIGHT + 3 * MINUTE)["oncall-pages"] == 0, (
        "acknowledged before any page: none goes"
    )


def test_the_acknowledgement_page_refuses_strangers_forgeries_and_unknown_tickets(oncall_app, file_ticket, auth):
    reference, token = file_ticket(oncall_app, created=SATURDAY_NIGHT, subject='<img src=x onerror="alert(1)">')
    link = f"/staff/tickets/{reference}/acknowledge"
    stranger = oncall_app.test_client()
    form = csrf_token(stranger.get("/fr/tickets/new").get_data(as_text=True))
    response = stranger.post(link, data={"csrf_token": form})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    staff = oncall_app.test_client()
    auth.login(staff)
    assert staff.post(link, data={}).status_code == 400, "no CSRF token, no acknowledgement"
    assert staff.get("/staff/tickets/HC-2026-999999/acknowledge").status_code == 404
    html = staff.get(link).get_data(as_text=True)
    assert '<img src=x onerror="alert(1)">' not in html and "&lt;img src=x" in html
    with database(oncall_app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(PageAcknowledgement)) == 0


# --- settings ----------------------------------------------------------------------------------------------


def test_the_settings_win_over_the_policy_file(app_factory, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[oncall]\nemail = "file@fulgur.example"\nwebhook_url = "https://file.example/hook"\nrepeat = "5m"\n',
        encoding="utf-8",
    )
    from_file = app_factory(index=False, SLA_POLICY=str(policy))
    with from_file.app_context():
        contacts = oncall_contacts()
    assert (contacts.email, contacts.webhook_url, contacts.repeat) == (
        "file@fulgur.example",
        "https://file.example/hook",
        5 * MINUTE,
    )
    overridden = app_factory(
        index=False, SLA_POLICY=str(policy), ONCALL_EMAIL=PAGER, ONCALL_WEBHOOK_URL="https://env.example/h"
    )
    with overridden.app_context():
        contacts = oncall_contacts()
    assert (contacts.email, contacts.webhook_url) == (PAGER, "https://env.example/h")


def test_settings_are_read_from_the_environment_and_checked(tmp_path):
    settings = settings_from_env(
        str(tmp_path),
        {
            "HELPCENTER_ONCALL_EMAIL": PAGER,
            "HELPCENTER_ONCALL_WEBHOOK_URL": "https://pager.example/hooks/help",
            "HELPCENTER_ONCALL_WEBHOOK_SECRET": WEBHOOK_SECRET,
        },
    )
    assert (settings["ONCALL_EMAIL"], settings["ONCALL_WEBHOOK_URL"], settings["ONCALL_WEBHOOK_SECRET"]) == (
        PAGER,
        "https://pager.example/hooks/help",
        WEBHOOK_SECRET,
    )
    assert settings_from_env(str(tmp_path), {})["ONCALL_WEBHOOK_SECRET"] is None
    with pytest.raises(ConfigError, match="HELPCENTER_ONCALL_WEBHOOK_URL"):
        settings_from_env(str(tmp_path), {"HELPCENTER_ONCALL_WEBHOOK_URL": "file:///etc/passwd"})


def test_without_any_on_call_contact_nothing_is_recorded(app_factory, file_ticket, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(default_policy_path().read_text().replace('email = "oncall@fulgur.example"', 'email = ""'))
    app = app_factory(index=False, SLA_POLICY=str(policy))
    reference, _token = file_ticket(app, created=SATURDAY_NIGHT)
    assert run_paging(app, SATURDAY_NIGHT + MINUTE) == 0
    assert pages_of(app, reference) == []
