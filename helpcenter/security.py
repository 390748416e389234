"""Response headers that keep the site safe in browsers, and the health endpoints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from .db import database_status, get_session
from .library import search_service
from .search import SearchUnavailable

#: Scripts and styles come only from the site's own files: no inline code at all.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

health = Blueprint("health", __name__)


def local_target(target: str | None, *prefixes: str) -> str | None:
    """``target`` when it is a path on this site (starting with one of ``prefixes``, default ``/``), else None.

    What a ``next`` parameter may send a reader to: never another site (a
    scheme, a host, ``//`` or a backslash that browsers read as one).
    """
    if not target or "\\" in target or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(prefixes or ("/",)):
        return None
    return target


def cross_site() -> bool:
    """Whether a browser says the request comes from another site (Fetch Metadata, else Origin).

    Every current browser sends ``Sec-Fetch-Site``; older ones send
    ``Origin`` on a cross-site form post.  A request with neither does not
    come from a browser on another site's page, which is all a cross-site
    request forgery can be.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return origin == "null" or origin.rstrip("/") != request.host_url.rstrip("/")


#: Headers every response carries unless its view set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(environ: dict) -> list[tuple[str, str]]:
    """The headers every answer carries (HSTS only over HTTPS)."""
    secure = environ.get("wsgi.url_scheme") == "https"
    return [*SECURITY_HEADERS, HSTS] if secure else list(SECURITY_HEADERS)


def _headers(response):
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    headers.extend([(name, value) for name, value in security_headers(request.environ) if name.lower() not in present])
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer made once per key rather than per request."""

    def __init__(self) -> None:
        self._signers: dict = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        signer = self._signers.get(key)
        if signer is None:
            signer = self._signers[key] = super().get_signing_serializer(app)
        return signer


@health.route("/healthz")
def healthz():
    """Liveness: the process answers."""
    return jsonify(status="ok")


@health.route("/readyz")
def readyz():
    """Readiness: the database answers and accepts writes, and the search index can be opened.

    A load balancer sends traffic only to ready servers: one whose database
    is gone, or is a standby, cannot file a ticket.
    """
    checks = {"database": database_status(get_session())}
    try:
        search_service().engine.generation()
        checks["search"] = "ok"
    except SearchUnavailable as exc:
        checks["search"] = f"unavailable: {exc}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


class TrustedHosts:
    """WSGI middleware: a request naming another site in its ``Host`` header is a plain 400.

    Checked before anything else (the kept pages included), so that no
    answer, cached or not, is ever made for a host the site is not.
    """

    def __init__(self, wsgi_app, hosts: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.hosts = hosts

    def __call__(self, environ: dict, start_response):
        if not host_is_trusted(environ.get("HTTP_HOST") or environ.get("SERVER_NAME"), self.hosts):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"), *SECURITY_HEADERS])
            return [b"400 Bad Request: unknown host"]
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Add the security headers to every response; register the health endpoints."""
    app.session_interface = SessionInterface()
    app.after_request(_headers)
    app.register_blueprint(health)


def guard(app: Flask) -> None:
    """Wrap the whole app (kept pages included): the client's address behind proxies, trusted hosts.

    ``HELPCENTER_PROXY_COUNT`` proxies in front are trusted to say who the
    client is (``X-Forwarded-For``) and how it connected
    (``X-Forwarded-Proto``); limits and logs then see the client's own
    address.  With ``HELPCENTER_TRUSTED_HOSTS``, any other ``Host`` is a 400.
    """
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    hosts = app.config["TRUSTED_HOSTS_LIST"]
    if hosts:
        app.config["TRUSTED_HOSTS"] = hosts
        app.wsgi_app = TrustedHosts(app.wsgi_app, hosts)
