"""What readers tell editors: "Was this helpful?" votes, and how often each search was made."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpcenter.db import Base, UtcDateTime, utcnow


class ArticleFeedback(Base):
    """A reader's answer to "Was this helpful?" on one article.

    ``lang`` is the language of the text the reader saw (which differs from
    ``reader_lang`` when the article was shown from the fallback chain).
    ``voter`` is a hash of a random per-session token: no personal data.
    """

    __tablename__ = "article_feedback"
    __table_args__ = (UniqueConstraint("article_id", "lang", "voter", name="uq_article_feedback_vote"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(300), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    reader_lang: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool]
    voter: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


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
