"""Staff sessions that really end, logins that tell nothing, limits per account, and roles that mean something.

Each test replays an attack that once worked against the staff console.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from helpcenter import login_sessions
from helpcenter.db import database
from helpcenter.login_sessions import LoginSession
from helpcenter.outbox.models import OutboxMessage
from helpcenter.staff import models as staff_models
from helpcenter.staff.models import StaffUser

from .helpers import STAFF_EMAIL, STAFF_PASSWORD, csrf_token

ADMIN = "admin@fulgur.example"


class Clock:
    """The instant the server-side sessions see, moved by the test."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(login_sessions, "utcnow", clock)
    return clock


def copy_cookies(source, target) -> None:
    """What an attacker who read the cookies of ``source`` does in another browser."""
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def opens_the_queue(client) -> bool:
    response = client.get("/staff/")
    return response.status_code == 200 and "/staff/login" not in response.headers.get("Location", "")


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, client, auth):
    assert auth.login(client).status_code == 302
    thief = app.test_client()
    copy_cookies(client, thief)
    assert opens_the_queue(thief), "a copy of a live session works as long as the session does"
    auth.logout(client)
    response = thief.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    with database(app).sessions() as session:
        assert all(row.ended_at is not None for row in session.scalars(select(LoginSession)))


def test_a_session_ends_after_eight_hours_however_busy(client, auth, clock):
    auth.login(client)
    for _half_hour in range(15):  # seven and a half hours of work, a page every half hour
        clock.advance(minutes=30)
        assert opens_the_queue(client)
    clock.advance(minutes=31)
    assert not opens_the_queue(client), "eight hours after the login, the session is over"
    assert not opens_the_queue(client)


def test_an_hour_without_activity_still_ends_a_session(client, auth, clock):
    auth.login(client)
    clock.advance(minutes=59)
    assert opens_the_queue(client)
    clock.advance(minutes=61)
    assert not opens_the_queue(client)


def test_the_session_cookie_is_not_permanent_and_a_replay_from_another_browser_is_refused(app, auth):
    owner = app.test_client()
    owner.environ_base["HTTP_USER_AGENT"] = "Firefox/140 on the agent's laptop"
    response = auth.login(owner)
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert "Expires=" not in cookie and "Max-Age=" not in cookie, "the session cookie ends with the browser"
    thief = app.test_client()
    thief.environ_base["HTTP_USER_AGENT"] = "curl/8"
    copy_cookies(owner, thief)
    assert not opens_the_queue(thief), "Flask-Login's strong protection drops a session replayed elsewhere"
    assert opens_the_queue(owner)


def test_an_unknown_address_costs_the_same_password_check_as_a_known_one(app, client, auth, monkeypatch):
    auth.account(app)
    checks = []
    real = staff_models.check_password_hash
    monkeypatch.setattr(
        staff_models, "check_password_hash", lambda hashed, password: checks.append(hashed) or real(hashed, password)
    )
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    for email in (STAFF_EMAIL, "nobody@fulgur.example"):
        response = client.post(
            "/staff/login", data={"csrf_token": token, "email": email, "password": "wrong password!"}
        )
        assert response.status_code == 401
    assert len(checks) == 2, "one scrypt check each, known address or not"
    assert all(hashed.startswith("scrypt:") for hashed in checks)


