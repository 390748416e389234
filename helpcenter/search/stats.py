"""Counting searches per language and query, without personal data.

Counts gather in memory; a writer thread of the process hands them to the
tally's writer (the app's: one database transaction) every
:data:`FLUSH_SECONDS` seconds, at once when :data:`FLUSH_EVERY` have
gathered, and when the process exits, so that no search waits for a write.
A report flushes first.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)
_EMAIL = re.compile(r"\S+@\S+")
_NUMBER = re.compile(r"\d[\d .-]{3,}\d")
MAX_LENGTH = 120
FLUSH_EVERY = 500
FLUSH_SECONDS = 30.0

#: Searches counted since the last write: (language, scrubbed query, found anything) to count.
Counts = Mapping[tuple[str, str, bool], int]


def scrub(query: str) -> str:
    """A query as counted: lowercase, spaces folded, e-mail addresses and long numbers masked."""
    text = _EMAIL.sub("<email>", query.casefold())
    text = _NUMBER.sub("<number>", text)
    return " ".join(text.split())[:MAX_LENGTH]


class SearchTally:
    """Search counts waiting to be written by ``write(counts)``, outside the searches' own threads."""

    def __init__(self, write: Callable[[Counts], None]) -> None:
        self._write = write
        self._pending: Counter[tuple[str, str, bool]] = Counter()
        #: How many searches ``_pending`` counts (``Counter.total`` would add them up on every search).
        self._searches = 0
        self._lock = threading.Lock()
        _writer.watch(self)

    def record(self, lang: str, query: str, found: bool) -> None:
        """Count one search; the writer thread is woken when enough have gathered."""
        text = scrub(query)
        if not text:
            return
        with self._lock:
            self._pending[(lang, text, found)] += 1
            self._searches += 1
            due = self._searches >= FLUSH_EVERY
        _writer.start(wake=due)

    def flush(self) -> None:
        """Write the pending counts (they are kept for next time if the write fails)."""
        with self._lock:
            pending, self._pending, self._searches = self._pending, Counter(), 0
        if not pending:
            return
        try:
            self._write(pending)
        except Exception:
            with self._lock:
                self._pending.update(pending)
                self._searches += pending.total()
            raise


class _Writer:
    """One daemon thread per process that flushes every live tally; started on the first search.

    The thread is started lazily and again after a fork (gunicorn's workers
    are forked from a master that never searches), and the counts still
    pending are written when the process exits.
    """

    def __init__(self) -> None:
        self._tallies: weakref.WeakSet[SearchTally] = weakref.WeakSet()
        self._wake = threading.Event()
        self._pid: int | None = None
        self._lock = threading.Lock()
        atexit.register(self.flush_all)

    def watch(self, tally: SearchTally) -> None:
        with self._lock:
            self._tallies.add(tally)

    def start(self, *, wake: bool = False) -> None:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._wake = threading.Event()
                    threading.Thread(target=self._run, name="search-counts", daemon=True).start()
                    self._pid = os.getpid()
        if wake:
            self._wake.set()

    def _run(self) -> None:
        wake = self._wake
        while True:
            wake.wait(FLUSH_SECONDS)
            wake.clear()
            self.flush_all()

    def flush_all(self) -> None:
        with self._lock:
            tallies = list(self._tallies)
        for tally in tallies:
            try:
                tally.flush()
            except Exception:
                log.warning("could not write the search counts; they are kept for the next try", exc_info=True)


_writer = _Writer()
