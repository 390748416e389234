"""Counting searches per language and query, without personal data.

Counts gather in memory and are written in one transaction every
:data:`FLUSH_EVERY` searches or :data:`FLUSH_SECONDS` seconds, so that a
search does not wait for a database write; a report flushes first.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpcenter.db import increment_counters

from .models import SearchCount

_EMAIL = re.compile(r"\S+@\S+")
_NUMBER = re.compile(r"\d[\d .-]{3,}\d")
MAX_LENGTH = 120
FLUSH_EVERY = 500
FLUSH_SECONDS = 30.0


def scrub(query: str) -> str:
    """A query as counted: lowercase, spaces folded, e-mail addresses and long numbers masked."""
    text = _EMAIL.sub("<email>", query.casefold())
    text = _NUMBER.sub("<number>", text)
    return " ".join(text.split())[:MAX_LENGTH]


class SearchTally:
    """Search counts waiting to be written."""

    def __init__(self) -> None:
        self._pending: Counter[tuple[str, str, bool]] = Counter()
        self._lock = threading.Lock()
        self._flushed = time.monotonic()

    def record(self, session: Session, lang: str, query: str, found: bool) -> None:
        """Count one search; writes the pending counts when enough have gathered."""
        text = scrub(query)
        if not text:
            return
        with self._lock:
            self._pending[(lang, text, found)] += 1
            due = sum(self._pending.values()) >= FLUSH_EVERY or time.monotonic() - self._flushed >= FLUSH_SECONDS
        if due:
            self.flush(session)

    def flush(self, session: Session) -> None:
        """Write the pending counts (they are kept for next time if the write fails)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed = time.monotonic()
        try:
            increments = [
                ({"lang": lang, "query": text, "found": found}, count) for (lang, text, found), count in pending.items()
            ]
            increment_counters(session, SearchCount, increments)
        except Exception:
            with self._lock:
                self._pending.update(pending)
            raise


def top_queries(session: Session, *, found: bool, lang: str | None = None, limit: int = 20) -> list[SearchCount]:
    """The queries searched most often (that found something, or nothing)."""
    query = select(SearchCount).where(SearchCount.found.is_(found))
    if lang:
        query = query.where(SearchCount.lang == lang)
    return list(session.scalars(query.order_by(SearchCount.count.desc(), SearchCount.query).limit(limit)))
