"""Links nobody can forge, and logs that never carry a private token.

Mail links once followed the request's ``Host`` header, and private
tracking tokens landed in gunicorn's access log; these tests replay both.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

from sqlalchemy import select

from helpcenter.db import database
from helpcenter.outbox.models import OutboxMessage

from .helpers import TEST_CONTENT, TICKET_FIELDS, csrf_token, gunicorn_server

BASE_URL = "https://help.fulgur.example"


def mails(app) -> list[OutboxMessage]:
    with database(app).sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_mail_links_come_from_the_base_url_never_from_the_host_header(app_factory):
    app = app_factory(BASE_URL=BASE_URL)
    client = app.test_client()
    evil = "http://evil.example"  # every request of this browser names another site in its Host header
    token = csrf_token(client.get("/en/tickets/new", base_url=evil).get_data(as_text=True))
    data = {**TICKET_FIELDS, "product": "", "csrf_token": token}
    created = client.post("/en/tickets/new", data=data, base_url=evil)
    assert created.status_code == 303
    [confirmation] = [mail for mail in mails(app) if mail.recipient == data["email"]]
    assert "evil.example" not in confirmation.body
    assert re.search(rf"{re.escape(BASE_URL)}/en/tickets/HC-\d{{4}}-\d{{6}}\?token=[\w-]+", confirmation.body)


def test_absolute_links_on_pages_and_feeds_ignore_the_host_header(app_factory):
    client = app_factory(BASE_URL=BASE_URL).test_client()
    evil = {"Host": "evil.example"}
    for path in ("/en/guide/first", "/sitemap.xml", "/robots.txt", "/fr/contact"):
        body = client.get(path, headers=evil).get_data(as_text=True)
        assert "evil.example" not in body, path
    assert f'<link rel="canonical" href="{BASE_URL}/' in client.get("/en/guide/first", headers=evil).get_data(
        as_text=True
    )


def test_with_trusted_hosts_any_other_host_is_a_400_even_for_kept_pages(app_factory):
    client = app_factory(TRUSTED_HOSTS_LIST=["help.fulgur.example"]).test_client()
    good = {"Host": "help.fulgur.example"}
    assert client.get("/en/guide/first", headers=good).status_code == 200
    assert client.get("/en/guide/first", headers=good).status_code == 200, "now answered from the kept pages"
    for host in ("evil.example", "help.fulgur.example.evil.example", "help.fulgur.example:8080@evil"):
        assert client.get("/en/guide/first", headers={"Host": host}).status_code == 400, host
    assert client.post("/en/tickets/new", headers={"Host": "evil.example"}).status_code == 400


def test_the_confirmation_link_carries_no_created_flag_and_says_created_once(client, ticket_form):
    created = client.post("/en/tickets/new", data=ticket_form(client, product=""))
    location = created.headers["Location"]
    assert re.fullmatch(r"/en/tickets/HC-\d{4}-\d{6}\?token=[\w-]+", location)
    page = client.get(location).get_data(as_text=True)
    assert "Your ticket has been created" in page
    private_link = re.search(r'class="private-link">([^<]+)<', page).group(1)
    assert "created" not in private_link and private_link.endswith(location)
    assert "Your ticket has been created" not in client.get(location).get_data(as_text=True), "said once only"


def test_gunicorn_access_log_never_carries_a_token(tmp_path):
    with gunicorn_server(
        tmp_path, {"HELPCENTER_CONTENT_DIR": str(TEST_CONTENT), "HELPCENTER_TICKET_LIMIT": "100 per minute"}
    ) as (base, log):
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with browser.open(f"{base}/en/tickets/new", timeout=30) as page:
            token = csrf_token(page.read().decode())
        form = {
            "csrf_token": token,
            "category": "general",
            "subject": "Where is my invoice?",
            "description": "I cannot find the invoice of October in the customer area.",
            "name": "Jeanne Martin",
            "email": "jeanne@example.org",
            "language": "en",
            "suggestions_seen": "1",
        }
        with browser.open(f"{base}/en/tickets/new", data=urllib.parse.urlencode(form).encode(), timeout=30) as answer:
            tracking = answer.geturl()
            assert "Where is my invoice?" in answer.read().decode()
        secret = urllib.parse.parse_qs(urllib.parse.urlsplit(tracking).query)["token"][0]
        with browser.open(tracking, timeout=30) as again:
            assert again.status == 200
        lines = log()
    assert "/en/tickets/HC-" in lines, "the private page's requests are logged"
    assert secret not in lines
    assert "token=[redacted]" in lines
