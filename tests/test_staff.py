"""The staff console: accounts, access, the queue and triage against the SLA."""

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from helpcenter.db import database, utcnow
from helpcenter.login_sessions import LoginSession
from helpcenter.outbox.models import OutboxMessage
from helpcenter.sla import IN_HOURS, OUT_OF_HOURS, first_response_due, load_policy_set
from helpcenter.staff.models import StaffUser
from helpcenter.staff.operations import AccountError, create_staff
from helpcenter.tickets.models import Ticket

from .helpers import STAFF_PASSWORD, csrf_token

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def agent(app, auth):
    """The agent's account, there before anyone logs in (so that a wrong password is wrong)."""
    auth.account(app)


def page_token(client, path):
    return csrf_token(client.get(path).get_data(as_text=True))


def stored(app, reference):
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        _loaded = (ticket.events, ticket.messages)  # load them before the session closes
        return ticket


def test_passwords_are_hashed_with_a_modern_scheme(app, agent):
    with database(app).sessions() as session:
        user = session.scalars(select(StaffUser)).one()
        assert user.password_hash.startswith("scrypt:") and STAFF_PASSWORD not in user.password_hash
        with pytest.raises(AccountError, match="at least 12"):
            create_staff(session, email="x@y.z", name="", role="agent", password="short")
        with pytest.raises(AccountError, match="exists already"):
            create_staff(session, email="AGENT@fulgur.example", name="", role="agent", password=STAFF_PASSWORD)
        with pytest.raises(AccountError, match="role"):
            create_staff(session, email="x@y.z", name="", role="boss", password=STAFF_PASSWORD)


def test_login_logout(client, auth, agent):
    assert auth.login(client, password="wrong password!").status_code == 401
    response = auth.login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    html = client.get("/staff/").get_data(as_text=True)
    assert "Alex Agent" in html and "Log out" in html
    auth.logout(client)
    assert client.get("/staff/").status_code == 302


def test_login_goes_back_where_asked_but_only_inside_staff(client, auth):
    assert auth.login(client, next_page="https://evil.example/").headers["Location"] == "/staff/"
    auth.logout(client)
    assert auth.login(client, next_page="/staff/?status=all").headers["Location"] == "/staff/?status=all"


def test_sessions_expire_after_an_idle_hour(app, client, auth):
    auth.login(client)
    assert client.get("/staff/").status_code == 200
    with database(app).sessions() as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - dt.timedelta(minutes=61)))
        session.commit()
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302, "and the session is gone"


def test_sessions_end_when_the_password_changes(app, client, auth):
    auth.login(client)
    assert client.get("/staff/").status_code == 200
    with database(app).sessions() as session:
        user = session.scalars(select(StaffUser)).one()
        user.set_password("another long password")
        session.commit()
    assert client.get("/staff/").status_code == 302


