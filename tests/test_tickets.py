"""The ticket form: fields, errors, CSRF, honeypot, suggestions, creation and the private page."""

import re

import pytest
from sqlalchemy import func, select

from helpcenter.db import database
from helpcenter.outbox.models import OutboxMessage
from helpcenter.tickets.models import DeflectionCount, Ticket

from .helpers import csrf_token


def form_token(client, lang="en"):
    return csrf_token(client.get(f"/{lang}/tickets/new").get_data(as_text=True))


def count(app, model):
    with database(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def funnel(app):
    with database(app).sessions() as session:
        return {(row.lang, row.product, row.stage): row.count for row in session.scalars(select(DeflectionCount))}


@pytest.mark.parametrize("lang", ["en", "fr", "de", "es", "it", "pt"])
def test_form_labels_in_every_language(demo_client, lang):
    html = demo_client.get(f"/{lang}/tickets/new").get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    for name in (
        "category",
        "product",
        "subject",
        "description",
        "name",
        "email",
        "company",
        "contract",
        "impact",
        "language",
    ):
        assert f'for="{name}' in html or f'name="{name}"' in html
    assert "sales@fulgur.example" in html
    assert 'id="suggestions"' in html and 'aria-live="polite"' in html


def test_english_labels_are_the_designed_ones(demo_client):
    html = demo_client.get("/en/tickets/new").get_data(as_text=True)
    for label in (
        "Category",
        "Product",
        "Subject",
        "Description",
        "Your name",
        "Email",
        "Company",
        "Contract number",
        "Impact",
        "Ticket language",
        "Submit ticket",
        "Suggested articles",
    ):
        assert label in html, label


def test_ticket_language_defaults_to_the_readers_when_french_or_english(demo_client):
    assert '<option selected value="fr">' in demo_client.get("/fr/tickets/new").get_data(as_text=True)
    assert '<option selected value="en">' in demo_client.get("/de/tickets/new").get_data(as_text=True)


def test_a_ticket_is_created_with_its_deadline_and_private_page(demo_app, demo_client, ticket_form):
    response = demo_client.post("/en/tickets/new", data=ticket_form(demo_client))
    assert response.status_code == 303
    location = response.headers["Location"]
    match = re.match(r"^/en/tickets/(HC-\d{4}-\d{6})\?token=([\w-]{32,})$", location)
    assert match, location
    page = demo_client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<dd class="reference">{match.group(1)}</dd>' in html
    assert "First response due" in html and "<time datetime=" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    with database(demo_app).sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.reference == match.group(1)
        assert ticket.token_hash != match.group(2) and len(ticket.token_hash) == 64
        assert (ticket.category, ticket.priority, ticket.requested_priority) == ("technical", "high", "high")
        assert ticket.first_response_due is not None and ticket.first_response_due > ticket.created_at
        assert [event.kind for event in ticket.events] == ["created"]
        assert "High" in ticket.events[0].detail
        mails = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [mail.recipient for mail in mails] == ["jeanne@example.org", "support@fulgur.example"]
        assert match.group(1) in mails[0].subject and location.split("?")[0] in mails[0].body


def test_general_questions_have_no_committed_time(demo_app, demo_client, ticket_form):
    response = demo_client.post(
        "/fr/tickets/new", data=ticket_form(demo_client, "fr", category="general", impact="", language="fr")
    )
    html = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aucun délai de réponse" in html or "aucun délai" in html.lower()
    with database(demo_app).sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.first_response_due is None and ticket.priority is None and ticket.window is None


def test_a_contract_number_typed_by_anyone_is_only_claimed(demo_app, demo_client, ticket_form):
    demo_client.post("/en/tickets/new", data=ticket_form(demo_client, contract="ful-premium-001", impact="high"))
    with database(demo_app).sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.policy_code, ticket.contract_verified, ticket.contract_number) == (
            "default",
            False,
            "ful-premium-001",
        )
        assert ticket.target_minutes in (60, 720), "the standard policy's High target"
        assert [event.kind for event in ticket.events] == ["created", "contract_claimed"]


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
def test_every_field_error_is_shown_beside_its_field_with_the_text_kept(
    demo_app, demo_client, ticket_form, changes, field
):
    data = ticket_form(demo_client, **changes)
    response = demo_client.post("/en/tickets/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-errors"' in html or f'id="{field}-0-errors"' in html or f"{field}-errors" in html
    assert "Alerts stopped arriving" in html or changes.get("subject") is not None
    assert "Jeanne Martin" in html or field == "name"
    assert count(demo_app, Ticket) == 0


def test_impact_is_ignored_outside_technical_assistance(demo_app, demo_client, ticket_form):
    demo_client.post("/en/tickets/new", data=ticket_form(demo_client, category="improvement", impact="urgent"))
    assert count(demo_app, Ticket) == 1


def test_csrf_is_required(demo_app, demo_client, ticket_form):
    response = demo_client.post("/en/tickets/new", data=ticket_form(demo_client, csrf_token=""))
    assert response.status_code == 400
    assert count(demo_app, Ticket) == 0


def test_the_honeypot_stores_nothing(demo_app, demo_client, ticket_form):
    response = demo_client.post("/en/tickets/new", data=ticket_form(demo_client, website="http://spam.example"))
    assert response.status_code == 400
    assert count(demo_app, Ticket) == 0 and count(demo_app, OutboxMessage) == 0


def test_without_javascript_the_first_submit_shows_suggestions(demo_app, demo_client, ticket_form):
    data = ticket_form(
        demo_client,
        suggestions_seen="",
        subject="alert zone radius",
        description="How do I choose the alert radius of my zone?",
    )
    response = demo_client.post("/en/tickets/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count(demo_app, Ticket) == 0
    assert "Suggested articles" in html and "/en/tickets/open?article=guide/alert-zones&amp;product=alerts" in html
    assert 'target="_blank"' in html
    assert 'name="subject" value="alert zone radius"' in html, "the typed data is kept"
    assert 'name="suggestions_seen" value="1"' in html
    assert funnel(demo_app) == {("en", "alerts", "shown"): 1}
    confirm = dict(
        re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html.split('class="confirm-ticket"')[1])
    )
    assert confirm["description"] == "How do I choose the alert radius of my zone?" and confirm["csrf_token"]
    response = demo_client.post("/en/tickets/new", data=confirm)
    assert response.status_code == 303 and count(demo_app, Ticket) == 1
    assert funnel(demo_app)[("en", "alerts", "submitted")] == 1


def test_opening_and_solving_from_the_suggestions(demo_app, demo_client):
    response = demo_client.get("/en/tickets/open?article=guide/alert-zones&product=alerts")
    assert response.status_code == 302 and response.headers["Location"] == "/en/guide/alert-zones"
    assert demo_client.get("/en/tickets/open?article=guide/nope").status_code == 404
    response = demo_client.post("/en/tickets/solved", data={"csrf_token": form_token(demo_client), "product": "alerts"})
    assert response.status_code == 200 and "Glad we could help" in response.get_data(as_text=True)
    assert funnel(demo_app) == {("en", "alerts", "opened"): 1, ("en", "alerts", "solved"): 1}
    assert count(demo_app, Ticket) == 0


def test_the_script_reports_what_it_showed(demo_app, demo_client):
    token = form_token(demo_client)
    assert (
        demo_client.post(
            "/de/tickets/funnel", data={"csrf_token": token, "stage": "shown", "product": "storm-map"}
        ).status_code
        == 204
    )
    assert (
        demo_client.post(
            "/de/tickets/funnel", data={"csrf_token": token, "stage": "shown", "product": "../../x"}
        ).status_code
        == 204
    )
    assert demo_client.post("/de/tickets/funnel", data={"csrf_token": token, "stage": "bogus"}).status_code == 400
    assert demo_client.post("/de/tickets/funnel", data={"stage": "shown"}).status_code == 400, "CSRF"
    assert funnel(demo_app) == {("de", "storm-map", "shown"): 1, ("de", "", "shown"): 1}


def test_a_wrong_token_is_the_same_404_as_an_unknown_ticket(demo_app, demo_client, ticket_form):
    location = demo_client.post("/en/tickets/new", data=ticket_form(demo_client)).headers["Location"]
    reference = location.split("/")[3].split("?")[0]
    wrong = demo_client.get(f"/en/tickets/{reference}?token=not-the-token")
    unknown = demo_client.get("/en/tickets/HC-2026-999999?token=not-the-token")
    missing = demo_client.get(f"/en/tickets/{reference}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert all("Page not found" in page.get_data(as_text=True) for page in (wrong, unknown, missing))
    token = location.split("token=")[1].split("&")[0]
    other = demo_client.post("/en/tickets/new", data=ticket_form(demo_client, subject="Another one")).headers[
        "Location"
    ]
    other_reference = other.split("/")[3].split("?")[0]
    assert demo_client.get(f"/en/tickets/{other_reference}?token={token}").status_code == 404, (
        "one ticket's token opens no other"
    )


def test_customer_text_is_shown_escaped(demo_client, ticket_form):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    location = demo_client.post(
        "/en/tickets/new", data=ticket_form(demo_client, subject=payload, description=payload + " more text here")
    ).headers["Location"]
    html = demo_client.get(location).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
