"""Staff sessions: who is logged in, for how long, and the check every staff page but a few makes.

A login opens a session on the server (:mod:`helpcenter.login_sessions`):
logging out ends it there, so a copied cookie opens nothing afterwards; it
ends after ``STAFF_SESSION_HOURS`` whatever its activity, and after
``STAFF_IDLE_MINUTES`` without any.  The cookie itself lasts until the
browser closes, and Flask-Login's "strong" protection drops it when it is
replayed from another browser or address.

A browser that logged in to an account is remembered for it (a signed
cookie), so that failed attempts from elsewhere never lock the owner out.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, abort, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from helpcenter.db import get_session
from helpcenter.extensions import login_manager, remove_remember_cookie_hook
from helpcenter.login_sessions import STAFF, end_session, live_session, open_session

from .models import StaffUser

#: The key of the server-side session's token in the signed session cookie.
SESSION_TOKEN = "staff_session"
#: Pages open without a login: the form, and the page a password link leads to.
PUBLIC_ENDPOINTS = {"staff.login", "staff.set_password"}
DEVICE_COOKIE = "hc_staff_device"
DEVICE_DAYS = 90


@login_manager.user_loader
def load_staff(identity: str) -> StaffUser | None:
    """The account of a login session, unless its password changed or it was disabled since."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = get_session().get(StaffUser, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def require_staff():
    """Every staff page but the public ones needs a live session of an active account."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    config = current_app.config
    live = live_session(
        get_session(),
        session.get(SESSION_TOKEN),
        STAFF,
        lifetime=dt.timedelta(hours=config["STAFF_SESSION_HOURS"]),
        idle=dt.timedelta(minutes=config["STAFF_IDLE_MINUTES"]),
    )
    if live is None or live.subject != str(current_user.id):
        logout_user()
        session.pop(SESSION_TOKEN, None)
        return login_manager.unauthorized()
    return None


def require_admin() -> None:
    """Refuse (403) a page for administrators to anyone else."""
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(403)


def no_store(response: Response) -> Response:
    """Staff pages and exports are never kept by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


def start_session(user: StaffUser) -> None:
    """Log ``user`` in, in a new session (nothing of the anonymous one is kept)."""
    session.clear()
    session[SESSION_TOKEN] = open_session(get_session(), STAFF, str(user.id))
    login_user(user)


def end_current_session() -> None:
    """Log out: the session ends on the server, and the cookie forgets it."""
    end_session(get_session(), session.get(SESSION_TOKEN))
    logout_user()
    session.clear()


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="staff-device")


def remember_device(response: Response, user: StaffUser) -> None:
    """Mark this browser as one that logged in to ``user``'s account."""
    response.set_cookie(
        DEVICE_COOKIE,
        _devices().dumps(user.email),
        max_age=DEVICE_DAYS * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/staff/",
    )


def known_device(email: str) -> bool:
    """Whether this browser logged in to the account of ``email`` before (in the last 90 days)."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return False
    try:
        remembered = _devices().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return False
    return remembered == email.strip().lower()


def init_login(app: Flask) -> None:
    """Bind the login manager: unauthenticated staff pages send to the login form."""
    login_manager.init_app(app)
    # Staff never get a remember-me cookie (sessions end after a working day),
    # so Flask-Login's hook that keeps one up to date has nothing to do; left
    # in, it would read the session on every response and make every public
    # page and static file vary on the Cookie header.
    remove_remember_cookie_hook(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "strong"
