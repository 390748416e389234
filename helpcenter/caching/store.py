"""Rendered pages kept per worker: bounded in entries and in bytes, least recently used first out."""

from __future__ import annotations

import datetime as dt
import gzip
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

from flask import Response

#: Smaller bodies are not worth compressing.
MIN_GZIP_BYTES = 1024
GZIP = ("Content-Encoding", "gzip")


@dataclass(frozen=True)
class CachedPage:
    """One rendered page: its body (and the body gzipped, when worth it) and its headers.

    ``shared`` pages are the same for every reader without a cookie, so the
    middleware may answer them before Flask (:mod:`.middleware`); ``note`` is
    what the view keeps beside the page (the search page: whether anything
    was found).
    """

    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]
    etag: str | None = None
    last_modified: dt.datetime | None = None
    shared: bool = False
    note: Hashable = None
    gzipped: bytes | None = None
    _wsgi_headers: dict[bool, list[tuple[str, str]]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, body: bytes, mimetype: str, headers, **facts) -> CachedPage:
        """A page with its compressed body worked out once, now, rather than on each answer."""
        packed = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_GZIP_BYTES else None
        return cls(body, mimetype, tuple(headers), gzipped=packed, **facts)

    @property
    def size(self) -> int:
        """The bytes this page holds in memory (what the store's budget counts)."""
        return len(self.body) + len(self.gzipped or b"")

    def response(self, gzip_ok: bool) -> Response:
        """A response with this body (compressed when the client accepts it) and its headers."""
        if gzip_ok and self.gzipped is not None:
            return Response(self.gzipped, mimetype=self.mimetype, headers=[*self.headers, GZIP])
        return Response(self.body, mimetype=self.mimetype, headers=list(self.headers))

    def wsgi(self, gzip_ok: bool) -> tuple[list[tuple[str, str]], bytes]:
        """The headers and body of :meth:`response` as WSGI sends them, worked out once per page and encoding."""
        packed = gzip_ok and self.gzipped is not None
        headers = self._wsgi_headers.get(packed)
        if headers is None:
            headers = self._wsgi_headers[packed] = self.response(packed).headers.to_wsgi_list()
        return list(headers), self.gzipped if packed else self.body


class PageStore:
    """A thread-safe mapping of keys to pages that forgets the least recently used ones.

    It keeps at most ``entries`` pages and ``max_bytes`` bytes of them; a
    page larger than the whole budget is not kept at all.
    """

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> CachedPage | None:
        """The page kept under ``key``, or None."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: CachedPage) -> None:
        """Keep ``page`` under ``key``, forgetting older pages beyond the bounds."""
        if page.size > self.max_bytes:
            return
        with self._lock:
            previous = self._pages.pop(key, None)
            if previous is not None:
                self.bytes -= previous.size
            self._pages[key] = page
            self.bytes += page.size
            while len(self._pages) > self.entries or self.bytes > self.max_bytes:
                _key, dropped = self._pages.popitem(last=False)
                self.bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._pages)