def test_login_attempts_are_rate_limited(client, auth, agent):
    statuses = [auth.login(client, password=f"wrong {n} password").status_code for n in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    blocked = auth.login(client)
    assert blocked.status_code == 429, "even with the right password, until the window passes"
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_every_staff_route_refuses_anonymous_users_and_customers(app, client, file_ticket):
    reference, token = file_ticket(app)
    routes = [
        ("get", "/staff/"),
        ("get", f"/staff/tickets/{reference}"),
        ("post", f"/staff/tickets/{reference}/priority"),
        ("post", f"/staff/tickets/{reference}/reply"),
        ("post", f"/staff/tickets/{reference}/note"),
        ("post", f"/staff/tickets/{reference}/status"),
        ("post", "/staff/logout"),
    ]
    routes += [
        ("get", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/staff/reports", "/staff/translations")) and "<" not in rule.rule
    ]
    routes.append(("get", "/staff/translations/fr/guide/first/diff"))
    assert client.get(f"/fr/tickets/{reference}?token={token}").status_code == 200, "the customer's own page"
    # Posted with the CSRF token the customer's own form gives and with valid fields, so that
    # the staff login check, not the CSRF check, is what turns them away.
    form_token = csrf_token(client.get("/fr/tickets/new").get_data(as_text=True))
    fields = {"csrf_token": form_token, "priority": "low", "body": "Answered by a stranger.", "status": "resolved"}
    for method, path in routes:
        response = getattr(client, method)(f"{path}?token={token}", data=fields if method == "post" else None)
        assert response.status_code == 302, path
        assert "/staff/login" in response.headers["Location"], path
    assert stored(app, reference).events[-1].kind == "created", "nothing happened"


def test_queue_is_ordered_by_deadline_with_badges_and_filters(app, client, auth, file_ticket):
    now = dt.datetime.now(dt.UTC)
    late, _ = file_ticket(app, created=now - dt.timedelta(days=3), subject="Late one")
    soon, _ = file_ticket(app, created=now - dt.timedelta(minutes=30), subject="Soon one", priority="high")
    question, _ = file_ticket(app, category="general", priority=None, subject="A question", language="en")
    auth.login(client)
    html = client.get("/staff/").get_data(as_text=True)
    order = re.findall(r"HC-\d{4}-\d{6}", html.split("<tbody>")[1])
    assert order[0] == late and order[-1] == question
    assert 'class="badge breached">Breached' in html and 'class="badge no_target">No target' in html
    only_general = client.get("/staff/?category=general").get_data(as_text=True)
    assert question in only_general and late not in only_general
    assert late in client.get("/staff/?q=late+one").get_data(as_text=True)
    assert question not in client.get("/staff/?q=late+one").get_data(as_text=True)
    assert question in client.get("/staff/?language=en").get_data(as_text=True)


def test_priority_change_recomputes_the_deadline_from_creation(app, client, auth, file_ticket):
    created = dt.datetime(2026, 5, 14, 14, 30, tzinfo=dt.UTC)  # Ascension Day, 16:30 in Paris
    reference, _ = file_ticket(app, created=created, priority="average")
    assert stored(app, reference).first_response_due == created + dt.timedelta(hours=24)
    auth.login(client)
    token = page_token(client, f"/staff/tickets/{reference}")
    client.post(f"/staff/tickets/{reference}/priority", data={"csrf_token": token, "priority": "high"})
    ticket = stored(app, reference)
    assert ticket.priority == "high" and ticket.first_response_due == created + dt.timedelta(hours=12)
    assert ticket.events[-1].kind == "priority" and ticket.events[-1].actor == "agent@fulgur.example"


def test_priority_change_keeps_the_window_when_the_day_was_closed_since(app_factory, tmp_path, auth, file_ticket):
    # Thursday 24 December 2026, 10:00 in Paris: business hours when the ticket arrives.
    created = dt.datetime(2026, 12, 24, 9, 0, tzinfo=dt.UTC)
    app = app_factory()
    reference, _ = file_ticket(app, created=created, priority="average")
    assert stored(app, reference).window == IN_HOURS
    # Then the office declares that day closed in the policy file, and the site restarts with it.
    shipped = Path(load_policy_set().source).read_text(encoding="utf-8")
    assert "closures = []" in shipped
    policy_file = tmp_path / "policy-with-closure.toml"
    policy_file.write_text(shipped.replace("closures = []", 'closures = ["2026-12-24"]'), encoding="utf-8")
    closed = load_policy_set(policy_file).default
    assert first_response_due(created, "technical", "high", closed).window == OUT_OF_HOURS, "for a new ticket"
    restarted = app_factory(SLA_POLICY=str(policy_file))
    client = restarted.test_client()
    auth.login(client)
    token = page_token(client, f"/staff/tickets/{reference}")
    response = client.post(f"/staff/tickets/{reference}/priority", data={"csrf_token": token, "priority": "high"})
    assert response.status_code == 302
    ticket = stored(restarted, reference)
    assert ticket.priority == "high" and ticket.window == IN_HOURS, "the window of the creation instant is kept"
    assert ticket.first_response_due == created + closed.target("technical", "high").in_hours


@pytest.mark.parametrize("late, outcome", [(False, "met"), (True, "breached")])
def test_first_reply_records_the_first_response_met_or_breached(app, client, auth, file_ticket, late, outcome):
    now = dt.datetime.now(dt.UTC)
    # High: one hour in business hours or twelve outside; three days ago is late either way.
    created = now - (dt.timedelta(days=3) if late else dt.timedelta(minutes=1))
    reference, token = file_ticket(app, created=created)
    auth.login(client)
    form_token = page_token(client, f"/staff/tickets/{reference}")
    client.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": form_token, "body": "We are looking into it."})
    ticket = stored(app, reference)
    assert ticket.first_response_at is not None and ticket.status == "waiting"
    assert [e.detail for e in ticket.events if e.kind == "first_response"] == [outcome]
    client.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": form_token, "body": "Fixed."})
    assert stored(app, reference).first_response_at == ticket.first_response_at, "only the first reply counts"
    html = client.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert f'class="badge {outcome}"' in html
    customer = client.get(f"/fr/tickets/{reference}?token={token}").get_data(as_text=True)
    assert "We are looking into it." in customer and "Fixed." in customer
    with database(app).sessions() as session:
        mails = session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("Réponse"))).all()
        assert len(mails) == 2 and mails[0].recipient == "jeanne@example.org"


