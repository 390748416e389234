"""Shared pages answered again, to readers without a cookie, before Flask.

Most readers of a help centre arrive from a search engine without any
cookie; for them a page is the same whatever they did before.
:class:`PublicPages` answers such requests from the page store, with the key
the views use (:func:`.validators.page_key`), as a cache in front of the site
would (and as Django's cache middleware does).  Anything with a cookie,
credentials, a revalidation or another method goes through Flask as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from helpcenter.library import ContentStore

from .store import PageStore
from .validators import accepts_gzip, page_key

#: A request with any of these is answered by the app itself.
_PERSONAL = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


class PublicPages:
    """WSGI middleware answering plain ``GET`` requests from the shared pages of the store.

    ``headers(environ)`` gives the headers Flask would add to every answer
    (the security headers), so that both paths answer alike.
    """

    def __init__(self, wsgi_app, content: ContentStore, store: PageStore, headers: Callable[[dict], list]) -> None:
        self.wsgi_app = wsgi_app
        self.content = content
        self.store = store
        self.headers = headers

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and not any(name in environ for name in _PERSONAL):
            page = self.store.get(page_key(environ, self.content.get().fingerprint))
            if page is not None and page.shared:
                headers, body = page.wsgi(accepts_gzip(environ))
                start_response("200 OK", headers + self.headers(environ))
                return [body]
        return self.wsgi_app(environ, start_response)
