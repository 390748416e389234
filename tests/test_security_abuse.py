"""What an outsider tries with files, limits, caches, dates, cookies and mails, replayed.

Each of these once worked: a script served from ``content/assets/``,
unlimited searches and votes, a cache grown by junk query strings, a 500
for a far-away date, a language cookie without ``Secure``, staff pages kept
by caches, and a mail header line run into the next.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from helpcenter.articles.models import ArticleFeedback
from helpcenter.caching import page_store
from helpcenter.content import check_library, load_library
from helpcenter.db import database
from helpcenter.outbox.models import OutboxMessage

from .helpers import TEST_CONTENT

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def hostile_assets(tmp_path):
    """A copy of the test content with files in ``assets/`` that would run as script or page."""
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    assets = content / "assets"
    (assets / "steal.html").write_text("<script>fetch('/staff/')</script>")
    (assets / "steal.js").write_text("fetch('/staff/')")
    (assets / "trick.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><circle r="4"/></svg>'
    )
    (assets / "manual.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    return content


def test_assets_serve_only_pictures_and_pdf_without_script(app_factory, hostile_assets):
    client = app_factory(CONTENT_DIR=str(hostile_assets)).test_client()
    for name in ("steal.html", "steal.js"):
        response = client.get(f"/assets/{name}")
        assert response.status_code == 404, name
        assert b"fetch" not in response.get_data()
    svg = client.get("/assets/trick.svg")
    svg.close()
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    policy = svg.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy
    assert svg.headers["X-Content-Type-Options"] == "nosniff"
    pdf = client.get("/assets/manual.pdf")
    pdf.close()
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in pdf.headers["Content-Security-Policy"]


def test_content_check_reports_assets_that_are_not_served(hostile_assets):
    problems = {
        (problem.path, problem.severity) for problem in check_library(load_library(hostile_assets, ("en", "fr")))
    }
    assert ("assets/steal.html", "error") in problems and ("assets/steal.js", "error") in problems
    assert not any(path in ("assets/trick.svg", "assets/manual.pdf") for path, _severity in problems)


def test_the_search_page_is_rate_limited(app_factory):
    client = app_factory(SEARCH_PAGE_LIMIT="3 per minute").test_client()
    statuses = [client.get("/en/search", query_string={"q": f"first {n}"}).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert client.get("/en/guide/first").status_code == 200, "reading articles is never limited"


def votes(app) -> list[ArticleFeedback]:
    with database(app).sessions() as session:
        return list(session.scalars(select(ArticleFeedback)))


def test_votes_without_a_cookie_do_not_add_up(app_factory):
    app = app_factory()
    statuses = []
    for _attempt in range(6):
        stranger = app.test_client()  # a new browser each time: no session cookie
        response = stranger.post("/en/feedback", data={"article": "guide/first", "helpful": "no"}, headers=SAME_ORIGIN)
        statuses.append(response.status_code)
    assert statuses == [303, 303, 303, 429, 429, 429]
    assert len(votes(app)) == 3


def test_a_reader_with_a_session_still_changes_their_one_vote(app_factory):
    app = app_factory(FEEDBACK_ARTICLE_LIMIT="1 per day")
    reader = app.test_client()
    for helpful in ("yes", "no", "yes", "no"):
        assert (
            reader.post(
                "/en/feedback", data={"article": "guide/first", "helpful": helpful}, headers=SAME_ORIGIN
            ).status_code
            == 303
        )
    [vote] = votes(app)
    assert vote.helpful is False


def test_votes_are_limited_per_client_overall(app_factory):
    client = app_factory(FEEDBACK_LIMIT="2 per hour").test_client()
    statuses = [
        client.post("/en/feedback", data={"article": article, "helpful": "yes"}, headers=SAME_ORIGIN).status_code
        for article in ("guide/first", "guide/second", "guide/third")
    ]
    assert statuses == [303, 303, 429]


def test_junk_query_strings_make_no_new_kept_page(app):
    client = app.test_client()
    plain = client.get("/en/guide/first")
    store = page_store(app)
    kept, size = len(store), store.bytes
    junk = "x" * 60_000
    for n in range(5):
        response = client.get(f"/en/guide/first?utm_source={junk}{n}")
        assert response.status_code == 200
        assert response.get_data() == plain.get_data(), "the page does not read its query string"
        assert junk not in response.get_data(as_text=True)
    assert (len(store), store.bytes) == (kept, size)


def test_the_kept_pages_stay_within_their_byte_budget(app_factory):
    app = app_factory(PAGE_CACHE_BYTES=40_000)
    client = app.test_client()
    for path in (
        "/en/",
        "/en/guide/",
        "/en/faq/",
        "/en/guide/first",
        "/en/guide/second",
        "/en/guide/third",
        "/fr/",
        "/de/",
    ):
        assert client.get(path).status_code == 200
    store = page_store(app)
    assert 0 < store.bytes <= 40_000
    assert len(store) < 8, "the oldest pages were let go"


@pytest.mark.parametrize(
    "query",
    ["end=9999-12-31", "start=0001-01-01", "start=0001-01-01&end=9999-12-31", "end=1999-12-31"],
)
def test_the_sla_report_answers_400_for_dates_out_of_range(client, auth, query):
    auth.login(client)
    for path in ("/staff/reports/sla", "/staff/reports/sla.csv", "/staff/reports/content"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
    assert "Reports cover the years 2000 to 2999." in client.get(f"/staff/reports/sla?{query}").get_data(as_text=True)


def test_the_language_cookie_is_secure_when_cookies_are(app_factory, monkeypatch):
    monkeypatch.setenv("HELPCENTER_COOKIE_SECURE", "true")
    client = app_factory().test_client()
    cookie = client.get("/language/fr?next=/fr/").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_staff_pages_and_the_export_are_never_stored(client, auth):
    auth.login(client)
    for path in ("/staff/", "/staff/reports/sla", "/staff/reports/sla.csv", "/staff/translations", "/staff/login"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_the_helpdesk_notice_keeps_each_fact_on_its_own_line(app, client, ticket_form):
    client.post("/en/tickets/new", data=ticket_form(client, product="", company="Stade de Lyon", contract="FUL-1234"))
    with database(app).sessions() as session:
        [notice] = [
            mail for mail in session.scalars(select(OutboxMessage)) if mail.recipient == app.config["HELPDESK_EMAIL"]
        ]
    lines = notice.body.splitlines()
    assert "From: Jeanne Martin <jeanne@example.org>, Stade de Lyon" in lines
    assert "Contract: FUL-1234" in lines


def test_a_cached_page_answered_before_flask_carries_the_same_security_headers(app):
    client = app.test_client()
    through_flask = client.get("/en/guide/first")
    before_flask = client.get("/en/guide/first")
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "ETag",
        "Cache-Control",
    ):
        assert before_flask.headers.get(name) == through_flask.headers.get(name), name
