"""Response headers that keep the site safe in browsers, and the health endpoints."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from sqlalchemy import text

from .db import get_session
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


def _headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


@health.route("/healthz")
def healthz():
    """Liveness: the process answers."""
    return jsonify(status="ok")


@health.route("/readyz")
def readyz():
    """Readiness: the database answers and the search index can be opened."""
    checks = {}
    try:
        get_session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means: not ready
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        search_service().engine.generation()
        checks["search"] = "ok"
    except SearchUnavailable as exc:
        checks["search"] = f"unavailable: {exc}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def init_app(app: Flask) -> None:
    """Add the security headers to every response; register the health endpoints."""
    app.after_request(_headers)
    app.register_blueprint(health)
