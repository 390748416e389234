"""Fixtures: an app over the small content tree kept in ``tests/content``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpcenter import create_app
from helpcenter.db import upgrade

TESTS = Path(__file__).resolve().parent
TEST_CONTENT = TESTS / "content"
PROJECT_CONTENT = TESTS.parent / "content"


def make_app(tmp_path: Path, **settings):
    """An app in testing mode with its own migrated SQLite database."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "CONTENT_DIR": str(TEST_CONTENT),
        "INDEX_DIR": str(tmp_path / "index"),
        **settings,
    }
    app = create_app(config)
    upgrade(app)
    return app


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


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
