"""Fixtures: apps over the small content tree kept in ``tests/content`` (or the demo content),
browsers on them, a staff login through the real form, and tickets filed the quick way.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select, text
from werkzeug.serving import make_server

from helpcenter import create_app
from helpcenter.account.models import CustomerAddress, Organisation, OrganisationContract
from helpcenter.account.operations import OrganisationFacts, add_member, save_organisation
from helpcenter.content.render import MarkdownRenderer
from helpcenter.db import database, upgrade, utcnow
from helpcenter.library import content_store, current_policies, search_service
from helpcenter.outbox.models import OutboxMessage
from helpcenter.search import build
from helpcenter.staff.operations import create_staff, find_staff
from helpcenter.tickets.operations import create_ticket

from .helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGER,
    POSTGRES_ADMIN_URL,
    PROJECT_CONTENT,
    STAFF_EMAIL,
    STAFF_NAME,
    STAFF_PASSWORD,
    TEST_CONTENT,
    TICKET_FIELDS,
    WEBHOOK_SECRET,
    Inbox,
    Receiver,
    csrf_token,
    free_port,
    postgres_unavailable,
    ticket_request,
)
from .jsm_standin import JsmStandIn, app_settings

# The shipped trees never change during a run: each is loaded once, and indexed once.
_LIBRARIES: dict = {}
_INDEXES: dict[Path, Path] = {}


@pytest.fixture
def renders(monkeypatch):
    """The pages rendered, as ``lang/page_id``, in order."""
    rendered = []
    original = MarkdownRenderer.render

    def render(self, body, *, lang, page_id):
        rendered.append(f"{lang}/{page_id}")
        return original(self, body, lang=lang, page_id=page_id)

    monkeypatch.setattr(MarkdownRenderer, "render", render)
    return rendered


@pytest.fixture
def app_factory(tmp_path):
    """Build apps in testing mode over this test's ``tmp_path``: ``app_factory(**settings)``.

    Every app of a test shares one migrated SQLite database under
    ``tmp_path`` (unless ``DATABASE_URL`` says otherwise), so that a second
    app is the same site restarted with other settings.  ``CONTENT_DIR``
    defaults to ``tests/content``; with ``index`` (the default) the search
    index is built before the app serves.  Searchers and database
    connections are closed after the test.
    """
    apps = []

    def make_app(*, index: bool = True, **settings):
        content = Path(settings.pop("CONTENT_DIR", TEST_CONTENT))
        index_dir = settings.pop("INDEX_DIR", None) or _index_dir(content, tmp_path)
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "CONTENT_DIR": str(content),
            "INDEX_DIR": str(index_dir),
            "CACHE_DIR": str(tmp_path / "cache"),
            # Absolute links (mails, canonical links) name the test client's own host.
            "BASE_URL": "http://localhost",
            **settings,
        }
        app = create_app(config)
        apps.append(app)
        upgrade(app)
        store = content_store(app)
        if content in (TEST_CONTENT, PROJECT_CONTENT):
            if content not in _LIBRARIES:
                _LIBRARIES[content] = store.load()
            store.use(_LIBRARIES[content])
        if index:
            build(store.get(), index_dir)
        return app

    yield make_app
    for app in apps:
        search_service(app).close()
        database(app).engine.dispose()


def _index_dir(content: Path, tmp_path: Path) -> Path:
    """One index per shipped tree for the whole run; one per test for any other tree."""
    if content in (TEST_CONTENT, PROJECT_CONTENT):
        if content not in _INDEXES:
            _INDEXES[content] = Path(tempfile.mkdtemp(prefix="helpcenter-test-index-"))
        return _INDEXES[content]
    return tmp_path / "index"


@pytest.fixture(scope="session", autouse=True)
def _remove_shared_indexes():
    yield
    for path in _INDEXES.values():
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's: no request context held open around a test.

    Its context (like a test client used in a ``with`` block) would be
    shared by every request of the test, so that ``g`` (the database
    session, Flask-WTF's CSRF token) leaked from one request, or one
    browser, to the next, which never happens in production.
    """
    yield


