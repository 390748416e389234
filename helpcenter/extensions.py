"""Extension objects, created unbound and bound to the app in the factory.

Three of them are adjusted through their private internals, for speed; each
adjustment is here, checks that the internal it relies on is still there
(``LibraryChanged`` at start-up otherwise), and has a test
(``tests/test_library_internals.py``) so that an upgrade that changes it
fails loudly instead of silently undoing the adjustment.
"""

import time

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Limits apply only where a view asks for one; storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class LibraryChanged(RuntimeError):
    """A library no longer has the internal that an adjustment of ours relies on."""


#: What Flask-Limiter's decorator sets on the view it wraps (the view then checks its own limits).
DECORATED = "__wrapper-limiter-instance"
#: The private methods of limits' ``MemoryStorage`` that :class:`SweptMemoryStorage` replaces and calls.
MEMORY_INTERNALS = ("_MemoryStorage__schedule_expiry", "_MemoryStorage__expire_events")


class SweptMemoryStorage(MemoryStorage):
    """The ``memory://`` rate-limit storage, its expired entries swept by the requests that count.

    limits' own storage starts a timer thread whenever none is running (so
    every 10 ms on a busy server), and starting a thread waits for the
    scheduler: that cost a limited page (the search results) more than the
    page itself.  A counter still expires when it is read, as before; the
    other expired entries are swept at most every :attr:`SWEEP_EVERY`
    seconds, by the request that counts.  Registered under ``memory`` in
    place of the library's class.
    """

    STORAGE_SCHEME = ["memory"]
    SWEEP_EVERY = 1.0

    def __init__(self, *args, **kwargs) -> None:
        for internal in MEMORY_INTERNALS:
            if not callable(getattr(MemoryStorage, internal, None)):
                raise LibraryChanged(
                    f"limits.storage.MemoryStorage.{internal} is gone: review helpcenter/extensions.py"
                )
        super().__init__(*args, **kwargs)
        self._swept = time.time()

    # The library calls this (by its mangled name) on every count.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.time()
        if now - self._swept >= self.SWEEP_EVERY:
            self._swept = now
            self._MemoryStorage__expire_events()


def _hook(hooks: list, function, internal: str):
    """``function`` found among ``hooks``, or :class:`LibraryChanged` naming ``internal``."""
    if function is None or function not in hooks:
        raise LibraryChanged(f"{internal} is no longer a request hook: review helpcenter/extensions.py")
    return function


def init_limiter(app: Flask) -> None:
    """Bind the limiter, whose before-request check then runs only where it has something to do.

    Flask-Limiter works out on every request which limits apply, which
    costs the public pages a fifth of their time; those pages (the views
    marked ``public_page`` by :func:`helpcenter.caching.cached_page`) have
    none, so its check is skipped there.  A view with limits of its own
    (``@limiter.limit``) is checked by its decorator, and the hook, which
    applies only default limits (the app has none), is skipped there too.
    Relies on ``Limiter._check_request_limit`` being its before-request
    hook and on the decorator marking its wrapper (:data:`DECORATED`).
    """
    limiter.init_app(app)
    if not app.config.get("RATELIMIT_ENABLED", True):
        return  # turned off: the limiter adds no hook at all
    hooks = app.before_request_funcs[None]
    check = _hook(hooks, getattr(limiter, "_check_request_limit", None), "flask_limiter.Limiter._check_request_limit")
    views = app.view_functions

    def check_limited_views() -> None:
        view = views.get(request.endpoint)
        if not getattr(view, "public_page", False) and getattr(view, DECORATED, None) != limiter:  # a weak proxy
            check()

    hooks[hooks.index(check)] = check_limited_views


def remove_remember_cookie_hook(app: Flask) -> None:
    """Drop Flask-Login's after-request hook that refreshes a remember-me cookie.

    Relies on ``LoginManager._update_remember_cookie`` being that hook.
    """
    hooks = app.after_request_funcs[None]
    hooks.remove(
        _hook(
            hooks,
            getattr(login_manager, "_update_remember_cookie", None),
            "flask_login.LoginManager._update_remember_cookie",
        )
    )
