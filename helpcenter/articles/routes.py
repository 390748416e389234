"""Views of the public pages, in the reader's language with fallback: home, sections, articles,
search results, contact, feedback, sitemap and content assets."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.http import is_resource_modified, quote_etag
from werkzeug.security import safe_join

from helpcenter.caching import CachedPage, cached_page, remembered, respond
from helpcenter.content import SECTIONS, Kind, page_url
from helpcenter.content.assets import asset_type
from helpcenter.db import get_session
from helpcenter.extensions import csrf, limiter
from helpcenter.i18n import all_languages, select_locale
from helpcenter.library import count_search, current_library, current_policies, run_search, search_service
from helpcenter.search import SearchUnavailable
from helpcenter.search.params import InvalidSearch, search_request
from helpcenter.security import cross_site

from .forms import FeedbackForm
from .operations import record_feedback, voter_key

bp = Blueprint("articles", __name__)
log = logging.getLogger(__name__)

VOTES_KEY = "feedback_votes"
#: A content file asked for by its plain name may be edited: an hour, then revalidation.
ASSET_MAX_AGE = 3600
#: By the digest in its name, it never changes.
ONE_YEAR = 365 * 24 * 3600
#: SVG pictures up to this size are read whole, to be compressed.
MAX_TEXT_ASSET = 4 * 1024 * 1024
#: Pictures and PDF documents need no script, and get none: ``sandbox`` forbids it even inside an SVG.
ASSET_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


@bp.route("/")
def root():
    """Send the reader to the home page of their language."""
    response = redirect(url_for("articles.home", lang=select_locale()))
    response.vary.update(("Cookie", "Accept-Language"))
    return response


@bp.route("/<lang:lang>/")
@cached_page()
def home(lang: str):
    """Home: search box, sections, products, recently updated articles."""
    library = current_library()
    sections = [(section, library.section(lang, section)) for section in SECTIONS]
    return render_template(
        "articles/home.html",
        intro=library.home(lang),
        sections=sections,
        products=library.products(lang),
        recent=library.recently_updated(lang, 6),
        alternates=_alternates("_index"),
    )


@bp.route("/<lang:lang>/faq/")
@cached_page()
def faq_index(lang: str):
    """Questions and answers grouped by topic."""
    library = current_library()
    return render_template(
        "articles/faq_index.html",
        section_name="faq",
        section=library.section(lang, "faq"),
        topics=library.faq_topics(lang),
        alternates=_alternates("faq/_index"),
    )


@bp.route("/<lang:lang>/guide/")
@cached_page()
def guide_index(lang: str):
    """The user guide's chapters in order."""
    library = current_library()
    return render_template(
        "articles/guide_index.html",
        section_name="guide",
        section=library.section(lang, "guide"),
        chapters=library.articles(lang, "guide"),
        alternates=_alternates("guide/_index"),
    )


@bp.route("/<lang:lang>/tutorials/")
@cached_page()
def tutorials_index(lang: str):
    """Products and their tutorials."""
    library = current_library()
    products = [(slug, product, library.articles(lang, "tutorials", slug)) for slug, product in library.products(lang)]
    return render_template(
        "articles/tutorials_index.html",
        section_name="tutorials",
        section=library.section(lang, "tutorials"),
        products=products,
        alternates=_alternates("tutorials/_index"),
    )


@bp.route("/<lang:lang>/tutorials/<product>/")
@cached_page()
def product_index(lang: str, product: str):
    """The tutorials of one product."""
    library = current_library()
    tutorials = library.articles(lang, "tutorials", product)
    if not tutorials:
        abort(404)
    return render_template(
        "articles/product_index.html",
        slug=product,
        product=library.resolve(lang, f"tutorials/{product}/_index"),
        section=library.section(lang, "tutorials"),
        tutorials=tutorials,
        alternates=_alternates(f"tutorials/{product}/_index"),
    )


def reader_votes() -> tuple[tuple[str, bool], ...] | None:
    """The reader's votes on the article asked for: all an article page shows of the session."""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return None  # no session to read: the page is the same for every such reader
    votes = session.get(VOTES_KEY)
    if not votes:
        return None
    # An article's address is its language, then its id.
    page_id = request.path.split("/", 2)[2]
    return tuple(sorted((key, vote) for key, vote in votes.items() if key.split(":", 1)[1] == page_id)) or None


@bp.route("/<lang:lang>/faq/<slug>")
@cached_page(variant=reader_votes)
def question(lang: str, slug: str):
    """One question and its answer."""
    return _article(lang, f"faq/{slug}")


@bp.route("/<lang:lang>/guide/<slug>")
@cached_page(variant=reader_votes)
def chapter(lang: str, slug: str):
    """One chapter of the user guide."""
    return _article(lang, f"guide/{slug}")


@bp.route("/<lang:lang>/tutorials/<product>/<slug>")
@cached_page(variant=reader_votes)
def tutorial(lang: str, product: str, slug: str):
    """One tutorial of a product."""
    return _article(lang, f"tutorials/{product}/{slug}")


