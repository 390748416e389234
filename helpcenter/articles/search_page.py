"""The search results page, in the reader's language."""

from __future__ import annotations

import logging

from flask import current_app, render_template, request

from helpcenter.content import SECTIONS
from helpcenter.library import count_search, current_library, run_search
from helpcenter.search import SearchUnavailable
from helpcenter.search.params import InvalidSearch, search_request

from . import bp
from .routes import all_languages

log = logging.getLogger(__name__)


@bp.route("/<lang:lang>/search")
def search(lang: str):
    """Search results: ranked, highlighted, filtered, paginated, with suggestions."""
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
    count_search(lang, wanted.text, found=results.total > 0)
    hits = [(hit, library.exact(hit.lang, hit.id)) for hit in results.hits]
    return render_template(
        "articles/search.html", results=results, hits=[(h, p) for h, p in hits if p is not None], **context
    )