@pytest.fixture
def app(app_factory):
    """The app over the test content tree."""
    return app_factory()


@pytest.fixture
def client(app):
    """A browser on the app; unlike pytest-flask's, it keeps no context between requests."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The app's ``helpcenter`` command group, to invoke commands."""
    return app.test_cli_runner()


@pytest.fixture
def demo_app(app_factory):
    """The app over the demo content shipped in ``content/``."""
    return app_factory(CONTENT_DIR=str(PROJECT_CONTENT))


@pytest.fixture
def demo_client(demo_app):
    """A browser on the demo app."""
    return demo_app.test_client()


class StaffAuth:
    """Staff log in and out the way a person does: through the login form, with its CSRF token."""

    def account(self, app, *, email=STAFF_EMAIL, password=STAFF_PASSWORD, role="agent", name=STAFF_NAME) -> None:
        """Make sure ``app`` has a staff account for ``email``, creating it with these details when missing."""
        with database(app).sessions() as session:
            if find_staff(session, email) is None:
                create_staff(session, email=email, name=name, role=role, password=password)

    def login(self, client, *, email=STAFF_EMAIL, password=STAFF_PASSWORD, role="agent", next_page=None):
        """Post the login form (to ``/staff/login?next=next_page`` if given); returns the response.

        The account is created first when missing, with this password: to
        try a wrong password, create the account beforehand with :meth:`account`.
        """
        self.account(client.application, email=email, password=password, role=role)
        token = csrf_token(client.get("/staff/login").get_data(as_text=True))
        query = {"next": next_page} if next_page is not None else None
        return client.post(
            "/staff/login", query_string=query, data={"csrf_token": token, "email": email, "password": password}
        )

    def logout(self, client):
        """Press "Log out" on the queue; returns the response."""
        token = csrf_token(client.get("/staff/").get_data(as_text=True))
        return client.post("/staff/logout", data={"csrf_token": token})


@pytest.fixture
def auth():
    """Log staff in and out: ``auth.login(client, email=..., password=..., role=...)``, ``auth.logout(client)``."""
    return StaffAuth()


class CustomerAuth:
    """Customers sign in the way a person does: the form mails a link, the link is opened."""

    def link(self, client, email: str, lang: str = "en", next_page: str | None = None) -> str:
        """Ask for a sign-in link through the form; the link (a path) as the mail in the outbox carries it."""
        app = client.application
        token = csrf_token(client.get(f"/{lang}/account/sign-in").get_data(as_text=True))
        data = {"csrf_token": token, "email": email, "next": next_page or ""}
        assert client.post(f"/{lang}/account/sign-in", data=data).status_code == 200
        with database(app).sessions() as session:
            mail = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == email.strip().lower())
                .order_by(OutboxMessage.id.desc())
            ).first()
        match = re.search(re.escape(app.config["BASE_URL"]) + r"(/\w\w/account/sign-in/\S+)", mail.body)
        assert match, mail.body
        return match.group(1)

    def sign_in(self, client, email: str, lang: str = "en"):
        """Sign ``client`` in as ``email``; returns the answer to opening the link."""
        return client.get(self.link(client, email, lang))


@pytest.fixture
def customer():
    """Sign customers in: ``customer.sign_in(client, email)``, or just get a link with ``customer.link(...)``."""
    return CustomerAuth()


def hold_contract(session, email: str, contract: str) -> None:
    """Make ``email`` a verified member of an organisation holding ``contract`` (created when none does)."""
    email = email.strip().lower()
    holder = session.scalars(select(OrganisationContract).filter_by(number=contract)).first()
    if holder is None:
        save_organisation(
            session, OrganisationFacts(name=f"Holder of {contract}", members=(email,), contracts=(contract,))
        )
    else:
        add_member(session, session.get(Organisation, holder.organisation_id).name, email)
    if session.scalars(select(CustomerAddress).filter_by(email=email)).first() is None:
        session.add(CustomerAddress(email=email, verified_at=utcnow(), last_sign_in_at=utcnow()))
        session.commit()


