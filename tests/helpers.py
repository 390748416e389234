"""Plain helpers of the test suite: where the content trees are, a valid ticket, a form's CSRF token.

Fixtures live in ``conftest.py``; what is here is imported by the test
modules that need it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType

import pytest
from aiosmtpd.handlers import Message
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

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
    page.get_by_role("button", name="Submit ticket").click()
    if page.get_by_role("heading", name="Before you send your ticket").count():
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


class Inbox(Message):
    """Keeps every message an SMTP server (aiosmtpd) receives."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)
