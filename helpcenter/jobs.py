"""Periodic jobs (outbox delivery, and whatever features add), each run by one server at a time.

Every server may run ``helpcenter jobs run``: a job runs when it is due, and
only where its lock can be taken, so that on several servers one of them
runs it at a time.  The lock is a PostgreSQL advisory lock (held by a
connection of its own for the job's duration) or, on SQLite, a file lock
beside the database.  A job that fails is logged and tried again when next
due; it never stops the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import text

from helpcenter.db import database, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A named piece of work, due every ``every``; ``run(app, now)`` returns what it did, for the log."""

    name: str
    every: dt.timedelta
    run: Callable[[Flask, dt.datetime], object]


@dataclass
class JobRunner:
    """Runs an app's jobs when they are due, each under its lock."""

    app: Flask
    last_run: dict[str, float] = field(default_factory=dict)

    def run_due(self, *, now: dt.datetime | None = None, every_job: bool = False) -> dict[str, object]:
        """Run the jobs that are due (all of them with ``every_job``); returns each one's result.

        A job whose lock another server holds is skipped (``"busy"``).
        """
        results: dict[str, object] = {}
        clock = time.monotonic()
        for job in jobs(self.app).values():
            last = self.last_run.get(job.name)
            if not every_job and last is not None and clock - last < job.every.total_seconds():
                continue
            self.last_run[job.name] = clock
            # Taking the lock is inside too: a database out of reach (a failover)
            # fails this round of jobs, not the runner.
            try:
                with job_lock(self.app, job.name) as held:
                    if not held:
                        results[job.name] = "busy"
                        continue
                    with self.app.app_context():
                        results[job.name] = job.run(self.app, now or utcnow())
            except Exception as exc:  # one job's fault never stops the others
                log.exception("job %s failed", job.name)
                results[job.name] = f"failed: {type(exc).__name__}: {exc}"
        return results

    def run_forever(self, *, tick: float = 1.0) -> None:
        """Run due jobs until interrupted."""
        while True:
            self.run_due()
            time.sleep(tick)


def job_request_context(app: Flask):
    """A request context for a job that builds links or renders templates, without a request of its own.

    It stands at the site's address (``HELPCENTER_BASE_URL``, whose path,
    if any, :func:`helpcenter.templating.external_url` adds itself), so
    that links in what a job sends are the site's, never a guess.
    """
    parts = urlsplit(app.config["BASE_URL"])
    return app.test_request_context("/", base_url=f"{parts.scheme}://{parts.netloc}")


def register_job(app: Flask, job: Job) -> None:
    """Add ``job`` to the app's periodic jobs."""
    app.extensions.setdefault("helpcenter.jobs", {})[job.name] = job


def jobs(app: Flask) -> dict[str, Job]:
    """The app's periodic jobs, by name."""
    return app.extensions.setdefault("helpcenter.jobs", {})


def _lock_key(name: str) -> int:
    """A stable 63-bit number for a job's name (advisory locks are numbered)."""
    return int.from_bytes(hashlib.sha256(f"helpcenter-job:{name}".encode()).digest()[:8], "big") >> 1


@contextlib.contextmanager
def job_lock(app: Flask, name: str) -> Iterator[bool]:
    """Hold the lock of job ``name`` while the block runs; yields False when another process holds it."""
    db = database(app)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _lock_key(name)}).scalar()
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key(name)})
                connection.commit()
        return
    path = _lock_file(app, db.url, name)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_file(app: Flask, url: str, name: str) -> Path:
    """Where the file lock of a job lives: beside the SQLite database (else in the instance folder)."""
    database_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
    folder = Path(database_file).parent if database_file else Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(database_file).name if database_file else "helpcenter"
    return folder / f".{stem}.job-{name}.lock"
