"""Logging staff in and out; every other page of ``/staff`` needs a live session."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from helpcenter.db import get_session, utcnow
from helpcenter.extensions import limiter, login_manager

from . import bp
from .accounts import find_staff
from .models import StaffUser

SEEN = "staff_seen"
PUBLIC_ENDPOINTS = {"staff.login"}


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = StringField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])


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


@bp.before_request
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


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/staff") and "\\" not in target:
        return target
    return url_for("staff.queue")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STAFF_LOGIN_LIMIT"], methods=["POST"])
def login():
    """The login form; attempts are rate-limited per address."""
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        db = get_session()
        user = find_staff(db, form.email.data)
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()
            login_user(user)
            session.permanent = True
            session[SEEN] = time.time()
            user.last_login_at = utcnow()
            db.commit()
            return redirect(_safe_next(request.args.get("next")))
        failed = True
    status = 401 if failed else 200
    return render_template("staff/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session."""
    logout_user()
    session.clear()
    return redirect(url_for("staff.login"))


def init_login(app) -> None:
    """Bind the login manager: unauthenticated staff pages send to the login form."""
    login_manager.init_app(app)
    # Staff never get a remember-me cookie (sessions end after a working day),
    # so Flask-Login's hook that keeps one up to date has nothing to do; left
    # in, it would read the session on every response and make every public
    # page and static file vary on the Cookie header.
    hooks = app.after_request_funcs[None]
    if login_manager._update_remember_cookie in hooks:
        hooks.remove(login_manager._update_remember_cookie)
    login_manager.login_view = "staff.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "strong"
