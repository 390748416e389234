"""Article feedback: one "Was this helpful?" vote per article, language and browser session."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint
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