@pytest.fixture
def file_ticket():
    """File a ticket the quick way: ``file_ticket(app, created=None, **changes) -> (reference, token)``.

    Through ``create_ticket`` with the app's own support policy, at
    ``created`` (default: now); ``changes`` replace fields of
    :func:`helpers.ticket_request`.  A ``contract_number`` is the
    requester's own, as the policy wants it for its targets to apply: they
    are made a verified member of an organisation that holds it (unless
    ``verified_contract=False``, for a number merely typed).
    """

    def file(app, *, created=None, verified_contract=True, **changes):
        request = ticket_request(**changes)
        with app.app_context():
            policies = current_policies()
        with database(app).sessions() as session:
            if request.contract_number and verified_contract:
                hold_contract(session, request.requester_email, request.contract_number)
            ticket, token = create_ticket(session, request, policies, now=created)
            return ticket.reference, token

    return file


@pytest.fixture
def ticket_form():
    """Valid data for the ticket form: ``ticket_form(client, lang="en", **changes) -> dict``.

    The CSRF token is fresh, from ``client``'s visit to ``/<lang>/tickets/new``;
    ``changes`` replace fields of :data:`helpers.TICKET_FIELDS` (or the token).
    """

    def form(client, lang="en", **changes):
        token = csrf_token(client.get(f"/{lang}/tickets/new").get_data(as_text=True))
        return {**TICKET_FIELDS, "csrf_token": token, **changes}

    return form


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The URL of an empty database: a SQLite file, then a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tickets.sqlite3'}"
        return
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


# -- mail and webhooks that leave: a real SMTP server and a webhook receiver on loopback --------


@pytest.fixture
def smtp_port():
    """A free loopback port for an SMTP server (started by ``inbox``, or later by the test)."""
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    """A real SMTP server (aiosmtpd) on ``smtp_port``; ``inbox.messages`` are the mails it received."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


# -- Jira Service Management ---------------------------------------------------------


@pytest.fixture
def jsm():
    """A JSM site on loopback (:class:`tests.jsm_standin.JsmStandIn`), stopped after the test."""
    site = JsmStandIn().start()
    yield site
    site.stop()


@pytest.fixture
def jira_app(app_factory, jsm):
    """The app over the test content, with the Jira channel connected to the ``jsm`` stand-in."""
    return app_factory(**app_settings(jsm))


@pytest.fixture
def receiver():
    """A webhook receiver on loopback that checks signatures with :data:`helpers.WEBHOOK_SECRET`."""
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def oncall_app(app_factory, smtp_port, receiver):
    """The app paging ``PAGER`` by mail (over the SMTP server on ``smtp_port``) and ``receiver`` by signed webhook."""
    return app_factory(
        index=False,
        SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        ONCALL_EMAIL=PAGER,
        ONCALL_WEBHOOK_URL=receiver.url,
        ONCALL_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )


# -- a real browser on a real server -------------------------------------------------


@pytest.fixture
def serve():
    """Serve apps on loopback with real HTTP servers in threads: ``serve(app) -> base_url``; stopped after the test."""
    running = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        # A short poll interval: shutting the server down after each test stays quick.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in running:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def live_server(demo_app, serve):
    """The demo app served on loopback by a real HTTP server in a thread: ``(app, base_url)``."""
    return demo_app, serve(demo_app)


@pytest.fixture(scope="module")
def browser():
    """One Debian Chromium per test module, driven by Playwright; each test opens its own contexts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context_factory(browser):
    """Open browser contexts for one test, ``context_factory(**options)``, and close them all at its end."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
