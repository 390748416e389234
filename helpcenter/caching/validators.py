"""What a page depends on, its validators (``ETag``, ``Last-Modified``) and its caching headers.

A public page is a function of a few things only: the site's code
(templates, catalogues, static files), the loaded content, the address asked
for and, for an article, the reader's own vote.  Its key names those, and its
``ETag`` is a digest of the key, known before rendering.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from werkzeug.http import http_date, parse_accept_header, quote_etag

#: Pages are fresh for a minute; after that a browser revalidates (and mostly gets a 304).
PAGE_MAX_AGE = 60


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
    return SiteVersion(digest.hexdigest()[:16], dt.datetime.fromtimestamp(int(newest), dt.UTC))


def page_key(environ: dict, content: str, variant: Hashable = None) -> tuple:
    """The key of a page: the content's fingerprint, the address asked for, and ``variant``.

    ``variant`` is what else the page shows: None for a page that is the same
    for every reader, the reader's votes on an article, a search's words.
    The query string is not part of it: a page that reads parameters puts
    what it read in ``variant``, so that junk parameters make no new entry.
    Read from the WSGI environ alone, so that the middleware in front of
    Flask and the views compute the same key.
    """
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    return (
        content,
        environ.get("wsgi.url_scheme"),
        host,
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        variant,
    )


def etag_of(key: tuple) -> str:
    """The ``ETag`` of a page: the same in every worker and every instance of one release."""
    version: SiteVersion = current_app.extensions["helpcenter.site_version"]
    text = "\0".join((version.digest, *map(repr, key)))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def revalidating(environ: dict) -> bool:
    """Whether the request asks to revalidate (cheaper to know than to parse its headers)."""
    return "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ


def accepts_gzip(environ: dict) -> bool:
    """Whether the client takes gzipped bodies."""
    header = environ.get("HTTP_ACCEPT_ENCODING", "")
    return "gzip" in header and _takes_gzip(header)


@lru_cache(maxsize=256)
def _takes_gzip(header: str) -> bool:
    # Browsers send a handful of distinct values: each is parsed once per worker.
    return parse_accept_header(header)["gzip"] > 0


def page_headers(private: bool, etag: str | None = None, last_modified: dt.datetime | None = None) -> list:
    """Caching headers of a page: public and fresh for a minute, or private and always revalidated."""
    headers = [
        ("Cache-Control", "private, no-cache" if private else f"public, max-age={PAGE_MAX_AGE}"),
        # The session (a vote, a form's token) is the one thing a cookie changes on a page.
        ("Vary", "Cookie, Accept-Encoding"),
    ]
    if etag is not None:
        headers += [("ETag", quote_etag(etag)), ("Last-Modified", http_date(last_modified))]
    return headers
