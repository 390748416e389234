"""The staff console: accounts, access, the queue and triage against the SLA."""

import datetime as dt
import re
import time

import pytest
from sqlalchemy import select

from helpcenter.db import database
from helpcenter.mail import OutboxMail
from helpcenter.sla import load_policy_set
from helpcenter.staff.operations import AccountError, create_staff
from helpcenter.staff.models import StaffUser
from helpcenter.tickets.models import Ticket
from helpcenter.tickets.operations import create_ticket

from .conftest import csrf_token, make_app
from .test_tickets_databases import request as ticket_request

PASSWORD = "correct horse battery staple"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with database(app).sessions() as session:
        create_staff(session, email="agent@fulgur.example", name="Alex Agent", role="agent", password=PASSWORD)
    return app


def new_ticket(app, *, created=None, **changes):
    fields = {"product": "widget", "priority": "high", **changes}
    with database(app).sessions() as session:
        ticket, token = create_ticket(session, ticket_request(**fields), load_policy_set(), now=created)
        return ticket.reference, token


def log_in(client, email="agent@fulgur.example", password=PASSWORD):
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    return client.post("/staff/login", data={"csrf_token": token, "email": email, "password": password})


def page_token(client, path):
    return csrf_token(client.get(path).get_data(as_text=True))


def stored(app, reference):
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        _loaded = (ticket.events, ticket.messages)  # load them before the session closes
        return ticket


def test_passwords_are_hashed_with_a_modern_scheme(app):
    with database(app).sessions() as session:
        user = session.scalars(select(StaffUser)).one()
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
        with pytest.raises(AccountError, match="at least 12"):
            create_staff(session, email="x@y.z", name="", role="agent", password="short")
        with pytest.raises(AccountError, match="exists already"):
            create_staff(session, email="AGENT@fulgur.example", name="", role="agent", password=PASSWORD)
        with pytest.raises(AccountError, match="role"):
            create_staff(session, email="x@y.z", name="", role="boss", password=PASSWORD)


def test_login_logout(client):
    assert log_in(client, password="wrong password!").status_code == 401
    response = log_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    html = client.get("/staff/").get_data(as_text=True)
    assert "Alex Agent" in html and "Log out" in html
    client.post("/staff/logout", data={"csrf_token": csrf_token(html)})
    assert client.get("/staff/").status_code == 302


def test_login_goes_back_where_asked_but_only_inside_staff(client):
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": "agent@fulgur.example", "password": PASSWORD}
    assert client.post("/staff/login?next=https://evil.example/", data=data).headers["Location"] == "/staff/"
    client.post("/staff/logout", data={"csrf_token": page_token(client, "/staff/")})
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    data["csrf_token"] = token
    assert client.post("/staff/login?next=/staff/?status=all", data=data).headers["Location"] == "/staff/?status=all"


def test_sessions_expire_after_an_idle_hour(client):
    log_in(client)
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session["staff_seen"] = time.time() - 61 * 60
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302, "and the session is gone"


def test_sessions_end_when_the_password_changes(app, client):
    log_in(client)
    with database(app).sessions() as session:
        user = session.scalars(select(StaffUser)).one()
        user.set_password("another long password")
        session.commit()
    assert client.get("/staff/").status_code == 302


