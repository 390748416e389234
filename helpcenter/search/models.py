"""Searches that found nothing, counted per language for the editors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpcenter.db import Base, UtcDateTime, utcnow


class SearchMiss(Base):
    """How often a (scrubbed) query found nothing in a language.

    No reader is identified: the query is stored without e-mail addresses
    or long numbers, and nothing else about the search is kept.
    """

    __tablename__ = "search_miss"
    __table_args__ = (UniqueConstraint("lang", "query", name="uq_search_miss_lang_query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), index=True)
    query: Mapped[str] = mapped_column(String(120))
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
