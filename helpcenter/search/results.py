"""The search interface: what a search asks and what it answers, engine-neutral."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


class SearchUnavailable(RuntimeError):
    """The index cannot be used right now (missing, being built, or broken)."""


@dataclass(frozen=True)
class SearchRequest:
    """One search: the text as typed, the language, filters and the page wanted."""

    text: str
    lang: str
    section: str | None = None
    product: str | None = None
    page: int = 1
    per_page: int = 10
    #: The text is still being typed (suggestions while typing): its last word may be partial.
    as_you_type: bool = False

    def with_lang(self, lang: str) -> SearchRequest:
        """The same search in another language."""
        return dataclasses.replace(self, lang=lang)


@dataclass(frozen=True)
class SearchHit:
    """One article found; ``snippet_html`` is escaped text with ``<mark>`` around matches."""

    id: str
    lang: str
    section: str | None
    product: str | None
    score: float
    snippet_html: str


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, the total, and how the engine helped.

    ``suggestion`` is a "did you mean" text; ``corrected`` says that the hits
    include words within the typos forgiven; ``other_language`` is set when
    the reader's language had nothing and the hits come from that language.
    """

    request: SearchRequest
    query: str
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    suggestion: str | None = None
    corrected: bool = False
    other_language: str | None = None

    @property
    def pages(self) -> int:
        """How many pages of results there are."""
        return max(1, -(-self.total // self.request.per_page))