def _article(lang: str, page_id: str):
    library = current_library()
    resolved = library.resolve(lang, page_id)
    if resolved is None or resolved.page.kind is not Kind.ARTICLE:
        abort(404)
    page = resolved.page
    previous, following = library.neighbours(lang, page)
    chapters = library.articles(lang, "guide") if page.section == "guide" else []
    product = library.resolve(lang, f"tutorials/{page.product}/_index") if page.product else None
    return render_template(
        "articles/article.html",
        resolved=resolved,
        page=page,
        section=library.section(lang, page.section or ""),
        product=product,
        status=library.status(page_id, page.lang),
        source=library.exact(library.source_language, page_id),
        previous=previous,
        following=following,
        chapters=chapters,
        vote=session.get(VOTES_KEY, {}).get(f"{page.lang}:{page_id}"),
        alternates=_alternates(page_id),
    )


#: Results change with the index: browsers ask again every time.
RESULTS_HEADERS = [("Cache-Control", "no-cache"), ("Vary", "Accept-Encoding")]


@bp.route("/<lang:lang>/search")
@limiter.limit(lambda: current_app.config["SEARCH_PAGE_LIMIT"])
def search(lang: str):
    """Search results: ranked, highlighted, filtered, paginated, with suggestions.

    A results page is kept for the index generation it was found in (popular
    searches are asked again and again); every search is counted all the same.
    """
    try:
        wanted = search_request(request.args, lang=lang, languages=current_app.config["LANGUAGES"], default_lang=lang)
    except InvalidSearch as error:
        return render_template("articles/search.html", invalid=error.param, **_search_context(lang)), 400
    g.page_query = {
        name: value
        for name, value in (("q", wanted.text), ("section", wanted.section), ("product", wanted.product))
        if value
    } | ({"page": wanted.page} if wanted.page > 1 else {})
    if not wanted.text:
        return render_template("articles/search.html", results=None, **_search_context(lang, wanted))
    page = remembered(
        (search_service().generation(), wanted), lambda: _results_page(wanted, _search_context(lang, wanted))
    )
    if not isinstance(page, CachedPage):
        return page
    count_search(lang, wanted.text, page.note)
    return respond(page)


def _search_context(lang: str, wanted=None) -> dict:
    """What the search page shows besides results (worked out only when the page is rendered, not kept)."""
    products = current_library().products(lang)
    return {
        "query": wanted.text if wanted else request.args.get("q", ""),
        "wanted": wanted,
        "sections": SECTIONS,
        # Translated once for the form and every result.
        "section_titles": {name: section_title(name) for name in SECTIONS},
        "products": products,
        "product_names": {slug: product.page.title if product else slug for slug, product in products},
        "alternates": all_languages(),
    }


def _results_page(wanted, context: dict):
    """The results page of ``wanted`` to keep, or the answer while search is unavailable."""
    try:
        results = run_search(wanted)
    except SearchUnavailable:
        log.warning("search unavailable: the index is being built")
        response = render_template("articles/search.html", unavailable=True, **context)
        return make_response(response, 503, {"Retry-After": "10"})
    library = current_library()
    hits = [(hit, page) for hit in results.hits if (page := library.exact(hit.lang, hit.id)) is not None]
    html = render_template("articles/search.html", results=results, hits=hits, **context)
    return CachedPage.of(html.encode(), "text/html", RESULTS_HEADERS, note=results.total > 0)


@csrf.exempt
@bp.route("/<lang:lang>/feedback", methods=["POST"])
@limiter.limit(lambda: current_app.config["FEEDBACK_LIMIT"])
@limiter.limit(
    lambda: current_app.config["FEEDBACK_ARTICLE_LIMIT"],
    key_func=lambda: f"vote:{request.remote_addr}:{request.form.get('article', '')[:300]}",
    # A session votes once per article whatever it posts; only sessionless votes could add up.
    exempt_when=lambda: "voter" in session,
)
def feedback(lang: str):
    """Record "Was this helpful?" for an article, once per browser session."""
    if cross_site():
        abort(403)
    form = FeedbackForm()
    if not form.validate_on_submit():
        abort(400)
    resolved = current_library().resolve(lang, form.article.data)
    if resolved is None or resolved.page.kind is not Kind.ARTICLE:
        abort(404)
    page = resolved.page
    if "voter" not in session:
        session["voter"] = secrets.token_urlsafe(16)
    helpful = form.helpful.data == "yes"
    record_feedback(
        get_session(),
        article_id=page.id,
        lang=page.lang,
        reader_lang=lang,
        voter=voter_key(session["voter"]),
        helpful=helpful,
    )
    votes = dict(session.get(VOTES_KEY, {}))
    votes[f"{page.lang}:{page.id}"] = helpful
    session[VOTES_KEY] = votes
    return redirect(page_url(lang, page.id) + "#feedback", code=303)


