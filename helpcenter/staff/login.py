"""Staff sessions: who is logged in, and the check every staff page but the login form makes."""

from __future__ import annotations

import time

from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from helpcenter.db import get_session
from helpcenter.extensions import login_manager, remove_remember_cookie_hook

from .models import StaffUser

SEEN = "staff_seen"
PUBLIC_ENDPOINTS = {"staff.login"}


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
    """Every staff page but the login form needs a logged-in account that was active lately."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    idle = current_app.config["STAFF_IDLE_MINUTES"] * 60
    seen = session.get(SEEN, 0)
    if time.time() - seen > idle:
        logout_user()
        session.pop(SEEN, None)
        return login_manager.unauthorized()
    session[SEEN] = time.time()
    return None


def start_session(user: StaffUser) -> None:
    """Log ``user`` in, in a new session (nothing of the anonymous one is kept)."""
    session.clear()
    login_user(user)
    session.permanent = True
    session[SEEN] = time.time()


def end_session() -> None:
    """Log out and forget the session."""
    logout_user()
    session.clear()


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