def test_internal_notes_never_reach_the_customer(app, client, auth, file_ticket):
    reference, token = file_ticket(app)
    auth.login(client)
    form_token = page_token(client, f"/staff/tickets/{reference}")
    client.post(
        f"/staff/tickets/{reference}/note", data={"csrf_token": form_token, "body": "Customer on premium trial."}
    )
    assert "premium trial" in client.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert "premium trial" not in client.get(f"/fr/tickets/{reference}?token={token}").get_data(as_text=True)
    assert stored(app, reference).first_response_at is None, "a note is not a response"


def test_status_changes_are_recorded(app, client, auth, file_ticket):
    reference, _ = file_ticket(app)
    auth.login(client)
    client.post(
        f"/staff/tickets/{reference}/status",
        data={"csrf_token": page_token(client, f"/staff/tickets/{reference}"), "status": "resolved"},
    )
    ticket = stored(app, reference)
    assert ticket.status == "resolved" and ticket.events[-1].detail == "new -> resolved"
    assert reference not in client.get("/staff/").get_data(as_text=True), "the queue shows open tickets"
    assert reference in client.get("/staff/?status=resolved").get_data(as_text=True)


def test_customer_text_is_inert_in_the_queue_and_ticket_page(app, client, auth, file_ticket):
    reference, _ = file_ticket(app, subject=XSS, description=XSS, requester_name=XSS, company=XSS, product=XSS[:100])
    auth.login(client)
    for path in ("/staff/", f"/staff/tickets/{reference}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path


def test_staff_create_command_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=["staff", "create", "--email", "Admin@Fulgur.example", "--role", "admin", "--name", "Ada"],
        input=STAFF_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin account admin@fulgur.example" in result.output
    result = runner.invoke(args=["staff", "create", "--email", "x@fulgur.example"], input="short\n")
    assert result.exit_code == 1 and "at least 12" in result.output


def test_sla_report_figures_chart_and_csv(app, client, auth, file_ticket):
    now = dt.datetime.now(dt.UTC)
    late, _ = file_ticket(app, created=now - dt.timedelta(days=3), subject='=HYPERLINK("x")')
    fresh, _ = file_ticket(app, created=now - dt.timedelta(minutes=5))
    file_ticket(app, category="general", priority=None)
    auth.login(client)
    html = client.get("/staff/reports/sla").get_data(as_text=True)
    assert '<dd class="total">3</dd>' in html
    assert f'href="/staff/tickets/{late}"' in html.split("Breaches")[-1], "the late ticket is a breach, linked"
    assert fresh not in html.split("Breaches")[-1]
    assert "<svg" in html and 'role="img"' in html
    response = client.get("/staff/reports/sla.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Ticket reference,") and len(lines) == 4
    assert any(line.startswith(late) and line.endswith("breached") for line in lines)


def test_content_report_shows_funnel_searches_and_feedback(app, client, auth):
    client.get("/en/search?q=widget")
    client.get("/en/search?q=zzzqqq")
    csrf = csrf_token(client.get("/en/tickets/new").get_data(as_text=True))
    client.post("/en/tickets/funnel", data={"csrf_token": csrf, "stage": "shown", "product": "widget"})
    client.post(
        "/en/feedback", data={"article": "guide/first", "helpful": "yes"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    auth.login(client)
    html = client.get("/staff/reports/content").get_data(as_text=True)
    assert "widget" in html.split("Top searches")[1] and "zzzqqq" in html.split("Searches that found nothing")[1]
    funnel = html.split('class="funnel"')[1].split("</table>")[0]
    assert "<td>widget</td><td>1</td>" in funnel
    assert "First chapter" in html.split("Article feedback")[1]


def test_reports_escape_customer_text(app, client, auth, file_ticket):
    file_ticket(app, created=dt.datetime.now(dt.UTC) - dt.timedelta(days=3), subject=XSS)
    auth.login(client)
    html = client.get("/staff/reports/sla").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    csv_text = client.get("/staff/reports/sla.csv").get_data(as_text=True)
    assert "script" not in csv_text, "the CSV holds references and codes, never a customer's text"
