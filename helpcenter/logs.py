"""Server logs that never carry a secret: private ticket links and sign-in links are redacted.

A ticket's private link carries its token in the query (``?token=…``), and
sign-in and password links carry theirs in the path.  Access logs are read
by more people, and kept longer, than the tickets they would open: every
request line, address and referrer goes through :func:`redact` first, under
gunicorn (:class:`RedactingLogger`, set in ``gunicorn.conf.py``) and under
the development server (:class:`RedactingFilter`).
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_QUERY_SECRET = re.compile(r"(?i)((?:^|[?&;])(?:token|key|secret|password)=)[^&;#\s\"]*")
_PATH_SECRET = re.compile(r"(/(?:[a-z]{2}/account/sign-in|staff/password)/)[^/?#\s\"]+")


def redact(text: str) -> str:
    """``text`` (a request line, an address, a referrer) with every secret it carries replaced."""
    if not text:
        return text
    return _PATH_SECRET.sub(rf"\1{REDACTED}", _QUERY_SECRET.sub(rf"\1{REDACTED}", text))


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets taken out of every part of an access-log line."""

    def atoms(self, resp, req, environ, request_time):
        """The access log's fields, redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the message and its arguments (the development server's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drop it."""
        record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def init_app(_app) -> None:
    """Redact the development server's request log (gunicorn's is redacted by its logger class)."""
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(existing, RedactingFilter) for existing in werkzeug.filters):
        werkzeug.addFilter(RedactingFilter())
