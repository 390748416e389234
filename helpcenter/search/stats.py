"""Counting the searches that found nothing, without personal data."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpcenter.db import increment_counter

from .models import SearchMiss

_EMAIL = re.compile(r"\S+@\S+")
_NUMBER = re.compile(r"\d[\d .-]{3,}\d")
MAX_LENGTH = 120


def scrub(query: str) -> str:
    """A query as counted: lowercase, spaces folded, e-mail addresses and long numbers masked."""
    text = _EMAIL.sub("<email>", query.casefold())
    text = _NUMBER.sub("<number>", text)
    return " ".join(text.split())[:MAX_LENGTH]


def record_miss(session: Session, lang: str, query: str) -> None:
    """Count one search in ``lang`` that found nothing."""
    text = scrub(query)
    if text:
        increment_counter(session, SearchMiss, lang=lang, query=text)


def top_misses(session: Session, lang: str | None = None, limit: int = 20) -> list[SearchMiss]:
    """The queries that most often found nothing, in one language or all."""
    query = select(SearchMiss).order_by(SearchMiss.count.desc(), SearchMiss.query).limit(limit)
    if lang:
        query = query.where(SearchMiss.lang == lang)
    return list(session.scalars(query))
