"""HTTP caching of the public pages: validators, ``304`` answers, rendered pages kept per worker.

A public page is a function of a few things only: the site's code (templates,
catalogues, static files), the loaded content, the address asked for and, for
an article, the reader's own vote.  Its ``ETag`` is a digest of those, known
before rendering, so a revalidation is answered ``304`` without rendering, and
a page rendered once is kept (a bounded LRU per worker) and served again as
bytes, gzipped for clients that accept it.

Most readers of a help centre arrive from a search engine without any cookie;
for them a page is the same whatever they did before.  :class:`PublicPages`
answers such requests from the kept pages before Flask's request handling
starts, as a cache in front of the site would (and as Django's cache
middleware does).  Anything with a cookie, a revalidation or another method
goes through Flask as usual.

Under the development server, where templates change without a restart,
pages are rendered every time and their ``ETag`` is a digest of the body.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path

from flask import Flask, Response, current_app, make_response, request
from werkzeug.http import http_date, is_resource_modified, quote_etag

from .library import content_store, current_library

#: Pages are fresh for a minute; after that a browser revalidates (and mostly gets a 304).
PAGE_MAX_AGE = 60
#: Smaller bodies are not worth compressing.
MIN_GZIP_BYTES = 1024
GZIP = ("Content-Encoding", "gzip")
#: Set in the WSGI environ by a view whose page is the same for every reader without a cookie.
SHARED = "helpcenter.shared_page"


@dataclass
class CachedPage:
    """One rendered page: its body and the headers it is served with."""

    body: bytes
    mimetype: str
    headers: list[tuple[str, str]]
    etag: str | None = None
    last_modified: dt.datetime | None = None
    _gzipped: bytes | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        """The body compressed, worked out on first use."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped

    def response(self) -> Response:
        """A response with this body (compressed when the client accepts it) and its headers."""
        if len(self.body) >= MIN_GZIP_BYTES and accepts_gzip():
            return Response(self.gzipped(), mimetype=self.mimetype, headers=[*self.headers, GZIP])
        return Response(self.body, mimetype=self.mimetype, headers=self.headers)


def accepts_gzip() -> bool:
    """Whether the client takes gzipped bodies."""
    return "gzip" in request.headers.get("Accept-Encoding", "") and request.accept_encodings["gzip"] > 0


class LRU:
    """A thread-safe mapping that forgets the least recently used entries beyond ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The entry of ``key``, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, entry) -> None:
        """Keep ``entry`` under ``key``."""
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class SiteVersion:
    """A digest of the files that shape every page, and when the newest of them changed."""

    digest: str
    modified: dt.datetime


def site_version(app: Flask) -> SiteVersion:
    """The version of the app's templates, compiled catalogues and static files."""
    folders = (
        Path(app.root_path, "templates"),
        Path(app.root_path, "static"),
        Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]),
    )
    digest = hashlib.sha256()
    newest = 0.0
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix not in (".po", ".pot"):
                name = path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape")
                digest.update(name + b"\0" + path.read_bytes())
                newest = max(newest, path.stat().st_mtime)
    return SiteVersion(digest.hexdigest()[:16], dt.datetime.fromtimestamp(int(newest), dt.timezone.utc))


def page_cache(app: Flask | None = None) -> LRU | None:
    """The app's rendered pages, or None when pages are rendered every time."""
    return (app or current_app).extensions["helpcenter.page_cache"]


def cache_key(*parts: object) -> tuple:
    """What a page depends on besides ``parts``: the content, the scheme, host and address."""
    return (
        current_library().fingerprint,
        request.scheme,
        request.host,
        request.path,
        request.query_string,
        *parts,
    )


def etag_of(key: tuple) -> str:
    """The ``ETag`` of a page: the same in every worker and every instance of one release."""
    version: SiteVersion = current_app.extensions["helpcenter.site_version"]
    text = "\0".join((version.digest, *map(repr, key)))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def pages_modified() -> dt.datetime:
    """When the site's code or its content last changed: the pages' ``Last-Modified``."""
    version: SiteVersion = current_app.extensions["helpcenter.site_version"]
    return max(version.modified, current_library().modified)


