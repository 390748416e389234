"""The site's own static files, fingerprinted, compressed and cached for a year.

Every file of ``helpcenter/static/`` is read once at start: its digest goes
into its address (``site.css`` is linked as ``site.3f2a1b9c04d2.css``), so a
browser may keep it for a year and a changed file gets a new address.  Each
is served from memory, gzipped for clients that accept it, with ``ETag`` and
``Last-Modified`` for revalidation.  The plain name still answers, with a
short lifetime, for anything that links to it without the digest.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, request
from werkzeug.http import http_date, is_resource_modified, quote_etag

from .store import GZIP
from .validators import accepts_gzip

ONE_YEAR = 365 * 24 * 3600
#: A file asked for by its plain name may change at the next release.
PLAIN_MAX_AGE = 300
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class StaticFile:
    """One static file in memory."""

    name: str
    digest: str
    body: bytes
    gzipped: bytes | None
    mimetype: str
    modified: dt.datetime

    @property
    def fingerprinted(self) -> str:
        """The address name with the digest: ``site.css`` gives ``site.<digest>.css``."""
        stem, dot, suffix = self.name.rpartition(".")
        return f"{stem}.{self.digest}.{suffix}" if dot else f"{self.name}.{self.digest}"


def read_static(folder: Path) -> dict[str, StaticFile]:
    """Every file below ``folder``, by its path relative to it."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.relative_to(folder).as_posix()
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        compressed = gzip.compress(body, compresslevel=9, mtime=0) if mimetype.startswith(_COMPRESSIBLE) else None
        files[name] = StaticFile(
            name=name,
            digest=hashlib.sha256(body).hexdigest()[:12],
            body=body,
            gzipped=compressed if compressed is not None and len(compressed) < len(body) else None,
            mimetype=mimetype,
            modified=dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC),
        )
    return files


def static_files() -> dict[str, StaticFile]:
    """The app's static files, by name (read again at every use under the development server)."""
    if current_app.debug:
        return read_static(Path(current_app.root_path, "static"))
    return current_app.extensions["helpcenter.static"]


def serve(filename: str):
    """A static file, by its fingerprinted name (kept a year) or its plain name (kept minutes)."""
    files = static_files()
    file = files.get(filename)
    lifetime = f"public, max-age={PLAIN_MAX_AGE}"
    if file is None:
        stem, _, suffix = filename.rpartition(".")
        plain, _, digest = stem.rpartition(".")
        file = files.get(f"{plain}.{suffix}" if suffix else plain)
        if file is None or file.digest != digest:
            abort(404)
        lifetime = f"public, max-age={ONE_YEAR}, immutable"
    headers = [
        ("Cache-Control", lifetime),
        ("ETag", quote_etag(file.digest)),
        ("Last-Modified", http_date(file.modified)),
        ("Vary", "Accept-Encoding"),
    ]
    if not is_resource_modified(request.environ, etag=file.digest, last_modified=file.modified):
        return Response(status=304, headers=headers)
    if file.gzipped is not None and accepts_gzip(request.environ):
        return Response(file.gzipped, mimetype=file.mimetype, headers=[*headers, GZIP])
    return Response(file.body, mimetype=file.mimetype, headers=headers)


def _fingerprint_url(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values:
        file = static_files().get(values["filename"])
        if file is not None:
            values["filename"] = file.fingerprinted


def init_app(app: Flask) -> None:
    """Serve ``static/`` under ``/static/``; ``url_for('static', …)`` gives fingerprinted addresses."""
    app.extensions["helpcenter.static"] = read_static(Path(app.root_path, "static"))
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=serve)
    app.url_defaults(_fingerprint_url)
