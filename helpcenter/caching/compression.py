"""Answers that are not kept pages, gzipped on their way out when that is worth it.

Kept pages are compressed once when kept (:mod:`.store`) and static files
once at start (:mod:`.static`); every other answer a view makes (the ticket
form, which carries the reader's own form token, a ticket's page, the staff
console, error pages, the JSON API, the sitemap) is compressed here, as it
leaves, when it is text of at least :data:`~.store.MIN_GZIP_BYTES` and the
client takes gzip.  Such an answer varies with ``Accept-Encoding`` whether
or not this client got it compressed, and says so (``Vary``), so that no
cache between gives a compressed body to a client that cannot read it.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

from .store import GZIP, MIN_GZIP_BYTES
from .validators import accepts_gzip

#: Types worth compressing: text, whatever its format.
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/problem+json",
    "image/svg+xml",
)
#: Level 6 is where gzip gives most of its saving for little work.
LEVEL = 6


def compressible(response: Response) -> bool:
    """Whether ``response`` is text of a size worth compressing, whole in memory and not already encoded."""
    return (
        response.mimetype.startswith(COMPRESSIBLE)
        and "Content-Encoding" not in response.headers
        and not response.direct_passthrough
        and not response.is_streamed
        and response.status_code not in (204, 206, 304)
        and (response.content_length or 0) >= MIN_GZIP_BYTES
    )


def compress(response: Response) -> Response:
    """Gzip ``response`` for this request when it is worth it; always say it varies with ``Accept-Encoding``."""
    if not compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip(request.environ):
        return response
    response.set_data(gzip.compress(response.get_data(), compresslevel=LEVEL, mtime=0))
    response.headers.set(*GZIP)
    etag, weak = response.get_etag()
    if etag is not None and not weak:
        # The compressed body is another sequence of bytes: its strong validator
        # would be wrong; a weak one still revalidates (as nginx does).
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    """Compress, as they leave, the answers that are not compressed already."""
    app.after_request(compress)
