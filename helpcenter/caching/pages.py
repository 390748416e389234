"""Views whose pages are kept: validators, ``304`` answers without rendering, the page store.

:func:`cached_page` decorates a public page's view; :func:`remembered` keeps
any other rendered answer (the search results of an index generation).
Under the development server, where templates change without a restart,
pages are rendered every time and their ``ETag`` is a digest of the body.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from functools import wraps

from flask import Flask, Response, current_app, g, make_response, request
from werkzeug.http import is_resource_modified

from helpcenter.library import current_library

from .store import CachedPage, PageStore
from .validators import SiteVersion, accepts_gzip, etag_of, page_headers, page_key, revalidating


def page_store(app: Flask | None = None) -> PageStore | None:
    """The app's kept pages, or None when pages are rendered every time."""
    return (app or current_app).extensions["helpcenter.page_store"]


def pages_modified() -> dt.datetime:
    """When the site's code or its content last changed: the pages' ``Last-Modified``."""
    version: SiteVersion = current_app.extensions["helpcenter.site_version"]
    return max(version.modified, current_library().modified)


def respond(page: CachedPage) -> Response:
    """The kept page as this request's answer (compressed when the client accepts it)."""
    return page.response(accepts_gzip(request.environ))


def cached_page(variant: Callable[[], Hashable] | None = None):
    """Decorate a public page's view: validators, ``304`` answers and the page store.

    ``variant`` returns what of the reader's session the page shows (None
    when nothing): a page that shows something is private to the reader.
    Such a page reads no query parameter (links on it leave them out too).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            g.page_query = {}
            personal = variant() if variant is not None else None
            private = personal is not None
            store = page_store()
            if store is None:
                response = make_response(view(**kwargs))
                if response.status_code == 200:
                    response.add_etag()
                    response.headers.extend(page_headers(private))
                    if current_app.debug:
                        # Live preview: an edited page shows on the next visit.
                        response.headers["Cache-Control"] = "no-cache"
                    response.make_conditional(request)
                return response
            key = page_key(request.environ, current_library().fingerprint, personal)
            page = store.get(key)
            if page is None:
                etag, last_modified = etag_of(key), pages_modified()
            else:
                etag, last_modified = page.etag, page.last_modified
            if revalidating(request.environ) and not is_resource_modified(
                request.environ, etag=etag, last_modified=last_modified
            ):
                return Response(status=304, headers=page_headers(private, etag, last_modified))
            if page is None:
                response = make_response(view(**kwargs))
                if response.status_code != 200:
                    return response
                headers = page_headers(private, etag, last_modified)
                page = CachedPage.of(
                    response.get_data(),
                    response.mimetype,
                    headers,
                    etag=etag,
                    last_modified=last_modified,
                    shared=not private,
                )
                store.put(key, page)
            return respond(page)

        # Such a page has no rate limit: the limiter skips it (helpcenter.extensions).
        wrapper.public_page = True
        return wrapper

    return decorate


def remembered(variant: Hashable, render: Callable[[], CachedPage | Response]) -> CachedPage | Response:
    """The page kept for this address and ``variant``, or ``render()``'s, kept when it is a page.

    ``render`` returns a :class:`CachedPage` to keep, or any other answer (an
    error page) to give once.
    """
    store = page_store()
    key = page_key(request.environ, current_library().fingerprint, variant) if store is not None else None
    page = store.get(key) if store is not None else None
    if page is None:
        page = render()
        if store is not None and isinstance(page, CachedPage):
            store.put(key, page)
    return page