def failed_login(app, address: str, email: str = STAFF_EMAIL, **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    return client.post(
        "/staff/login", data={"csrf_token": token, "email": email, "password": "not the password"}, headers=headers
    )


def test_failed_logins_from_many_addresses_lock_the_account_but_not_its_owner(app_factory, auth):
    app = app_factory(STAFF_ACCOUNT_LOGIN_LIMIT="4 per 15 minutes")
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert auth.login(owner).status_code == 302, "the owner logged in from this browser before"
    auth.logout(owner)
    statuses = [failed_login(app, f"198.51.100.{number}").status_code for number in range(1, 7)]
    assert statuses == [401, 401, 401, 401, 429, 429], "a fifth failure from anywhere finds the account locked"
    assert failed_login(app, "198.51.100.50", email="someone.else@fulgur.example").status_code == 401
    assert auth.login(owner).status_code == 302, "the owner's own browser is never locked out"


def test_a_locked_account_unlocks_by_itself(app_factory, auth):
    app = app_factory(STAFF_ACCOUNT_LOGIN_LIMIT="2 per 2 seconds")
    auth.account(app)
    assert [failed_login(app, f"203.0.113.{n}").status_code for n in (1, 2, 3)] == [401, 401, 429]
    import time

    time.sleep(2.1)
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert auth.login(stranger).status_code == 302


def test_behind_a_proxy_each_client_has_its_own_address_limit(app_factory):
    direct = app_factory(STAFF_LOGIN_LIMIT="2 per minute", STAFF_ACCOUNT_LOGIN_LIMIT="100 per minute")
    # Without trusted proxies, everyone behind the balancer shares its address, and its limit.
    shared = [failed_login(direct, "10.0.0.1", **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in (1, 2, 3)]
    assert shared == [401, 401, 429]
    proxied = app_factory(STAFF_LOGIN_LIMIT="2 per minute", STAFF_ACCOUNT_LOGIN_LIMIT="100 per minute", PROXY_COUNT=1)
    own = [failed_login(proxied, "10.0.0.1", **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in (1, 2, 3)]
    assert own == [401, 401, 401], "behind one trusted proxy, the client's own address counts"
    forged = [
        failed_login(proxied, "10.0.0.1", **{"X-Forwarded-For": f"1.2.3.{n}, 198.51.100.7"}).status_code
        for n in (1, 2, 3)
    ]
    assert forged == [401, 401, 429], "addresses a client writes before the proxy's own are not believed"


# --- roles ----------------------------------------------------------------------


def test_agents_get_403_on_the_accounts_page(client, auth):
    auth.login(client)
    assert client.get("/staff/accounts").status_code == 403
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    assert (
        client.post(
            "/staff/accounts", data={"csrf_token": token, "email": "x@fulgur.example", "role": "admin"}
        ).status_code
        == 403
    )
    assert client.post("/staff/accounts/1/active", data={"csrf_token": token, "active": "0"}).status_code == 403


def outbox(app) -> list[OutboxMessage]:
    with database(app).sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_admin_adds_a_colleague_who_sets_a_password_from_the_mailed_link(app, client, auth):
    auth.login(client, email=ADMIN, role="admin")
    page = client.get("/staff/accounts")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    token = csrf_token(page.get_data(as_text=True))
    created = client.post(
        "/staff/accounts", data={"csrf_token": token, "email": "new@fulgur.example", "name": "Nina", "role": "agent"}
    )
    assert created.status_code == 302
    [mail] = [message for message in outbox(app) if message.recipient == "new@fulgur.example"]
    link = re.search(re.escape(app.config["BASE_URL"]) + r"(/staff/password/[\w-]+)", mail.body).group(1)
    colleague = app.test_client()
    form = colleague.get(link)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    form_token = csrf_token(form.get_data(as_text=True))
    short = colleague.post(link, data={"csrf_token": form_token, "password": "short", "confirm": "short"})
    assert short.status_code == 400
    chosen = "a brand new long password"
    assert (
        colleague.post(link, data={"csrf_token": form_token, "password": chosen, "confirm": chosen}).status_code == 302
    )
    assert colleague.get(link).status_code == 404, "the link works once"
    assert auth.login(colleague, email="new@fulgur.example", password=chosen).status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(app, auth):
    agent, admin = app.test_client(), app.test_client()
    auth.login(agent)
    auth.login(admin, email=ADMIN, role="admin")
    assert opens_the_queue(agent)
    with database(app).sessions() as session:
        agent_id = session.scalars(select(StaffUser.id).filter_by(email=STAFF_EMAIL)).one()
    token = csrf_token(admin.get("/staff/accounts").get_data(as_text=True))
    assert (
        admin.post(f"/staff/accounts/{agent_id}/active", data={"csrf_token": token, "active": "0"}).status_code == 302
    )
    assert not opens_the_queue(agent)
    assert auth.login(agent).status_code == 401, "a disabled account cannot log in"
    admin.post(f"/staff/accounts/{agent_id}/active", data={"csrf_token": token, "active": "1"})
    assert auth.login(agent).status_code == 302


def test_roles_change_and_an_admin_cannot_lock_themselves_out(app, client, auth):
    auth.account(app)
    auth.login(client, email=ADMIN, role="admin")
    with database(app).sessions() as session:
        ids = {user.email: user.id for user in session.scalars(select(StaffUser))}
    token = csrf_token(client.get("/staff/accounts").get_data(as_text=True))
    client.post(f"/staff/accounts/{ids[STAFF_EMAIL]}/role", data={"csrf_token": token, "role": "admin"})
    client.post(f"/staff/accounts/{ids[ADMIN]}/active", data={"csrf_token": token, "active": "0"})
    client.post(f"/staff/accounts/{ids[ADMIN]}/role", data={"csrf_token": token, "role": "agent"})
    with database(app).sessions() as session:
        users = {user.email: (user.role, user.active) for user in session.scalars(select(StaffUser))}
    assert users == {STAFF_EMAIL: ("admin", True), ADMIN: ("admin", True)}
    assert "You cannot change your own role or disable your own account." in client.get("/staff/accounts").get_data(
        as_text=True
    )


def test_a_forced_reset_ends_sessions_and_the_old_password(app, auth):
    agent, admin = app.test_client(), app.test_client()
    auth.login(agent)
    auth.login(admin, email=ADMIN, role="admin")
    with database(app).sessions() as session:
        agent_id = session.scalars(select(StaffUser.id).filter_by(email=STAFF_EMAIL)).one()
    token = csrf_token(admin.get("/staff/accounts").get_data(as_text=True))
    assert admin.post(f"/staff/accounts/{agent_id}/reset", data={"csrf_token": token}).status_code == 302
    assert not opens_the_queue(agent)
    assert auth.login(agent, password=STAFF_PASSWORD).status_code == 401
    assert any("/staff/password/" in message.body for message in outbox(app) if message.recipient == STAFF_EMAIL)
