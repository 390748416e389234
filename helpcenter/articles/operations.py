"""State changes and figures about articles, shared by views and commands."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpcenter.db import increment_counters, utcnow
from helpcenter.search.stats import Counts
from helpcenter.tokens import hash_token

from .models import ArticleFeedback, SearchCount


def voter_key(session_token: str) -> str:
    """Hash a browser session's random token into the stored voter key."""
    return hash_token(session_token)


def record_feedback(
    session: Session, *, article_id: str, lang: str, reader_lang: str, voter: str, helpful: bool
) -> ArticleFeedback:
    """Record or change the vote of ``voter`` on an article in a language.

    A browser session has one vote per article and language: voting again
    changes the vote instead of adding one.
    """
    query = select(ArticleFeedback).filter_by(article_id=article_id, lang=lang, voter=voter)
    vote = session.scalars(query).first()
    if vote is None:
        vote = ArticleFeedback(article_id=article_id, lang=lang, reader_lang=reader_lang, voter=voter, helpful=helpful)
        session.add(vote)
        try:
            session.commit()
            return vote
        except IntegrityError:
            # The same session voted twice at once: the other request won; update it.
            session.rollback()
            vote = session.scalars(query).one()
    vote.helpful = helpful
    vote.reader_lang = reader_lang
    vote.updated_at = utcnow()
    session.commit()
    return vote


@dataclass(frozen=True)
class FeedbackTally:
    """Votes on one article in one language."""

    article_id: str
    lang: str
    helpful: int
    not_helpful: int

    @property
    def votes(self) -> int:
        """All votes cast."""
        return self.helpful + self.not_helpful

    @property
    def helpful_share(self) -> float:
        """Share of votes that said yes, from 0 to 1."""
        return self.helpful / self.votes if self.votes else 0.0


def feedback_tallies(session: Session) -> list[FeedbackTally]:
    """Votes per article and language, most voted first."""
    yes = func.sum(case((ArticleFeedback.helpful.is_(True), 1), else_=0))
    no = func.sum(case((ArticleFeedback.helpful.is_(False), 1), else_=0))
    rows = session.execute(
        select(ArticleFeedback.article_id, ArticleFeedback.lang, yes, no).group_by(
            ArticleFeedback.article_id, ArticleFeedback.lang
        )
    )
    tallies = [FeedbackTally(article_id, lang, int(y or 0), int(n or 0)) for article_id, lang, y, n in rows]
    return sorted(tallies, key=lambda tally: (-tally.votes, tally.article_id, tally.lang))


def record_searches(session: Session, counts: Counts) -> None:
    """Add searches counted in memory to the stored counts, in one transaction."""
    increment_counters(
        session,
        SearchCount,
        [({"lang": lang, "query": text, "found": found}, count) for (lang, text, found), count in counts.items()],
    )