def cached_page(variant: Callable[[], object] | None = None):
    """Decorate a public page's view: validators, ``304`` answers and the page cache.

    ``variant`` returns what of the reader's session the page shows (None
    when nothing): a page that shows something is private to the reader.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            personal = variant() if variant is not None else None
            private = personal is not None
            cache = page_cache()
            if cache is None:
                response = make_response(view(**kwargs))
                if response.status_code == 200:
                    response.add_etag()
                    response.headers.extend(_page_headers(private))
                    if current_app.debug:
                        # Live preview: an edited page shows on the next visit.
                        response.headers["Cache-Control"] = "no-cache"
                    response.make_conditional(request)
                return response
            key = cache_key(personal)
            page = cache.get(key)
            if page is None:
                etag, last_modified = etag_of(key), pages_modified()
            else:
                etag, last_modified = page.etag, page.last_modified
            if _conditional(request.environ) and not is_resource_modified(
                request.environ, etag=etag, last_modified=last_modified
            ):
                return Response(status=304, headers=_page_headers(private, etag, last_modified))
            if page is None:
                response = make_response(view(**kwargs))
                if response.status_code != 200:
                    return response
                headers = _page_headers(private, etag, last_modified)
                page = CachedPage(response.get_data(), response.mimetype, headers, etag, last_modified)
                cache.put(key, page)
            if not private:
                request.environ[SHARED] = True
            return page.response()

        return wrapper

    return decorate


def _conditional(environ: dict) -> bool:
    """Whether the request asks to revalidate (cheaper to know than to parse its headers)."""
    return "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ


def _page_headers(private: bool, etag: str | None = None, last_modified: dt.datetime | None = None):
    """Caching headers of a page: public and fresh for a minute, or private and always revalidated."""
    headers = [
        ("Cache-Control", "private, no-cache" if private else f"public, max-age={PAGE_MAX_AGE}"),
        # The session (a vote, a form's token) is the one thing a cookie changes on a page.
        ("Vary", "Cookie, Accept-Encoding"),
    ]
    if etag is not None:
        headers += [("ETag", quote_etag(etag)), ("Last-Modified", http_date(last_modified))]
    return headers


#: What a shared page's response depends on in the WSGI environ, besides the content.
_SHARED_KEY = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PREFIX",
)
#: A request with any of these is answered by the app itself.
_PERSONAL = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


@dataclass(frozen=True)
class _SharedResponse:
    fingerprint: str
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class PublicPages:
    """WSGI middleware: shared pages answered again, to readers without a cookie, before Flask.

    A response is kept when its view marked it shared (:data:`SHARED`), it is
    a ``200`` without ``Set-Cookie``, and the request was a plain ``GET``
    without cookie, credentials or validators; it is served again while the
    content is the same (the content's fingerprint is checked every time).
    """

    def __init__(self, app: Flask, size: int) -> None:
        self.wsgi_app = app.wsgi_app
        self.store = content_store(app)
        self.pages = LRU(size)

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        key = None
        if environ.get("REQUEST_METHOD") == "GET" and not any(name in environ for name in _PERSONAL):
            key = tuple(environ.get(name) for name in _SHARED_KEY)
            kept: _SharedResponse | None = self.pages.get(key)
            if kept is not None and kept.fingerprint == self.store.get().fingerprint:
                start_response(kept.status, list(kept.headers))
                return [kept.body]
        if key is None:
            return self.wsgi_app(environ, start_response)
        answer: dict = {}

        def capture(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        headers = answer.get("headers", ())
        if (
            not environ.get(SHARED)
            or answer.get("status") != "200 OK"
            or any(name.lower() == "set-cookie" for name, _value in headers)
        ):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.pages.put(key, _SharedResponse(self.store.get().fingerprint, answer["status"], list(headers), data))
        return [data]


def init_app(app: Flask) -> None:
    """Work out the site's version; keep rendered pages (not under the development server)."""
    app.extensions["helpcenter.site_version"] = site_version(app)
    size = 0 if app.debug else app.config["PAGE_CACHE_SIZE"]
    app.extensions["helpcenter.page_cache"] = LRU(size) if size > 0 else None
    if size > 0:
        app.wsgi_app = PublicPages(app, size)
