"""Script payloads in every field a customer (or a search) can fill: inert on every page that shows them."""

import datetime as dt

import pytest

from helpcenter.library import search_tally

from .helpers import PROJECT_CONTENT, csrf_token

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "<svg/onload=alert(3)>",
    "javascript:alert(4)",
    "'-alert(5)-'",
    '<a href="javascript:alert(6)">x</a>',
    "{{7*7}}<iframe srcdoc='<script>alert(8)</script>'>",
]
LIVE_MARKUP = ("<script>alert", "<img src=x", "<svg/onload", "<iframe", 'href="javascript:')


def assert_inert(html: str, where: str) -> None:
    for marker in LIVE_MARKUP:
        assert marker not in html, f"{marker} live in {where}"
    assert "49<iframe" not in html, f"template syntax evaluated in {where}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_everywhere_they_are_shown(app_factory, auth, ticket_form, payload):
    app = app_factory(CONTENT_DIR=str(PROJECT_CONTENT), TICKET_LIMIT="1000 per minute")
    client = app.test_client()
    data = ticket_form(
        client,
        product="",
        subject=payload,
        description=f"{payload} and some more words",
        name=payload,
        company=payload,
        contract=payload[:64],
    )
    created = client.post("/en/tickets/new", data=data)
    assert created.status_code == 303
    tracking = created.headers["Location"]
    reference = tracking.split("/")[3].split("?")[0]
    assert_inert(client.get(tracking).get_data(as_text=True), "the tracking page")

    # The form with the payload in every field, re-shown with an error.
    data_with_error = {**data, "email": "not an address"}
    assert_inert(client.post("/en/tickets/new", data=data_with_error).get_data(as_text=True), "the form's errors")
    # The interstitial of suggested articles keeps the text in hidden fields.
    assert_inert(
        client.post("/en/tickets/new", data={**data, "suggestions_seen": ""}).get_data(as_text=True), "the interstitial"
    )

    # Searches echo the query, and the editors' report lists it.
    assert_inert(client.get("/en/search", query_string={"q": payload}).get_data(as_text=True), "the search page")
    api = client.get("/api/v1/search", query_string={"q": payload})
    # JSON is never HTML: the browser is told so and may not guess otherwise.
    assert api.mimetype == "application/json" and api.headers["X-Content-Type-Options"] == "nosniff"
    results = api.get_json()["results"]
    assert results, "the payload's words are in the demo content: there are snippets to check"
    assert all(marker not in item["snippet_html"] for item in results for marker in LIVE_MARKUP)

    staff = app.test_client()
    assert auth.login(staff).status_code == 302
    page = staff.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert_inert(page, "the staff ticket page")
    form = csrf_token(page)
    staff.post(f"/staff/tickets/{reference}/note", data={"csrf_token": form, "body": payload})
    staff.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": form, "body": payload})
    assert_inert(staff.get(f"/staff/tickets/{reference}").get_data(as_text=True), "the staff ticket page with notes")
    assert_inert(client.get(tracking).get_data(as_text=True), "the tracking page with a reply")
    assert_inert(staff.get("/staff/?q=" + reference).get_data(as_text=True), "the queue")
    today = dt.date.today().isoformat()
    assert_inert(staff.get(f"/staff/reports/sla?end={today}").get_data(as_text=True), "the SLA report")
    csv_text = staff.get("/staff/reports/sla.csv").get_data(as_text=True)
    assert payload not in csv_text
    search_tally(app).flush()
    assert_inert(staff.get("/staff/reports/content").get_data(as_text=True), "the content report")
