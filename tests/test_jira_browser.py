"""In a real browser: a ticket filed on the site shows its JSM request to staff; a comment made in Jira
shows on the customer's ticket page in the Customer Area."""

from __future__ import annotations

import re
import time

import requests
from sqlalchemy import select

from helpcenter.db import database, utcnow
from helpcenter.outbox import channels, deliver_pending
from helpcenter.tickets.models import Ticket

from .helpers import PROJECT_CONTENT, STAFF_EMAIL, STAFF_PASSWORD, file_in_browser, needs_chromium
from .jsm_standin import AGENT, app_settings
from .test_jira_outbound import file


def jira_key(app, reference: str, *, wait: float = 15) -> str | None:
    """The ticket's JSM key once the outbox has pushed it (the site's own delivery, else the jobs' next run)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with database(app).sessions() as session:
            key = session.scalars(select(Ticket.jira_key).filter_by(reference=reference)).one()
        if key:
            return key
        deliver_pending(database(app).sessions, channels(app), now=utcnow())
        time.sleep(0.2)
    return None


@needs_chromium
def test_a_ticket_filed_on_the_site_shows_its_jsm_key_on_the_staff_ticket_page(
    app_factory, jsm, serve, context_factory, auth
):
    app = app_factory(CONTENT_DIR=str(PROJECT_CONTENT), **app_settings(jsm))
    base = serve(app)
    auth.account(app)
    page = context_factory().new_page()
    reference = file_in_browser(
        page,
        base,
        subject="Alerts stopped at the stadium",
        description="No SMS alert since this morning for the stadium site.",
        impact="High",
    )
    assert jira_key(app, reference) == "SUP-1"
    assert jsm.requests["SUP-1"].fields["customfield_10050"] == reference

    staff = context_factory().new_page()
    staff.goto(f"{base}/staff/")
    staff.get_by_label("Email").fill(STAFF_EMAIL)
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.get_by_role("link", name=reference).click()
    link = staff.get_by_role("link", name="SUP-1")
    assert link.get_attribute("href") == f"{jsm.url}/browse/SUP-1"
    assert staff.locator("dt", has_text="Jira request").count() == 1


@needs_chromium
def test_a_comment_made_in_jira_shows_on_the_customers_ticket_page(app_factory, jsm, serve, context_factory, customer):
    app = app_factory(CONTENT_DIR=str(PROJECT_CONTENT), **app_settings(jsm))
    base = serve(app)
    reference = file(app, requester_email="jeanne@example.org", subject="Alerts stopped at the stadium")
    assert jira_key(app, reference) == "SUP-1"

    # An agent answers in Jira; Jira sends the signed webhook to the running site.
    event = jsm.comment_as("SUP-1", "The SMS gateway is back: alerts flow again since 10:40.")
    body, headers = jsm.signed(event)
    answer = requests.post(f"{base}/integrations/jira/webhook", data=body, headers=headers, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"outcome": "reply"}

    page = context_factory().new_page()
    page.goto(base + customer.link(app.test_client(), "jeanne@example.org"))
    page.get_by_role("heading", name="My tickets").wait_for()
    page.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(rf"/en/account/tickets/{reference}$"))
    answered = page.locator("ol.conversation li.staff").filter(has_text="The SMS gateway is back")
    answered.wait_for()
    assert AGENT["displayName"] in answered.locator(".meta").inner_text()
    assert page.locator("ol.conversation li").count() == 2, "the request, then the agent's answer"
    assert page.locator("dd.status").inner_text().strip() == "Waiting on customer", "the answer awaits them"
