"""The ticket form: fields, errors, CSRF, honeypot, suggestions, creation and the private page."""

import re

import pytest
from sqlalchemy import func, select

from helpcenter.db import database
from helpcenter.mail import OutboxMail
from helpcenter.tickets.models import DeflectionCount, Ticket

from .conftest import PROJECT_CONTENT, csrf_token, make_app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, CONTENT_DIR=str(PROJECT_CONTENT))


def valid(token, **changes):
    data = {
        "csrf_token": token,
        "category": "technical",
        "product": "alerts",
        "subject": "Alerts stopped arriving",
        "description": "Since yesterday no SMS alert reaches my phone for the stadium site.",
        "name": "Jeanne Martin",
        "email": "jeanne@example.org",
        "company": "Stade de Lyon",
        "contract": "",
        "impact": "high",
        "language": "en",
        "website": "",
        "suggestions_seen": "1",
    }
    data.update(changes)
    return data


def form_token(client, lang="en"):
    return csrf_token(client.get(f"/{lang}/tickets/new").get_data(as_text=True))


def count(app, model):
    with database(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def funnel(app):
    with database(app).sessions() as session:
        return {(row.lang, row.product, row.stage): row.count for row in session.scalars(select(DeflectionCount))}


@pytest.mark.parametrize("lang", ["en", "fr", "de", "es", "it", "pt"])
def test_form_labels_in_every_language(client, lang):
    html = client.get(f"/{lang}/tickets/new").get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    for name in ("category", "product", "subject", "description", "name", "email", "company", "contract", "impact", "language"):
        assert f'for="{name}' in html or f'name="{name}"' in html
    assert "sales@fulgur.example" in html
    assert 'id="suggestions"' in html and 'aria-live="polite"' in html


def test_english_labels_are_the_designed_ones(client):
    html = client.get("/en/tickets/new").get_data(as_text=True)
    for label in ("Category", "Product", "Subject", "Description", "Your name", "Email", "Company", "Contract number", "Impact", "Ticket language", "Submit ticket", "Suggested articles"):
        assert label in html, label


def test_ticket_language_defaults_to_the_readers_when_french_or_english(client):
    assert '<option selected value="fr">' in client.get("/fr/tickets/new").get_data(as_text=True)
    assert '<option selected value="en">' in client.get("/de/tickets/new").get_data(as_text=True)


def test_a_ticket_is_created_with_its_deadline_and_private_page(app, client):
    response = client.post("/en/tickets/new", data=valid(form_token(client)))
    assert response.status_code == 303
    location = response.headers["Location"]
    match = re.match(r"^/en/tickets/(HC-\d{4}-\d{6})\?token=([\w-]{32,})&created=1$", location)
    assert match, location
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<dd class="reference">{match.group(1)}</dd>' in html
    assert "First response due" in html and "<time datetime=" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.reference == match.group(1)
        assert ticket.token_hash != match.group(2) and len(ticket.token_hash) == 64
        assert (ticket.category, ticket.priority, ticket.requested_priority) == ("technical", "high", "high")
        assert ticket.first_response_due is not None and ticket.first_response_due > ticket.created_at
        assert [event.kind for event in ticket.events] == ["created"]
        assert "High" in ticket.events[0].detail
        mails = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        assert [mail.recipient for mail in mails] == ["jeanne@example.org", "support@fulgur.example"]
        assert match.group(1) in mails[0].subject and location.split("?")[0] in mails[0].body


def test_general_questions_have_no_committed_time(app, client):
    response = client.post("/fr/tickets/new", data=valid(form_token(client, "fr"), category="general", impact="", language="fr"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aucun délai de réponse" in html or "aucun délai" in html.lower()
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.first_response_due is None and ticket.priority is None and ticket.window is None


def test_a_contract_number_selects_its_policy(app, client):
    client.post("/en/tickets/new", data=valid(form_token(client), contract="ful-premium-001", impact="high"))
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.policy_code == "premium" and ticket.target_minutes in (30, 120)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"category": ""}, "category"),
        ({"category": "sales"}, "category"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": ""}, "description"),
        ({"description": "short"}, "description"),
        ({"description": "x" * 10001}, "description"),
        ({"name": ""}, "name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"company": "x" * 201}, "company"),
        ({"contract": "x" * 65}, "contract"),
        ({"impact": ""}, "impact"),
        ({"impact": "urgent"}, "impact"),
        ({"language": "de"}, "language"),
        ({"product": "nonexistent"}, "product"),
    ],
)
def test_every_field_error_is_shown_beside_its_field_with_the_text_kept(app, client, changes, field):
    data = valid(form_token(client), **changes)
    response = client.post("/en/tickets/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-errors"' in html or f'id="{field}-0-errors"' in html or f"{field}-errors" in html
    assert "Alerts stopped arriving" in html or changes.get("subject") is not None
    assert "Jeanne Martin" in html or field == "name"
    assert count(app, Ticket) == 0


def test_impact_is_ignored_outside_technical_assistance(app, client):
    client.post("/en/tickets/new", data=valid(form_token(client), category="improvement", impact="urgent"))
    assert count(app, Ticket) == 1


def test_csrf_is_required(app, client):
    response = client.post("/en/tickets/new", data=valid(""))
    assert response.status_code == 400
    assert count(app, Ticket) == 0


def test_the_honeypot_stores_nothing(app, client):
    response = client.post("/en/tickets/new", data=valid(form_token(client), website="http://spam.example"))
    assert response.status_code == 400
    assert count(app, Ticket) == 0 and count(app, OutboxMail) == 0


def test_without_javascript_the_first_submit_shows_suggestions(app, client):
    data = valid(form_token(client), suggestions_seen="", subject="alert zone radius", description="How do I choose the alert radius of my zone?")
    response = client.post("/en/tickets/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count(app, Ticket) == 0
    assert "Suggested articles" in html and "/en/tickets/open?article=guide/alert-zones&amp;product=alerts" in html
    assert 'target="_blank"' in html
    assert 'name="subject" value="alert zone radius"' in html, "the typed data is kept"
    assert 'name="suggestions_seen" value="1"' in html
    assert funnel(app) == {("en", "alerts", "shown"): 1}
    confirm = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html.split('class="confirm-ticket"')[1]))
    assert confirm["description"] == "How do I choose the alert radius of my zone?" and confirm["csrf_token"]
    response = client.post("/en/tickets/new", data=confirm)
    assert response.status_code == 303 and count(app, Ticket) == 1
    assert funnel(app)[("en", "alerts", "submitted")] == 1


def test_opening_and_solving_from_the_suggestions(app, client):
    response = client.get("/en/tickets/open?article=guide/alert-zones&product=alerts")
    assert response.status_code == 302 and response.headers["Location"] == "/en/guide/alert-zones"
    assert client.get("/en/tickets/open?article=guide/nope").status_code == 404
    response = client.post("/en/tickets/solved", data={"csrf_token": form_token(client), "product": "alerts"})
    assert response.status_code == 200 and "Glad we could help" in response.get_data(as_text=True)
    assert funnel(app) == {("en", "alerts", "opened"): 1, ("en", "alerts", "solved"): 1}
    assert count(app, Ticket) == 0


def test_the_script_reports_what_it_showed(app, client):
    token = form_token(client)
    assert client.post("/de/tickets/funnel", data={"csrf_token": token, "stage": "shown", "product": "storm-map"}).status_code == 204
    assert client.post("/de/tickets/funnel", data={"csrf_token": token, "stage": "shown", "product": "../../x"}).status_code == 204
    assert client.post("/de/tickets/funnel", data={"csrf_token": token, "stage": "bogus"}).status_code == 400
    assert client.post("/de/tickets/funnel", data={"stage": "shown"}).status_code == 400, "CSRF"
    assert funnel(app) == {("de", "storm-map", "shown"): 1, ("de", "", "shown"): 1}


def test_a_wrong_token_is_the_same_404_as_an_unknown_ticket(app, client):
    location = client.post("/en/tickets/new", data=valid(form_token(client))).headers["Location"]
    reference = location.split("/")[3].split("?")[0]
    wrong = client.get(f"/en/tickets/{reference}?token=not-the-token")
    unknown = client.get("/en/tickets/HC-2026-999999?token=not-the-token")
    missing = client.get(f"/en/tickets/{reference}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert all("Page not found" in page.get_data(as_text=True) for page in (wrong, unknown, missing))
    token = location.split("token=")[1].split("&")[0]
    other = client.post("/en/tickets/new", data=valid(form_token(client), subject="Another one")).headers["Location"]
    other_reference = other.split("/")[3].split("?")[0]
    assert client.get(f"/en/tickets/{other_reference}?token={token}").status_code == 404, "one ticket's token opens no other"


def test_customer_text_is_shown_escaped(client):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    location = client.post(
        "/en/tickets/new", data=valid(form_token(client), subject=payload, description=payload + " more text here")
    ).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def form_with_submission(client, lang="en"):
    """The form's CSRF token and the identity of this filling-in of the form."""
    html = client.get(f"/{lang}/tickets/new").get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([\w-]{20,})"', html) or re.search(
        r'name="submission"[^>]*value="([\w-]{20,})"', html
    )
    assert submission, "the form identifies each filling-in"
    return csrf_token(html), submission.group(1)


def test_a_form_sent_twice_files_one_ticket_and_leads_to_the_same_page(app, client):
    # The first answer was lost (a server died after storing the ticket): the
    # customer sends the same form again, and must not get a second ticket.
    token, submission = form_with_submission(client)
    first = client.post("/en/tickets/new", data=valid(token, submission=submission))
    again = client.post("/en/tickets/new", data=valid(token, submission=submission))
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert client.get(again.headers["Location"]).status_code == 200
    assert count(app, Ticket) == 1 and count(app, OutboxMail) == 2, "one ticket, mailed once"
    assert funnel(app)[("en", "alerts", "submitted")] == 1

    # A new filling-in of the form is a new ticket.
    token, other = form_with_submission(client)
    assert other != submission
    assert client.post("/en/tickets/new", data=valid(token, submission=other)).headers["Location"] != first.headers["Location"]
    assert count(app, Ticket) == 2


def test_a_form_seen_by_someone_else_does_not_open_the_ticket_it_filed(app, client):
    token, submission = form_with_submission(client)
    filed = client.post("/en/tickets/new", data=valid(token, submission=submission))
    stranger = app.test_client()
    answer = stranger.post("/en/tickets/new", data=valid(form_token(stranger), submission=submission))
    assert answer.status_code == 303 and answer.headers["Location"] != filed.headers["Location"]
    assert count(app, Ticket) == 2, "another browser's copy of the form files a ticket of its own"


def test_the_suggestions_page_and_an_error_keep_the_form_s_identity(app, client):
    token, submission = form_with_submission(client)
    shown = client.post("/en/tickets/new", data=valid(token, submission=submission, suggestions_seen="", subject="alert zone"))
    assert f'name="submission" value="{submission}"' in shown.get_data(as_text=True)
    invalid = client.post("/en/tickets/new", data=valid(token, submission=submission, email="not an address"))
    assert invalid.status_code == 400 and f'value="{submission}"' in invalid.get_data(as_text=True)
