"""The search results page, in the reader's language."""

from __future__ import annotations

import logging
from typing import NamedTuple

from flask import current_app, render_template, request

from helpcenter.content import SECTIONS
from helpcenter.http_cache import CachedPage, cache_key, page_cache
from helpcenter.library import count_search, current_library, run_search, search_service
from helpcenter.search import SearchUnavailable
from helpcenter.search.params import InvalidSearch, search_request

from . import bp
from .routes import all_languages

log = logging.getLogger(__name__)

#: Results change with the index: browsers ask again every time.
RESULTS_HEADERS = [("Cache-Control", "no-cache"), ("Vary", "Accept-Encoding")]


class Results(NamedTuple):
    """A rendered results page, the words searched and whether anything was found."""

    page: CachedPage
    text: str
    found: bool


@bp.route("/<lang:lang>/search")
def search(lang: str):
    """Search results: ranked, highlighted, filtered, paginated, with suggestions.

    A results page is kept for the index generation it was found in (popular
    searches are asked again and again); every search is counted all the same.
    """
    cache = page_cache()
    key = cache_key(search_service().generation()) if cache is not None else None
    kept = cache.get(key) if cache is not None else None
    if kept is None:
        kept = _results_page(lang)
        if not isinstance(kept, Results):
            return kept
        if cache is not None:
            cache.put(key, kept)
    page, text, found = kept
    count_search(lang, text, found)
    return page.response()


def _results_page(lang: str):
    """The :class:`Results` of the search asked for, or another answer (400, 503, the empty form)."""
    library = current_library()
    products = library.products(lang)
    context = {
        "query": request.args.get("q", ""),
        "sections": SECTIONS,
        "products": products,
        "product_names": {slug: product.page.title if product else slug for slug, product in products},
        "alternates": all_languages(),
    }
    try:
        wanted = search_request(
            request.args, lang=lang, languages=current_app.config["LANGUAGES"], default_lang=lang
        )
    except InvalidSearch as error:
        return render_template("articles/search.html", invalid=error.param, **context), 400
    context.update(wanted=wanted, query=wanted.text)
    if not wanted.text:
        return render_template("articles/search.html", results=None, **context)
    try:
        results = run_search(wanted)
    except SearchUnavailable:
        log.warning("search unavailable: the index is being built")
        response = render_template("articles/search.html", unavailable=True, **context)
        return response, 503, {"Retry-After": "10"}
    hits = [(hit, library.exact(hit.lang, hit.id)) for hit in results.hits]
    html = render_template(
        "articles/search.html", results=results, hits=[(h, p) for h, p in hits if p is not None], **context
    )
    page = CachedPage(html.encode(), "text/html", RESULTS_HEADERS)
    return Results(page, wanted.text, results.total > 0)
