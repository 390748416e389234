"""What people see of the targets: assignment and the queue's "Mine" and "Unassigned", every running target on the
staff ticket page with why, the SLA report and its export of breaches, and the customer's resolution target.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo

from sqlalchemy import select

from helpcenter.db import database, utcnow
from helpcenter.staff.operations import find_staff
from helpcenter.tickets.models import Ticket, TicketMessage
from helpcenter.tickets.operations import assign, reply, set_status

from .helpers import STAFF_EMAIL, change, csrf_token, run_jobs

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
OTHER = "other@fulgur.example"
ENTERPRISE = "FUL-ENTERPRISE-001"


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def queue_references(client, **filters) -> set[str]:
    html = page(client, "/staff/?" + "&".join(f"{key}={value}" for key, value in filters.items()))
    return set(re.findall(r">(HC-\d{4}-\d{6})</a>", html))


def staff_id(app, email: str) -> int:
    with database(app).sessions() as session:
        return find_staff(session, email).id


def test_assigning_a_ticket_and_the_mine_and_unassigned_queues(app, client, auth, file_ticket):
    auth.account(app, email=OTHER, name="Olga Other")
    auth.login(client)
    mine, _ = file_ticket(app, subject="Mine")
    theirs, _ = file_ticket(app, subject="Theirs")
    nobodys, _ = file_ticket(app, subject="Nobody's")
    html = page(client, f"/staff/tickets/{mine}")
    assert "Nobody (the team)" in html and "Olga Other &lt;other@fulgur.example&gt;" in html
    token = csrf_token(html)
    response = client.post(
        f"/staff/tickets/{mine}/assign", data={"csrf_token": token, "assignee": str(staff_id(app, STAFF_EMAIL))}
    )
    assert response.status_code == 302
    assert "Ticket assigned to Alex Agent." in page(client, f"/staff/tickets/{mine}")
    client.post(f"/staff/tickets/{theirs}/assign", data={"csrf_token": token, "assignee": str(staff_id(app, OTHER))})
    assert queue_references(client, assignee="mine") == {mine}
    assert queue_references(client, assignee="unassigned") == {nobodys}
    assert queue_references(client) == {mine, theirs, nobodys}
    queue = page(client, "/staff/?assignee=mine")
    assert '<span aria-current="page">Mine</span>' in queue and "Olga Other" not in queue
    # Back to the team; the audit trail says who did what.
    client.post(f"/staff/tickets/{theirs}/assign", data={"csrf_token": token, "assignee": ""})
    assert queue_references(client, assignee="unassigned") == {theirs, nobodys}
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=theirs)).one()
        assert [(e.kind, e.actor, e.detail) for e in ticket.events if e.kind == "assigned"] == [
            ("assigned", STAFF_EMAIL, f"- -> {OTHER}"),
            ("assigned", STAFF_EMAIL, f"{OTHER} -> -"),
        ]


def test_assignment_refuses_forgeries_unknown_and_disabled_accounts(app, client, auth, file_ticket):
    auth.account(app, email=OTHER)
    reference, _ = file_ticket(app)
    anonymous = app.test_client()
    form = csrf_token(anonymous.get("/en/tickets/new").get_data(as_text=True))
    response = anonymous.post(f"/staff/tickets/{reference}/assign", data={"csrf_token": form, "assignee": "1"})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    auth.login(client)
    token = csrf_token(page(client, f"/staff/tickets/{reference}"))
    assert client.post(f"/staff/tickets/{reference}/assign", data={"assignee": "1"}).status_code == 400
    assert (
        client.post(f"/staff/tickets/{reference}/assign", data={"csrf_token": token, "assignee": "999"}).status_code
        == 400
    )
    with database(app).sessions() as session:
        other = find_staff(session, OTHER)
        other.active = False
        session.commit()
    forged = {"csrf_token": token, "assignee": str(staff_id(app, OTHER))}
    assert client.post(f"/staff/tickets/{reference}/assign", data=forged).status_code == 400
    assert OTHER not in page(client, f"/staff/tickets/{reference}")
    with database(app).sessions() as session:
        assert session.scalars(select(Ticket.assignee_id).filter_by(reference=reference)).one() is None


def test_assign_to_me_in_one_press(app, client, auth, file_ticket):
    reference, _ = file_ticket(app)
    auth.login(client)
    html = page(client, f"/staff/tickets/{reference}")
    assert "Assign to me" in html
    client.post(
        f"/staff/tickets/{reference}/assign",
        data={"csrf_token": csrf_token(html), "assignee": str(staff_id(app, STAFF_EMAIL))},
    )
    assert "Assign to me" not in page(client, f"/staff/tickets/{reference}")


def test_the_staff_ticket_page_shows_every_running_target_with_time_left_and_why(app, client, auth, file_ticket):
    now = utcnow()
    reference, _ = file_ticket(app, created=now - dt.timedelta(hours=2), contract_number=ENTERPRISE, priority="average")
    change(
        app,
        reference,
        reply,
        "Which version?",
        author_name="Alex",
        actor=STAFF_EMAIL,
        now=now - dt.timedelta(minutes=100),
    )
    auth.login(client)
    html = page(client, f"/staff/tickets/{reference}")
    targets = html[html.index('id="targets-title"') : html.index('id="conversation-title"')]
    assert "First response" in targets and "Resolution" in targets and "Next response" not in targets
    assert "Paused while the ticket waits on the customer" in targets, "the reply put the ticket in waiting"
    assert "Enterprise policy" in targets and "counted in business hours only" in targets
    # The customer answers: the resolution clock runs again, and a next response is due.
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        ticket.messages.append(TicketMessage(at=now, author="customer", author_name="Jeanne", body="2.4"))
        session.commit()
        set_status(session, ticket, "open", actor="jeanne@example.org", now=now)
    html = page(client, f"/staff/tickets/{reference}")
    targets = html[html.index('id="targets-title"') : html.index('id="conversation-title"')]
    assert "Next response" in targets and "Started by the customer&#39;s message" in targets
    assert "The clock stood still for" in targets and "Paused while" not in targets
    # The queue shows the target due first: the next response, 4 business hours at most.
    queue = page(client, f"/staff/?q={reference}")
    cell = re.search(r'<td class="next-target">(.*?)</td>', queue, re.S).group(1)
    assert cell.startswith("Next response") and " left</span>" in cell


def test_the_page_of_a_paged_ticket_says_so_and_offers_to_acknowledge(oncall_app, auth, file_ticket):
    created = dt.datetime(2026, 3, 14, 23, 30, tzinfo=PARIS)
    reference, _ = file_ticket(oncall_app, created=created)
    run_jobs(oncall_app, created + dt.timedelta(minutes=1))
    client = oncall_app.test_client()
    auth.login(client)
    html = page(client, f"/staff/tickets/{reference}")
    assert "1 page sent" in html and "Not acknowledged" in html
    assert f'action="/staff/tickets/{reference}/acknowledge"' in html
    assert "On-call paged" in html, "the audit trail names the page"


def test_the_customer_sees_the_resolution_target_where_the_contract_has_one(app, client, file_ticket):
    standard, token = file_ticket(app)
    assert "Resolution target" not in page(client, f"/fr/tickets/{standard}?token={token}")
    created = utcnow() - dt.timedelta(hours=1)
    contract, token = file_ticket(app, created=created, contract_number=ENTERPRISE, language="en", site_language="en")
    html = page(client, f"/en/tickets/{contract}?token={token}")
    assert "Resolution target" in html and "First response due" in html
    due = re.search(r'<dd class="resolution">\s*<time datetime="([^"]+)"', html)
    assert due is not None
    # High, Enterprise: 8 hours in elapsed time (created in or out of hours: 8 or 12).
    assert dt.datetime.fromisoformat(due.group(1)) - created in (dt.timedelta(hours=8), dt.timedelta(hours=12))
    change(app, contract, reply, "Logs, please.", author_name="Alex", actor=STAFF_EMAIL)
    assert "On hold while we wait for your reply" in page(client, f"/en/tickets/{contract}?token={token}")
    french = page(client, f"/fr/tickets/{contract}?token={token}")
    assert "Objectif de résolution" in french


def test_the_sla_report_counts_later_targets_and_exports_every_breach(app, client, auth, file_ticket):
    now = utcnow()
    late, _ = file_ticket(app, created=now - dt.timedelta(days=2), contract_number=ENTERPRISE, subject="=2+3 late")
    file_ticket(app, created=now - dt.timedelta(minutes=5), contract_number=ENTERPRISE, subject="Fresh")
    auth.login(client)
    html = page(client, "/staff/reports/sla")
    assert "Next responses and resolution" in html
    table = html[html.index('class="compliance later-targets"') :]
    table = table[: table.index("</table>")]
    assert "Resolution" in table and "High" in table
    assert f">{late}</a> · Resolution · =2+3 late" in html
    response = client.get("/staff/reports/sla-breaches.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="sla-breaches-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[0][:3] == ["Ticket reference", "Target", "Priority"]
    assert sorted((row[0], row[1]) for row in rows[1:]) == [(late, "first_response"), (late, "resolution")]


def test_a_staff_member_sees_their_own_assigned_tickets_first_hand(app, auth, file_ticket):
    # The queue's "Mine" is the account looking, not a parameter anyone can set to someone else.
    auth.account(app, email=OTHER)
    reference, _ = file_ticket(app)
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assign(session, ticket, find_staff(session, OTHER), actor=OTHER)
    client = app.test_client()
    auth.login(client)
    assert queue_references(client, assignee="mine") == set()
    assert queue_references(client, assignee="mine", me=staff_id(app, OTHER)) == set()
