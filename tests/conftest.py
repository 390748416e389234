"""Fixtures: an app over the small content tree kept in ``tests/content``."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from helpcenter import create_app
from helpcenter.db import database, upgrade
from helpcenter.library import content_store, search_service
from helpcenter.search import build

TESTS = Path(__file__).resolve().parent
TEST_CONTENT = TESTS / "content"
PROJECT_CONTENT = TESTS.parent / "content"


def make_app(tmp_path: Path, *, index: bool = True, **settings):
    """An app in testing mode with its own migrated SQLite database.

    With ``index``, its search index is built before it serves (tests of the
    shipped trees share one index per tree, built once).
    """
    content = Path(settings.pop("CONTENT_DIR", TEST_CONTENT))
    index_dir = settings.pop("INDEX_DIR", None) or _shared_index(content, tmp_path)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "CONTENT_DIR": str(content),
        "INDEX_DIR": str(index_dir),
        "CACHE_DIR": str(tmp_path / "cache"),
        **settings,
    }
    app = create_app(config)
    _APPS.append(app)
    upgrade(app)
    store = content_store(app)
    if content in (TEST_CONTENT, PROJECT_CONTENT):
        # The shipped trees never change during a run: load each once.
        if content not in _LIBRARIES:
            _LIBRARIES[content] = store.load()
        store.use(_LIBRARIES[content])
    if index:
        build(store.get(), index_dir)
    return app


_INDEXES: dict[Path, Path] = {}
_LIBRARIES: dict = {}
_APPS: list = []


@pytest.fixture(autouse=True)
def _close_searchers():
    """Close what each test's apps opened: searchers and database connections."""
    yield
    while _APPS:
        app = _APPS.pop()
        search_service(app).close()
        database(app).engine.dispose()


def _shared_index(content: Path, tmp_path: Path) -> Path:
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
def app(tmp_path):
    """The app over the test content tree."""
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    """A browser on the app; unlike pytest-flask's, it keeps no context between requests."""
    return app.test_client()


@pytest.fixture
def demo_app(tmp_path):
    """The app over the demo content shipped in ``content/``."""
    return make_app(tmp_path, CONTENT_DIR=str(PROJECT_CONTENT))


POSTGRES_ADMIN_URL = os.environ.get("HELPCENTER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    """Why PostgreSQL cannot be used for the tests, or None when it can."""
    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, saying why
        return f"no PostgreSQL server answers at {POSTGRES_ADMIN_URL}: {exc}"
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The URL of an empty database: a SQLite file, then a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tickets.sqlite3'}"
        return
    reason = _postgres_available()
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


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
