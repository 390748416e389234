"""JSON endpoints: search, and the document that describes the API."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from helpcenter.content import page_url
from helpcenter.extensions import csrf, limiter
from helpcenter.library import count_search, current_library, run_search
from helpcenter.search import SearchUnavailable
from helpcenter.search.params import InvalidSearch, search_request

from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def error(status: int, code: str, message: str, **extra):
    """A JSON error answer: ``{"error": {"code", "message", ...}}``."""
    return jsonify(error={"code": code, "message": message, **extra}), status


@bp.route("/search")
@limiter.limit(lambda: current_app.config["SEARCH_API_LIMIT"])
def search():
    """Search articles; see ``/api/v1/openapi.json`` for the parameters and answer."""
    config = current_app.config
    try:
        wanted = search_request(
            request.args, lang=None, languages=config["LANGUAGES"], default_lang=config["SOURCE_LANGUAGE"]
        )
    except InvalidSearch as exc:
        return error(400, "invalid_parameter", str(exc), parameter=exc.param)
    answer = {
        "query": wanted.text,
        "lang": wanted.lang,
        "total": 0,
        "page": wanted.page,
        "per_page": wanted.per_page,
        "suggestion": None,
        "results": [],
    }
    if not wanted.text:
        return jsonify(answer)
    try:
        results = run_search(wanted)
    except SearchUnavailable:
        response, status = error(503, "search_unavailable", "Search is temporarily unavailable; try again shortly.")
        response.headers["Retry-After"] = "10"
        return response, status
    if not wanted.as_you_type:
        count_search(wanted.lang, wanted.text, found=results.total > 0)
    library = current_library()
    items = []
    for hit in results.hits:
        page = library.exact(hit.lang, hit.id)
        if page is None:
            continue
        items.append(
            {
                "id": hit.id,
                "lang": hit.lang,
                "title": page.title,
                "url": page_url(hit.lang, hit.id),
                "section": hit.section,
                "product": hit.product,
                "snippet_html": hit.snippet_html,
                "score": hit.score,
            }
        )
    answer.update(total=results.total, suggestion=results.suggestion, results=items)
    return jsonify(answer)


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    config = current_app.config
    return jsonify(openapi_document(config["LANGUAGES"], config["SOURCE_LANGUAGE"], config["BASE_URL"]))
