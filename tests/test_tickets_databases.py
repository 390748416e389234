"""Tickets on SQLite and on PostgreSQL: creation, references under concurrency, priority changes."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from helpcenter.db import database
from helpcenter.outbox import Mail, OutboxMessage
from helpcenter.sla import load_policy_set
from helpcenter.tickets.models import Ticket
from helpcenter.tickets.operations import create_ticket, find_ticket, set_priority

from .helpers import ticket_request

PARIS = ZoneInfo("Europe/Paris")


def test_create_track_and_reprioritise(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    policies = load_policy_set()
    created = dt.datetime(2026, 5, 14, 16, 30, tzinfo=PARIS)  # Ascension Day: out of hours
    with database(app).sessions() as session:
        ticket, token = create_ticket(
            session,
            ticket_request(priority="average"),
            policies,
            now=created,
            mails=lambda t, tok: [Mail("a@b.c", t.reference, tok)],
        )
        assert ticket.reference == f"HC-2026-{ticket.id:06d}"
        assert ticket.window == "out_of_hours" and ticket.target_minutes == 24 * 60
        assert ticket.first_response_due == created + dt.timedelta(hours=24)
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    with database(app).sessions() as session:
        stored = find_ticket(session, ticket.reference, token)
        assert stored is not None and stored.created_at == created
        assert stored.created_at.tzinfo is not None, "instants come back aware"
        assert find_ticket(session, ticket.reference, token[:-1] + ("a" if token[-1] != "a" else "b")) is None
        assert find_ticket(session, "HC-2026-999999", token) is None
        set_priority(session, stored, "high", policies, actor="agent@fulgur.example")
        assert stored.priority == "high" and stored.requested_priority == "average"
        assert stored.window == "out_of_hours", "the window of the creation instant is kept"
        assert stored.first_response_due == created + dt.timedelta(hours=12)
        assert [event.kind for event in stored.events] == ["created", "priority"]
        assert stored.events[1].actor == "agent@fulgur.example"


def test_many_tickets_at_once_every_one_stored_no_reference_repeated(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    policies = load_policy_set()
    sessions = database(app).sessions
    references, errors = [], []
    lock = threading.Lock()

    def file_tickets(worker: int) -> None:
        for number in range(10):
            try:
                with sessions() as session:
                    ticket, _token = create_ticket(session, ticket_request(subject=f"w{worker} n{number}"), policies)
                    with lock:
                        references.append(ticket.reference)
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                with lock:
                    errors.append(repr(exc))

    threads = [threading.Thread(target=file_tickets, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(references) == 80 and len(set(references)) == 80
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 80
        subjects = set(session.scalars(select(Ticket.subject)))
        assert subjects == {f"w{w} n{n}" for w in range(8) for n in range(10)}
