"""HTTP caching, in one place: validators and ``304`` answers, kept pages, static files.

- :mod:`.validators`: what a page depends on (its key), its ``ETag`` and headers;
- :mod:`.store`: rendered pages kept per worker, bounded in entries and bytes;
- :mod:`.pages`: the :func:`cached_page` decorator of public views, and
  :func:`remembered` for other kept answers (search results);
- :mod:`.middleware`: shared pages answered before Flask to readers without a cookie;
- :mod:`.static`: the site's static files, fingerprinted and kept a year.

:func:`init_app` applies all of it to the app.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from helpcenter.library import content_store

from . import static
from .middleware import PublicPages
from .pages import cached_page, page_store, remembered, respond
from .store import CachedPage, PageStore
from .validators import site_version

__all__ = ["CachedPage", "PageStore", "cached_page", "init_app", "page_store", "remembered", "respond"]


def init_app(app: Flask, *, headers: Callable[[dict], list]) -> None:
    """Work out the site's version, serve the static files, keep pages (not under the development server).

    ``headers(environ)`` gives the headers every answer carries, which the
    middleware adds to the pages it answers before Flask.
    """
    app.extensions["helpcenter.site_version"] = site_version(app)
    static.init_app(app)
    entries = 0 if app.debug else app.config["PAGE_CACHE_SIZE"]
    store = PageStore(entries, app.config["PAGE_CACHE_BYTES"]) if entries > 0 else None
    app.extensions["helpcenter.page_store"] = store
    if store is not None:
        app.wsgi_app = PublicPages(app.wsgi_app, content_store(app), store, headers)
