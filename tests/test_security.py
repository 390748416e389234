"""Security headers, cookies, rate limits, health endpoints and a database that is away."""

import pytest

from helpcenter import create_app
from helpcenter.db import Database, upgrade

from .helpers import PROJECT_CONTENT, csrf_token


def test_security_headers_on_pages_and_api(client):
    for path in ("/en/", "/api/v1/search?q=widget", "/en/nope"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in client.get("/en/").headers
    assert "max-age=" in client.get("/en/", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_pages_carry_no_inline_script_or_style(client):
    html = client.get("/en/guide/first").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_session_cookies_are_secure_outside_debugging(tmp_path, monkeypatch):
    monkeypatch.delenv("HELPCENTER_COOKIE_SECURE", raising=False)
    app = create_app({"SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("HELPCENTER_COOKIE_SECURE", "false")
    assert not create_app({"SECRET_KEY": "k", "DATABASE_URL": "sqlite://"}).config["SESSION_COOKIE_SECURE"]


def test_health_endpoints(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok", "search": "ok"}


def test_not_ready_without_index_or_database(app_factory, tmp_path):
    app = app_factory(index=False, INDEX_DIR=str(tmp_path / "no-index"))
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["checks"]["search"].startswith("unavailable")
    broken = app_factory(index=False)
    broken.extensions["helpcenter.db"] = Database(f"sqlite:///{tmp_path / 'missing' / 'folder' / 'x.db'}")
    answer = broken.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["checks"]["database"].startswith("unavailable")


def test_search_api_is_rate_limited_with_a_json_answer(app_factory):
    app = app_factory(SEARCH_API_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/search?q=widget").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/search?q=widget").get_json()["error"]["code"] == "too_many_requests"


def test_ticket_creation_is_rate_limited_with_a_localised_page(app_factory, ticket_form):
    app = app_factory(CONTENT_DIR=str(PROJECT_CONTENT), TICKET_LIMIT="2 per minute")
    client = app.test_client()
    ticket = ticket_form(client, "fr")
    for _ in range(2):
        assert client.post("/fr/tickets/new", data=ticket).status_code == 303
    limited = client.post("/fr/tickets/new", data=ticket)
    assert limited.status_code == 429 and "Trop de tentatives" in limited.get_data(as_text=True)


def test_a_database_that_is_away_keeps_the_customers_text(demo_app, demo_client, ticket_form):
    # Nothing listens on port 9 of loopback: every connection is refused at once.
    demo_app.extensions["helpcenter.db"] = Database("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2")
    ticket = ticket_form(demo_client, subject="Kept subject", description="Kept description of the problem.")
    response = demo_client.post("/en/tickets/new", data=ticket)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Your text is kept below" in html
    assert 'value="Kept subject"' in html and "Kept description of the problem." in html


@pytest.mark.parametrize(
    "path", ["/en/%2e%2e/%2e%2e/etc/passwd", "/static/../helpcenter/config.py", "/staff/../../etc/passwd"]
)
def test_path_tricks_on_other_routes(client, path):
    with client.get(path) as response:
        assert response.status_code in (301, 302, 308, 400, 404)
        assert b"root:" not in response.get_data() and b"SECRET_KEY" not in response.get_data()


def test_request_size_is_capped(app_factory):
    client = app_factory(ATTACHMENT_MAX_FILES=1, ATTACHMENT_MAX_MB=1).test_client()
    token = csrf_token(client.get("/en/account/sign-in").get_data(as_text=True))
    # A form that takes no files: 1 MiB at most.
    response = client.post("/en/account/sign-in", data={"csrf_token": token, "email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    # A form with files: what its files may weigh, and no more.
    token = csrf_token(client.get("/en/tickets/new").get_data(as_text=True))
    response = client.post("/en/tickets/new", data={"csrf_token": token, "description": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_service_comes_back_with_the_database_without_a_restart(demo_app, demo_client, ticket_form, tmp_path):
    away = tmp_path / "not-yet" / "tickets.sqlite3"
    demo_app.extensions["helpcenter.db"] = Database(f"sqlite:///{away}")
    ticket = ticket_form(demo_client)
    assert demo_client.post("/en/tickets/new", data=ticket).status_code == 503
    upgrade(demo_app)  # the database is back (created and migrated by the operators)
    assert demo_client.post("/en/tickets/new", data=ticket).status_code == 303