def test_login_attempts_are_rate_limited(client):
    statuses = [log_in(client, password=f"wrong {n} password").status_code for n in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    blocked = log_in(client)
    assert blocked.status_code == 429, "even with the right password, until the window passes"
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_every_staff_route_refuses_anonymous_users_and_customers(app, client):
    reference, token = new_ticket(app)
    routes = [
        ("get", "/staff/"),
        ("get", f"/staff/tickets/{reference}"),
        ("post", f"/staff/tickets/{reference}/priority"),
        ("post", f"/staff/tickets/{reference}/reply"),
        ("post", f"/staff/tickets/{reference}/note"),
        ("post", f"/staff/tickets/{reference}/status"),
        ("post", "/staff/logout"),
    ]
    routes += [("get", rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith(("/staff/reports", "/staff/translations")) and "<" not in rule.rule]
    routes.append(("get", "/staff/translations/fr/guide/first/diff"))
    assert client.get(f"/fr/tickets/{reference}?token={token}").status_code == 200, "the customer's own page"
    for method, path in routes:
        response = getattr(client, method)(f"{path}?token={token}")
        assert response.status_code in (302, 400), path
        if response.status_code == 302:
            assert "/staff/login" in response.headers["Location"], path
    assert stored(app, reference).events[-1].kind == "created", "nothing happened"


def test_queue_is_ordered_by_deadline_with_badges_and_filters(app, client):
    now = dt.datetime.now(dt.timezone.utc)
    late, _ = new_ticket(app, created=now - dt.timedelta(days=3), subject="Late one")
    soon, _ = new_ticket(app, created=now - dt.timedelta(minutes=30), subject="Soon one", priority="high")
    question, _ = new_ticket(app, category="general", priority=None, subject="A question", language="en")
    log_in(client)
    html = client.get("/staff/").get_data(as_text=True)
    order = re.findall(r"HC-\d{4}-\d{6}", html.split("<tbody>")[1])
    assert order[0] == late and order[-1] == question
    assert 'class="badge breached">Breached' in html and 'class="badge no_target">No target' in html
    only_general = client.get("/staff/?category=general").get_data(as_text=True)
    assert question in only_general and late not in only_general
    assert late in client.get("/staff/?q=late+one").get_data(as_text=True)
    assert question not in client.get("/staff/?q=late+one").get_data(as_text=True)
    assert question in client.get("/staff/?language=en").get_data(as_text=True)


def test_priority_change_recomputes_the_deadline_from_creation(app, client):
    created = dt.datetime(2026, 5, 14, 14, 30, tzinfo=dt.timezone.utc)  # Ascension Day, 16:30 in Paris
    reference, _ = new_ticket(app, created=created, priority="average")
    assert stored(app, reference).first_response_due == created + dt.timedelta(hours=24)
    log_in(client)
    token = page_token(client, f"/staff/tickets/{reference}")
    client.post(f"/staff/tickets/{reference}/priority", data={"csrf_token": token, "priority": "high"})
    ticket = stored(app, reference)
    assert ticket.priority == "high" and ticket.first_response_due == created + dt.timedelta(hours=12)
    assert ticket.events[-1].kind == "priority" and ticket.events[-1].actor == "agent@fulgur.example"


@pytest.mark.parametrize("late, outcome", [(False, "met"), (True, "breached")])
def test_first_reply_records_the_first_response_met_or_breached(app, client, late, outcome):
    now = dt.datetime.now(dt.timezone.utc)
    # High: one hour in business hours or twelve outside; three days ago is late either way.
    created = now - (dt.timedelta(days=3) if late else dt.timedelta(minutes=1))
    reference, token = new_ticket(app, created=created)
    log_in(client)
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
        mails = session.scalars(select(OutboxMail).where(OutboxMail.subject.contains("Réponse"))).all()
        assert len(mails) == 2 and mails[0].recipient == "jeanne@example.org"


def test_internal_notes_never_reach_the_customer(app, client):
    reference, token = new_ticket(app)
    log_in(client)
    form_token = page_token(client, f"/staff/tickets/{reference}")
    client.post(f"/staff/tickets/{reference}/note", data={"csrf_token": form_token, "body": "Customer on premium trial."})
    assert "premium trial" in client.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert "premium trial" not in client.get(f"/fr/tickets/{reference}?token={token}").get_data(as_text=True)
    assert stored(app, reference).first_response_at is None, "a note is not a response"


def test_status_changes_are_recorded(app, client):
    reference, _ = new_ticket(app)
    log_in(client)
    client.post(f"/staff/tickets/{reference}/status", data={"csrf_token": page_token(client, f"/staff/tickets/{reference}"), "status": "resolved"})
    ticket = stored(app, reference)
    assert ticket.status == "resolved" and ticket.events[-1].detail == "new -> resolved"
    assert reference not in client.get("/staff/").get_data(as_text=True), "the queue shows open tickets"
    assert reference in client.get("/staff/?status=resolved").get_data(as_text=True)


def test_customer_text_is_inert_in_the_queue_and_ticket_page(app, client):
    reference, _ = new_ticket(app, subject=XSS, description=XSS, requester_name=XSS, company=XSS, product=XSS[:100])
    log_in(client)
    for path in ("/staff/", f"/staff/tickets/{reference}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path


def test_staff_create_command_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["staff", "create", "--email", "Admin@Fulgur.example", "--role", "admin", "--name", "Ada"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created admin account admin@fulgur.example" in result.output
    result = runner.invoke(args=["staff", "create", "--email", "x@fulgur.example"], input="short\n")
    assert result.exit_code == 1 and "at least 12" in result.output


def test_sla_report_figures_chart_and_csv(app, client):
    now = dt.datetime.now(dt.timezone.utc)
    late, _ = new_ticket(app, created=now - dt.timedelta(days=3), subject="=HYPERLINK(\"x\")")
    fresh, _ = new_ticket(app, created=now - dt.timedelta(minutes=5))
    new_ticket(app, category="general", priority=None)
    log_in(client)
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


def test_content_report_shows_funnel_searches_and_feedback(app, client):
    client.get("/en/search?q=widget")
    client.get("/en/search?q=zzzqqq")
    csrf = csrf_token(client.get("/en/tickets/new").get_data(as_text=True))
    client.post("/en/tickets/funnel", data={"csrf_token": csrf, "stage": "shown", "product": "widget"})
    client.post("/en/feedback", data={"article": "guide/first", "helpful": "yes"}, headers={"Sec-Fetch-Site": "same-origin"})
    log_in(client)
    html = client.get("/staff/reports/content").get_data(as_text=True)
    assert "widget" in html.split("Top searches")[1] and "zzzqqq" in html.split("Searches that found nothing")[1]
    funnel = html.split('class="funnel"')[1].split("</table>")[0]
    assert "<td>widget</td><td>1</td>" in funnel
    assert "First chapter" in html.split("Article feedback")[1]


def test_reports_escape_customer_text(app, client):
    new_ticket(app, created=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3), subject=XSS)
    log_in(client)
    html = client.get("/staff/reports/sla").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    csv_text = client.get("/staff/reports/sla.csv").get_data(as_text=True)
    assert "script" not in csv_text, "the CSV holds references and codes, never a customer's text"
