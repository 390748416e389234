"""Warnings before breach: once at 75 % of a target and once at its breach, to the assignee, else the helpdesk
(and on-call outside business hours); mail through a real SMTP server, webhooks to a receiver that checks signatures.
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
from sqlalchemy import select

from helpcenter.db import database
from helpcenter.jobs import job_request_context
from helpcenter.library import current_policies
from helpcenter.oncall import run_warnings
from helpcenter.oncall.models import SlaNotice
from helpcenter.oncall.notifications import oncall_contacts, warning_messages, warning_recipients
from helpcenter.oncall.operations import warn_due_targets
from helpcenter.outbox import OutboxMessage
from helpcenter.staff.operations import find_staff, set_active
from helpcenter.tickets.models import Ticket, TicketMessage
from helpcenter.tickets.operations import assign, reply, set_status

from .helpers import PAGER, STAFF_EMAIL, all_at_once, change, deliver, run_jobs, subject_of

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HELPDESK = "support@fulgur.example"
#: Tuesday 10 March 2026, 10:00 in Paris: a High ticket is due at 11:00.
TUESDAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)
MINUTE = dt.timedelta(minutes=1)


def warnings_at(app, now: dt.datetime) -> int:
    return run_jobs(app, now)["sla-warnings"]


def notices(app) -> list[tuple[str, str, str]]:
    with database(app).sessions() as session:
        rows = session.scalars(select(SlaNotice).order_by(SlaNotice.id))
        return [(row.target, row.threshold, row.recipients) for row in rows]


def customer_writes(app, reference: str, at: dt.datetime, body: str = "Here is what you asked.") -> None:
    """What the customer's reply does (the Customer Area's job): their message, and the ticket back in the queue."""
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        ticket.messages.append(TicketMessage(at=at, author="customer", author_name=ticket.requester_name, body=body))
        session.commit()
        set_status(session, ticket, "open", actor=ticket.requester_email, now=at)


def test_a_warning_at_75_percent_and_one_at_breach_go_to_the_helpdesk_once_each(
    oncall_app, file_ticket, inbox, receiver
):
    reference, _token = file_ticket(oncall_app, created=TUESDAY)
    sent = [(minutes, warnings_at(oncall_app, TUESDAY + minutes * MINUTE)) for minutes in (44, 45, 50, 60, 61, 90, 600)]
    assert sent == [(44, 0), (45, 1), (50, 0), (60, 0), (61, 1), (90, 0), (600, 0)]
    assert notices(oncall_app) == [("first_response", "warning", HELPDESK), ("first_response", "breach", HELPDESK)]
    assert deliver(oncall_app) == 2
    assert [(mail["To"], subject_of(mail)) for mail in inbox.messages] == [
        (HELPDESK, f"[{reference}] Target close to being missed: First response, 75% of its time used"),
        (HELPDESK, f"[{reference}] Target missed: First response"),
    ]
    body = inbox.messages[1].get_payload(decode=True).decode("utf-8")
    assert "Target missed: First response." in body and "Missed since" in body
    assert f"http://localhost/staff/tickets/{reference}" in body.splitlines()
    assert receiver.calls == [], "in business hours, on-call is left alone"


def test_warnings_go_to_the_assignee_while_the_account_is_active(oncall_app, file_ticket, inbox, auth):
    auth.account(oncall_app)
    reference, _token = file_ticket(oncall_app, created=TUESDAY)
    with database(oncall_app).sessions() as session:
        agent = find_staff(session, STAFF_EMAIL)
    change(oncall_app, reference, assign, agent, actor="lead@fulgur.example", now=TUESDAY)
    assert warnings_at(oncall_app, TUESDAY + 46 * MINUTE) == 1
    # Disabled since: the helpdesk hears of the breach instead.
    auth.account(oncall_app, email="admin@fulgur.example", role="admin")
    with database(oncall_app).sessions() as session:
        set_active(session, find_staff(session, STAFF_EMAIL), False, by=find_staff(session, "admin@fulgur.example"))
    assert warnings_at(oncall_app, TUESDAY + 61 * MINUTE) == 1
    assert [recipients for _target, _threshold, recipients in notices(oncall_app)] == [STAFF_EMAIL, HELPDESK]
    deliver(oncall_app)
    assert [mail["To"] for mail in inbox.messages] == [STAFF_EMAIL, HELPDESK]


def test_outside_business_hours_on_call_hears_too_by_mail_and_signed_webhook(oncall_app, file_ticket, inbox, receiver):
    # An Average ticket of Saturday night does not page; its 24-hour target warns on Sunday, 18 hours on.
    created = dt.datetime(2026, 3, 14, 23, 30, tzinfo=PARIS)
    reference, _token = file_ticket(oncall_app, created=created, priority="average")
    assert run_jobs(oncall_app, created + MINUTE)["oncall-pages"] == 0
    assert warnings_at(oncall_app, created + dt.timedelta(hours=17, minutes=59)) == 0
    assert warnings_at(oncall_app, created + dt.timedelta(hours=18)) == 1
    assert notices(oncall_app) == [("first_response", "warning", f"{HELPDESK}, {PAGER}, {receiver.url}")]
    assert deliver(oncall_app) == 3
    assert sorted(mail["To"] for mail in inbox.messages) == [PAGER, HELPDESK]
    [call] = receiver.calls
    assert call["valid"]
    payload = receiver.payloads()[0]
    assert {key: payload[key] for key in ("event", "reference", "priority", "target", "share")} == {
        "event": "sla_warning",
        "reference": reference,
        "priority": "average",
        "target": "first_response",
        "share": 0.75,
    }
    assert payload["due"] == payload["first_response_due"] == "2026-03-15T23:30:00+01:00"
    assert payload["staff_url"] == f"http://localhost/staff/tickets/{reference}"


def test_a_breach_found_late_is_sent_alone_and_the_warning_is_never_sent_after(oncall_app, file_ticket, inbox):
    reference, _token = file_ticket(oncall_app, created=TUESDAY)
    assert warnings_at(oncall_app, TUESDAY + 3 * 60 * MINUTE) == 1
    assert notices(oncall_app) == [("first_response", "warning", ""), ("first_response", "breach", HELPDESK)]
    assert warnings_at(oncall_app, TUESDAY + 4 * 60 * MINUTE) == 0
    deliver(oncall_app)
    assert [subject_of(mail) for mail in inbox.messages] == [f"[{reference}] Target missed: First response"]


def test_an_answered_ticket_warns_about_nothing(oncall_app, file_ticket):
    reference, _token = file_ticket(oncall_app, created=TUESDAY)
    change(oncall_app, reference, reply, "Answer", author_name="Alex", actor=STAFF_EMAIL, now=TUESDAY + 10 * MINUTE)
    assert warnings_at(oncall_app, TUESDAY + 2 * 60 * MINUTE) == 0


def test_next_response_and_resolution_warn_only_while_their_clock_runs(oncall_app, file_ticket, inbox):
    # The shipped Enterprise contract: first response 30 min, next response 1 h, resolution 8 h (High, in hours).
    reference, _token = file_ticket(oncall_app, created=TUESDAY, contract_number="FUL-ENTERPRISE-001")
    change(
        oncall_app,
        reference,
        reply,
        "Can you send the logs?",
        author_name="Alex",
        actor=STAFF_EMAIL,
        now=TUESDAY + 10 * MINUTE,
    )
    assert warnings_at(oncall_app, TUESDAY + dt.timedelta(hours=20)) == 0, "waiting on the customer: nothing runs"
    wednesday = dt.datetime(2026, 3, 11, 9, 0, tzinfo=PARIS)
    customer_writes(oncall_app, reference, wednesday)
    assert warnings_at(oncall_app, wednesday + 44 * MINUTE) == 0
    assert warnings_at(oncall_app, wednesday + 45 * MINUTE) == 1  # next response: 45 of its 60 minutes
    # Resolution: 10 minutes counted on Tuesday, 75 % of 8 h is 6 h: 5 h 50 after Wednesday 09:00.
    assert warnings_at(oncall_app, wednesday + dt.timedelta(hours=5, minutes=49)) == 1  # the next response's breach
    assert warnings_at(oncall_app, wednesday + dt.timedelta(hours=5, minutes=50)) == 1
    assert [(target, threshold) for target, threshold, _recipients in notices(oncall_app)] == [
        ("next_response", "warning"),
        ("next_response", "breach"),
        ("resolution", "warning"),
    ]
    deliver(oncall_app)
    assert [subject_of(mail).split("] ")[1] for mail in inbox.messages] == [
        "Target close to being missed: Next response, 75% of its time used",
        "Target missed: Next response",
        "Target close to being missed: Resolution, 75% of its time used",
    ]
    resolution_mail = inbox.messages[2].get_payload(decode=True).decode("utf-8")
    assert "Enterprise policy" in resolution_mail and "The clock stood still for" in resolution_mail


def test_two_runners_past_the_lock_warn_once_on_postgresql(app_factory, database_url, file_ticket):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: there the job's file lock alone keeps runners apart")
    apps = [app_factory(index=False, DATABASE_URL=database_url) for _ in range(2)]
    for n in range(3):
        file_ticket(apps[0], created=TUESDAY, subject=f"n{n}")
    meeting = threading.Barrier(2)
    now = TUESDAY + 50 * MINUTE

    def run(app):
        with app.app_context(), job_request_context(app):
            policies, contacts = current_policies(), oncall_contacts()

            def compose(ticket, target, threshold):
                meeting.wait(10)
                recipients = warning_recipients(ticket, contacts, HELPDESK, now)
                return warning_messages(ticket, target, threshold, recipients, policies.warning_share)

            return warn_due_targets(database(app).sessions, policies, compose=compose, now=now)

    assert sum(all_at_once(run, apps)) == 3
    assert len(notices(apps[0])) == 3
    with database(apps[0]).sessions() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 3


def test_the_warnings_job_works_without_on_call_contacts(app_factory, file_ticket, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[calendar.hours]\nmonday = ["08:00", "17:00"]\n[default.targets.technical]\nhigh = { in_hours = "1h", out_of_hours = "2h" }\n'
    )
    app = app_factory(index=False, SLA_POLICY=str(policy))
    file_ticket(app, created=dt.datetime(2026, 3, 14, 10, 0, tzinfo=PARIS))  # Saturday: out of hours, 2 h
    assert run_warnings(app, dt.datetime(2026, 3, 14, 11, 40, tzinfo=PARIS)) == 1
    assert notices(app) == [("first_response", "warning", HELPDESK)]
