"""Extension objects, created unbound and bound to the app in the factory.

Two of them are adjusted through their private internals, for speed; each
adjustment is here, checks that the internal it relies on is still there
(``LibraryChanged`` at start-up otherwise), and has a test
(``tests/test_library_internals.py``) so that an upgrade that changes it
fails loudly instead of silently undoing the adjustment.
"""

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Limits apply only where a view asks for one; storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class LibraryChanged(RuntimeError):
    """A library no longer has the internal that an adjustment of ours relies on."""


def _hook(hooks: list, function, internal: str):
    """``function`` found among ``hooks``, or :class:`LibraryChanged` naming ``internal``."""
    if function is None or function not in hooks:
        raise LibraryChanged(f"{internal} is no longer a request hook: review helpcenter/extensions.py")
    return function


def init_limiter(app: Flask) -> None:
    """Bind the limiter, which then checks every view but the kept public pages.

    Flask-Limiter works out on every request that a view has no limit, which
    costs the public pages a fifth of their time; those pages (the views
    marked ``public_page`` by :func:`helpcenter.caching.cached_page`) have
    none, so its check is skipped there.  Relies on
    ``Limiter._check_request_limit`` being its before-request hook.
    """
    limiter.init_app(app)
    if not limiter.enabled:
        return  # a disabled limiter checks nothing (and hooks nothing)
    hooks = app.before_request_funcs[None]
    check = _hook(hooks, getattr(limiter, "_check_request_limit", None), "flask_limiter.Limiter._check_request_limit")
    views = app.view_functions

    def check_limited_views() -> None:
        if not getattr(views.get(request.endpoint), "public_page", False):
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
