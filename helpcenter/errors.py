"""Error pages in the reader's language."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(error: HTTPException):
    if _wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        return jsonify(error={"code": code, "message": error.description or error.name}), error.code
    if request_ctx.url_adapter is None:
        # The request could not be bound to the site (a malformed Host header): no URL
        # can be built, so no page with links either.
        return f"{error.code} {error.name}", error.code, {"Content-Type": "text/plain; charset=utf-8"}
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    # A view's own words (already in the reader's language) say what was wrong; Werkzeug's stock ones are English.
    detail = error.description if error.description != type(error).description else None
    return render_template(template, error=error, detail=detail), error.code


def _server_error(error: InternalServerError):
    original = getattr(error, "original_exception", None)
    if original is not None:
        log.error("unhandled error", exc_info=original)
    if _wants_json():
        return jsonify(error={"code": "internal_error", "message": "An unexpected error occurred."}), 500
    try:
        return render_template("errors/500.html"), 500
    except Exception:  # the error page itself must not fail
        log.exception("the error page could not be rendered")
        return "Internal Server Error", 500, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    """Register the localised error pages."""
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http_error)