@bp.route("/<lang:lang>/contact")
@cached_page()
def contact(lang: str):
    """Support policy: hours, first-response targets and the ways to reach us."""
    return render_template("articles/contact.html", policies=current_policies(), alternates=all_languages())


@bp.route("/sitemap.xml")
def sitemap():
    """Every page in every language it really exists in, with its hreflang alternates."""
    library = current_library()
    root = current_app.config["BASE_URL"]
    entries = []
    for page_id in library.page_ids:
        languages = library.translations(page_id)
        alternates = [(lang, root + page_url(lang, page_id)) for lang in languages]
        for lang in languages:
            page = library.exact(lang, page_id)
            entries.append((root + page_url(lang, page_id), page.updated, alternates))
    for lang in current_app.config["LANGUAGES"]:
        alternates = [
            (other, root + url_for("articles.contact", lang=other)) for other in current_app.config["LANGUAGES"]
        ]
        entries.append((root + url_for("articles.contact", lang=lang), None, alternates))
    response = make_response(render_template("sitemap.xml", entries=entries))
    response.mimetype = "application/xml"
    return response


@bp.route("/robots.txt")
def robots():
    """Crawlers may read everything public; search results and the staff console are not for them."""
    languages = current_app.config["LANGUAGES"]
    lines = ["User-agent: *", *(f"Disallow: /{lang}/search" for lang in languages), "Disallow: /staff/"]
    lines += ["Disallow: /language/", f"Sitemap: {current_app.config['BASE_URL']}/sitemap.xml", ""]
    response = make_response("\n".join(lines))
    response.mimetype = "text/plain"
    return response


@bp.route("/assets/<path:name>")
def asset(name: str):
    """A picture or PDF from ``content/assets/``; any other file is a 404.

    Pages link a file by its name with its digest (``alert-zones.<digest>.svg``),
    which browsers keep a year; the plain name answers too, revalidated
    hourly, as does a digest that is no longer the file's (a page kept from
    before the file changed).  The type is the one its suffix allows (never
    sniffed), and a policy with ``sandbox`` keeps any script inside (an
    SVG's) from running on the site.  A revalidation is answered before the
    file is opened (Werkzeug's own ``304`` would leave it open until collected).
    """
    mimetype = asset_type(name)
    library = current_library()
    path = safe_join(str(library.assets_dir), name) if mimetype is not None else None
    if path is None:
        abort(404)
    digest = None
    if not os.path.isfile(path):
        found = library.assets.fingerprinted(name)
        if found is None:
            abort(404)
        known, digest = found
        name, path = known.name, safe_join(str(library.assets_dir), known.name)
        if path is None or not os.path.isfile(path):
            abort(404)
    stat = os.stat(path)
    known = library.assets.get(name)
    if known is not None and known.stamp != (stat.st_size, stat.st_mtime_ns):
        known = None  # changed since the content was loaded: its digest is not this file's
    immutable = known is not None and digest == known.digest
    etag = known.digest if known is not None else f"{stat.st_mtime_ns:x}-{stat.st_size:x}"
    modified = dt.datetime.fromtimestamp(int(stat.st_mtime), dt.UTC)
    headers = {
        "Cache-Control": f"public, max-age={ONE_YEAR}, immutable" if immutable else f"public, max-age={ASSET_MAX_AGE}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": ASSET_POLICY,
    }
    if not is_resource_modified(request.environ, etag=etag, last_modified=modified):
        return Response(status=304, headers={**headers, "ETag": quote_etag(etag)})
    if mimetype == "image/svg+xml" and stat.st_size <= MAX_TEXT_ASSET:
        # Text: answered from memory, so that it leaves gzipped like the pages.
        with open(path, "rb") as file:
            response = Response(file.read(), mimetype=mimetype)
        response.set_etag(etag)
        response.last_modified = modified
    else:
        # Browsers will not show a sandboxed PDF: it is downloaded instead, and opened by the reader's viewer.
        response = send_file(
            path,
            mimetype=mimetype,
            as_attachment=mimetype == "application/pdf",
            etag=etag,
            last_modified=modified,
            conditional=False,
        )
    response.headers.update(headers)
    return response


def _alternates(page_id: str) -> dict[str, str]:
    """Real translations of a page, for hreflang links: language to URL."""
    return {lang: page_url(lang, page_id) for lang in current_library().translations(page_id)}


@bp.app_template_global()
def section_title(section: str) -> str:
    """The interface name of a section, for pages whose ``_index.md`` is missing."""
    # Only the name asked for is translated: a results page asks once per result.
    if section == "faq":
        return _("Questions and answers")
    if section == "guide":
        return _("User guide")
    if section == "tutorials":
        return _("Tutorials")
    raise KeyError(section)


@bp.app_template_global()
def section_description(section: str) -> str:
    """What a section holds, in the reader's language: its page's description when its ``_index.md`` has no summary."""
    return {
        "faq": _("Short answers to the questions our customers ask most often."),
        "guide": _("How our services work and how to set them up, chapter by chapter."),
        "tutorials": _("Step-by-step tutorials for each of our products."),
    }[section]
