"""What the app loads once and every part reads: the content, the support policy, the search.

The library is loaded once (reloaded on change in development); the search
service keeps the index in step with it; the policy file is read on first
use.  Views, operations and commands reach them through the accessors here
(:func:`current_library`, :func:`current_policies`, :func:`run_search`).
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app

from helpcenter.articles.operations import record_searches
from helpcenter.content import Library, content_fingerprint, load_library
from helpcenter.content.loader import Progress as LoadProgress
from helpcenter.db import database
from helpcenter.search import SearchRequest, SearchResults, SearchService
from helpcenter.search.stats import Counts, SearchTally
from helpcenter.sla import PolicySet, load_policy_set


class ContentStore:
    """Holds the :class:`Library` of one app.

    The library is loaded on first use (or by :meth:`load`, for servers that
    preload before forking).  With ``live`` set, as under the development
    server, the tree's fingerprint is checked at most every ``interval``
    seconds and the library reloaded when a file was added, saved or removed.
    """

    def __init__(self, app: Flask, *, live: bool, interval: float = 0.5) -> None:
        self.content_dir = app.config["CONTENT_DIR"]
        self.cache_dir = app.config["CACHE_DIR"]
        self.languages = app.config["LANGUAGES"]
        self.source_language = app.config["SOURCE_LANGUAGE"]
        self.fallback_chain = app.config["FALLBACK_CHAIN"]
        self.live = live
        self.interval = interval
        self._library: Library | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def load(self, progress: LoadProgress | None = None) -> Library:
        """Load (or reload) the library from the content folder; ``progress`` is told how far it is."""
        library = load_library(
            self.content_dir,
            self.languages,
            source_language=self.source_language,
            fallback_chain=self.fallback_chain,
            cache_dir=self.cache_dir,
            progress=progress,
        )
        self._library = library
        self._checked = time.monotonic()
        return library

    def use(self, library: Library) -> None:
        """Serve an already loaded library (a server that preloads, tests that share one)."""
        self._library = library
        self._checked = time.monotonic()

    def get(self) -> Library:
        """The current library, loading or refreshing it as needed."""
        library = self._library
        if library is not None and not self.live:
            return library
        with self._lock:
            library = self._library
            if library is None:
                return self.load()
            now = time.monotonic()
            if now - self._checked >= self.interval:
                self._checked = now
                if content_fingerprint(self.content_dir) != library.fingerprint:
                    return self.load()
            return library


def content_store(app: Flask | None = None) -> ContentStore:
    """The :class:`ContentStore` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["helpcenter.content"]


def current_library() -> Library:
    """The content library of the current app."""
    return content_store().get()


def search_service(app: Flask | None = None) -> SearchService:
    """The :class:`SearchService` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["helpcenter.search"]


def run_search(request: SearchRequest) -> SearchResults:
    """Search the current library (raises ``SearchUnavailable`` while there is no index)."""
    return search_service().search(request, current_library())


def search_tally(app: Flask | None = None) -> SearchTally:
    """The app's search counts waiting to be written."""
    return (app or current_app).extensions["helpcenter.search_tally"]


def count_search(lang: str, text: str, found: bool) -> None:
    """Count a search for the editors' report (written later, outside the request)."""
    search_tally().record(lang, text, found)


def current_policies() -> PolicySet:
    """The app's support policy (``HELPCENTER_SLA_POLICY``, else the shipped file), read once.

    Raises :class:`helpcenter.sla.PolicyError` when the file is unusable.
    """
    extensions = current_app.extensions
    if "helpcenter.policies" not in extensions:
        extensions["helpcenter.policies"] = load_policy_set(current_app.config["SLA_POLICY"])
    return extensions["helpcenter.policies"]


def init_app(app: Flask) -> None:
    """Attach the content store, the search service and the search counts; live reloading follows debug mode."""
    sessions = database(app).sessions

    def write_counts(counts: Counts) -> None:
        with sessions() as session:
            record_searches(session, counts)

    app.extensions["helpcenter.content"] = ContentStore(app, live=app.debug)
    app.extensions["helpcenter.search_tally"] = SearchTally(write_counts)
    app.extensions["helpcenter.search"] = SearchService(
        app.config["INDEX_DIR"], app.config["LANGUAGES"], app.config["SOURCE_LANGUAGE"], live=app.debug
    )
