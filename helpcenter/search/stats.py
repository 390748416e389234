"""Counting searches per language and query, without personal data.

Counts gather in memory and are handed to a writer (the app's: one database
transaction) every :data:`FLUSH_EVERY` searches or :data:`FLUSH_SECONDS`
seconds, so that a search does not wait for a write; a report flushes first.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping

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
    """Search counts waiting to be written by ``write(counts)``."""

    def __init__(self, write: Callable[[Counts], None]) -> None:
        self._write = write
        self._pending: Counter[tuple[str, str, bool]] = Counter()
        self._lock = threading.Lock()
        self._flushed = time.monotonic()

    def record(self, lang: str, query: str, found: bool) -> None:
        """Count one search; writes the pending counts when enough have gathered."""
        text = scrub(query)
        if not text:
            return
        with self._lock:
            self._pending[(lang, text, found)] += 1
            due = sum(self._pending.values()) >= FLUSH_EVERY or time.monotonic() - self._flushed >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the pending counts (they are kept for next time if the write fails)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed = time.monotonic()
        if not pending:
            return
        try:
            self._write(pending)
        except Exception:
            with self._lock:
                self._pending.update(pending)
            raise
