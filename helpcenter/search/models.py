"""How often each query was searched, per language, and whether it found anything."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpcenter.db import Base, UtcDateTime, utcnow


class SearchCount(Base):
    """How often a (scrubbed) query was searched in a language, and whether it found anything.

    No reader is identified: the query is stored without e-mail addresses
    or long numbers, and nothing else about the search is kept.
    """

    __tablename__ = "search_count"
    __table_args__ = (UniqueConstraint("lang", "query", "found", name="uq_search_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), index=True)
    query: Mapped[str] = mapped_column(String(120))
    found: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
