"""Our adjustments of libraries' private internals: each fails loudly when the internal changes.

Flask-Limiter's before-request check, limits' in-memory storage and
Flask-Login's remember-cookie hook are adjusted in ``helpcenter/extensions.py``
for speed.  An upgrade that
renames or reshapes either must stop the app at start-up with a message
naming the internal, never undo the adjustment silently.  (Whoosh's postings
internals are guarded in ``tests/test_search_internals.py``.)
"""

from __future__ import annotations

import threading
import time

import pytest
from flask_limiter import Limiter
from flask_login import LoginManager
from limits.storage import MemoryStorage

from helpcenter import create_app
from helpcenter.extensions import DECORATED, LibraryChanged, SweptMemoryStorage, limiter, login_manager

SETTINGS = {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://"}


def test_the_limiter_check_runs_only_outside_the_public_pages():
    app = create_app(SETTINGS)
    hooks = app.before_request_funcs[None]
    assert limiter._check_request_limit not in hooks, "the library's own check was replaced"
    assert any(hook.__name__ == "check_limited_views" for hook in hooks)


def test_views_with_limits_of_their_own_are_checked_by_their_decorator_alone(app_factory):
    app = app_factory(SEARCH_PAGE_LIMIT="2 per minute")
    limited = [name for name, view in app.view_functions.items() if getattr(view, DECORATED, None) == limiter]
    assert {"articles.search", "api.search", "tickets.new", "staff.login"} <= set(limited)
    client = app.test_client()
    assert [client.get("/en/search?q=x").status_code for _ in range(3)] == [200, 200, 429]


def test_the_remember_cookie_hook_is_gone():
    app = create_app(SETTINGS)
    assert login_manager._update_remember_cookie not in app.after_request_funcs[None]


INTERNALS = [
    pytest.param(Limiter, "_check_request_limit", lambda app: app.before_request_funcs[None], id="flask-limiter"),
    pytest.param(LoginManager, "_update_remember_cookie", lambda app: app.after_request_funcs[None], id="flask-login"),
]


def upgrade(monkeypatch, owner, internal, hooks, *, keep_the_name: bool) -> None:
    """Make ``owner`` behave like a release that registers its hook under another name."""
    original = owner.init_app

    def init_app(self, app, *args, **kwargs):
        original(self, app, *args, **kwargs)
        registered = hooks(app)
        hook = getattr(self, internal)
        registered[registered.index(hook)] = lambda *values: hook(*values)
        if not keep_the_name:
            monkeypatch.delattr(owner, internal)

    monkeypatch.setattr(owner, "init_app", init_app)


@pytest.mark.parametrize(("owner", "internal", "hooks"), INTERNALS)
@pytest.mark.parametrize("keep_the_name", [False, True], ids=["renamed", "another-hook"])
def test_a_changed_library_stops_the_app_saying_which_internal(monkeypatch, owner, internal, hooks, keep_the_name):
    upgrade(monkeypatch, owner, internal, hooks, keep_the_name=keep_the_name)
    with pytest.raises(LibraryChanged, match=rf"{owner.__name__}\.{internal} is no longer a request hook"):
        create_app(SETTINGS)


class CountedTimer(threading.Timer):
    started = 0

    def start(self) -> None:
        CountedTimer.started += 1
        super().start()


def timers_started(monkeypatch, storage_class) -> int:
    """Threads started while a limit is counted five times, 30 ms apart (longer than the library's timer lives)."""
    storage = storage_class("memory://")
    monkeypatch.setattr(threading, "Timer", CountedTimer)
    CountedTimer.started = 0
    for _ in range(5):
        storage.incr("search/127.0.0.1", expiry=60)
        time.sleep(0.03)
    assert storage.get("search/127.0.0.1") == 5
    return CountedTimer.started


def test_counting_a_limit_in_memory_starts_no_thread(monkeypatch):
    assert timers_started(monkeypatch, MemoryStorage) >= 3, "the library's own storage starts a timer on a count"
    assert timers_started(monkeypatch, SweptMemoryStorage) == 0


def test_expired_limits_are_swept_by_the_requests_that_count(monkeypatch):
    storage = SweptMemoryStorage("memory://")
    monkeypatch.setattr(storage, "SWEEP_EVERY", 0.0)
    storage.incr("vote/a", expiry=0.01)
    time.sleep(0.02)
    storage.incr("vote/b", expiry=60)
    assert set(storage.storage) == {"vote/b"}, "the expired counter was swept without being read"


def test_the_app_counts_its_limits_in_the_swept_storage():
    create_app(SETTINGS)
    assert type(limiter.storage) is SweptMemoryStorage


def test_a_changed_memory_storage_stops_the_app(monkeypatch):
    monkeypatch.delattr(MemoryStorage, "_MemoryStorage__schedule_expiry")
    with pytest.raises(LibraryChanged, match="MemoryStorage._MemoryStorage__schedule_expiry is gone"):
        create_app(SETTINGS)
