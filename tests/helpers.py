"""Plain helpers of the test suite: where the content trees are, a valid ticket, a form's CSRF token.

Fixtures live in ``conftest.py``; what is here is imported by the test
modules that need it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import MappingProxyType

import pytest
from aiosmtpd.handlers import Message
from sqlalchemy import create_engine, select
from sqlalchemy.exc import SQLAlchemyError

from helpcenter.db import database
from helpcenter.jobs import JobRunner
from helpcenter.oncall.webhook import SIGNATURE_HEADER
from helpcenter.outbox import channels, deliver_pending
from helpcenter.tickets.models import Ticket
from helpcenter.tickets.operations import TicketRequest

TESTS = Path(__file__).resolve().parent
#: The small content tree of the page tests.
TEST_CONTENT = TESTS / "content"
#: The demo content shipped with the project.
PROJECT_CONTENT = TESTS.parent / "content"
#: The multilingual tree of the search tests.
SEARCH_CONTENT = TESTS / "search_content"

#: The staff account the tests log in with, unless they say otherwise.
STAFF_EMAIL = "agent@fulgur.example"
STAFF_NAME = "Alex Agent"
STAFF_PASSWORD = "correct horse battery staple"

#: The ticket form as a customer fills it: technical assistance of high impact
#: about the alert service of the demo content, suggested articles already seen.
TICKET_FIELDS = MappingProxyType(
    {
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
)

#: Debian's Chromium, which Playwright drives (it never downloads a browser of its own).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags this machine needs: no sandbox as root, and no calls to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Browser tests need Chromium: skipped without it, except on CI where ``make test`` installs it.
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (make test installs it on CI)",
)

POSTGRES_ADMIN_URL = os.environ.get("HELPCENTER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def file_in_browser(page, base: str, *, subject: str, description: str, impact: str = "Average") -> str:
    """File a technical ticket through the form in a browser page, as Jeanne Martin; returns its reference."""
    page.goto(f"{base}/en/tickets/new")
    page.get_by_label("Technical assistance").check()
    page.get_by_label(impact).check()
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Your name").fill("Jeanne Martin")
    page.get_by_label("Email", exact=True).fill("jeanne@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit ticket").click()
    # Without the form's script's suggestions (or before they showed), the server shows them first.
    if page.get_by_role("heading", name="Before you send your ticket").count():
        with page.expect_navigation():
            page.get_by_role("button", name="Submit ticket").click()
    page.wait_for_url(re.compile(r"/en/tickets/HC-"))
    return page.locator("dd.reference").inner_text()


def ticket_request(**changes) -> TicketRequest:
    """What the form hands to ``create_ticket`` for a French customer's technical ticket of high priority."""
    fields = {
        "category": "technical",
        "product": "alerts",
        "subject": "Alerts stopped",
        "description": "No alert since yesterday.",
        "requester_name": "Jeanne",
        "requester_email": "jeanne@example.org",
        "company": "",
        "contract_number": "",
        "priority": "high",
        "language": "fr",
        "site_language": "fr",
        **changes,
    }
    return TicketRequest(**fields)


class Inbox(Message):
    """An aiosmtpd handler that keeps every message the server receives (``messages``)."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


#: On-call: the address paged by mail, and the secret the webhook receiver shares with the help centre.
PAGER = "pager@fulgur.example"
WEBHOOK_SECRET = "a webhook secret shared with the pager"


class Receiver:
    """A webhook receiver on loopback: it checks each call's signature and answers ``status`` (401 if it is wrong)."""

    def __init__(self, secret: str | None = WEBHOOK_SECRET, port: int = 0) -> None:
        self.secret = secret
        self.status = 204
        self.calls: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed = self.headers.get(SIGNATURE_HEADER)
                valid = receiver.secret is not None and hmac.compare_digest(
                    signed or "", "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                receiver.calls.append({"headers": dict(self.headers), "body": body, "valid": valid, "path": self.path})
                self.send_response(receiver.status if valid or receiver.secret is None else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/helpcenter"

    def payloads(self) -> list[dict]:
        return [json.loads(call["body"]) for call in self.calls]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def run_jobs(app, now: dt.datetime) -> dict:
    """Run every job once, as ``helpcenter jobs run --once`` does, at ``now``."""
    return JobRunner(app).run_due(now=now, every_job=True)


def deliver(app, now: dt.datetime | None = None) -> int:
    """Deliver what the outbox holds now (mail and webhooks alike)."""
    return deliver_pending(database(app).sessions, channels(app), now=now)


def subject_of(message) -> str:
    """A received mail's subject, decoded and unfolded."""
    return str(make_header(decode_header(message["Subject"]))).replace("\r\n", "")


def body_of(message) -> str:
    """A received mail's body, decoded."""
    return message.get_payload(decode=True).decode("utf-8")


def change(app, reference: str, operation, *args, **kwargs):
    """Apply a ticket operation to the stored ticket, in a session of its own."""
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        return operation(session, ticket, *args, **kwargs)


def all_at_once(work: Callable[[object], object], items: list) -> list:
    """Run ``work(item)`` for each item, each in a thread of its own, all at once; returns the results.

    Every error of every thread fails the test, with its repr.
    """
    results, errors = [], []
    start = threading.Barrier(len(items))

    def run(item) -> None:
        try:
            start.wait(10)
            results.append(work(item))
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used for the tests, or None when it can."""
    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
    except SQLAlchemyError as exc:  # no server, no database, no driver: skip, saying why
        return f"no PostgreSQL server answers at {POSTGRES_ADMIN_URL}: {exc}"
    return None


ROOT = TESTS.parent


def free_port() -> int:
    """A TCP port nobody listens on, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn_server(
    tmp_path: Path, settings: dict[str, str], *, workers: int = 1
) -> Iterator[tuple[str, Callable[[], str]]]:
    """The site under gunicorn (``gunicorn.conf.py``) on a free loopback port: ``(base_url, read_log)``.

    ``settings`` adds ``HELPCENTER_*``/``GUNICORN_*`` variables to a working
    set (its own SQLite database under ``tmp_path`` unless it names one);
    the database is migrated first.  ``read_log()`` gives what gunicorn
    logged so far, its access log included.
    """
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "HELPCENTER_SECRET_KEY": "gunicorn-test-secret",
        "HELPCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}",
        "HELPCENTER_INDEX_DIR": str(tmp_path / "index"),
        "HELPCENTER_CACHE_DIR": str(tmp_path / "cache"),
        "HELPCENTER_COOKIE_SECURE": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESSLOG": "-",
        **settings,
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "helpcenter", "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [bin_dir / "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.25)
            else:
                pytest.fail("gunicorn did not become ready: " + log_path.read_text()[-2000:])
            yield base, log_path.read_text
        finally:
            process.terminate()
            process.wait(20)
