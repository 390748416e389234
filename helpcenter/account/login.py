"""Customer sessions: a cookie of their own, kept on the server, 30 days unless the customer signs out.

Separate from staff sessions in every way: another cookie (``hc_account``,
not Flask's session), another kind of server-side session.  A staff login
opens no customer page, and a customer session no staff page.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, g, request

from helpcenter.db import get_session
from helpcenter.login_sessions import CUSTOMER, end_session, live_session

COOKIE = "hc_account"


def current_customer() -> str | None:
    """The address signed in to the Customer Area in this request, or None."""
    if "customer" not in g:
        session = live_session(
            get_session(),
            request.cookies.get(COOKIE),
            CUSTOMER,
            lifetime=dt.timedelta(days=current_app.config["CUSTOMER_SESSION_DAYS"]),
        )
        g.customer = None if session is None else session.subject
    return g.customer


def keep_signed_in(response: Response, token: str) -> None:
    """Give the browser the session's cookie, for as long as the session lasts."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=current_app.config["CUSTOMER_SESSION_DAYS"] * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def sign_out(response: Response) -> None:
    """End the session on the server, and make the browser forget its cookie."""
    end_session(get_session(), request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
