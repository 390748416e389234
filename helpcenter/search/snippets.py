"""The passages of a page shown under a search result, with the words that matched marked.

A word of the page matches when one of its terms (as the index analyses it:
stems, folded stems, exact form) is a term the query looked up.  Each
distinct word is analysed once per process, not once per occurrence and
per search, which keeps a results page cheap to build for long articles.
"""

from __future__ import annotations

import functools
import html
from typing import NamedTuple

from .analysis import WORD, word_terms

#: A passage is at most this long; it shows this much text around its first and last match.
SNIPPET_CHARS = 220
SURROUND = 60
#: How many passages a snippet joins, and what joins them.
PASSAGES = 2
BETWEEN = " … "
#: Only the start of a very long page is read for passages.
READ_CHARS = 20_000


class Match(NamedTuple):
    start: int
    end: int
    term: int


class Passage(NamedTuple):
    start: int
    end: int
    matches: list[Match]


#: Words of pages remembered per process: those of the pages often found, a few megabytes at most.
@functools.lru_cache(maxsize=20_000)
def _terms_of(lang: str, word: str) -> frozenset[str]:
    return frozenset(word_terms(lang, word))


def snippet(body: str, terms: set[str], lang: str) -> str:
    """HTML: the passages of ``body`` with the most different matched words; else its start."""
    text = body[:READ_CHARS]
    numbers: dict[str, int] = {}
    matches = []
    for found in WORD.finditer(text):
        matched = _terms_of(lang, found.group(0).lower()) & terms
        if matched:
            number = numbers.setdefault(min(matched), len(numbers))
            matches.append(Match(found.start(), found.end(), number))
    if not matches:
        return lead(body)
    passages = sorted(_passages(text, matches), key=lambda passage: -len({match.term for match in passage.matches}))
    chosen = sorted(passages[:PASSAGES])
    return BETWEEN.join(_marked(text, passage) for passage in chosen)


def lead(body: str) -> str:
    """HTML: the start of ``body``, cut at a word."""
    start = body[:SNIPPET_CHARS]
    if len(body) > SNIPPET_CHARS:
        start = start.rsplit(" ", 1)[0] + " …"
    return html.escape(start)


def _passages(text: str, matches: list[Match]) -> list[Passage]:
    """Consecutive matches grouped into passages of at most :data:`SNIPPET_CHARS`."""
    passages = []
    first = 0
    while first < len(matches):
        start = max(0, matches[first].start - SURROUND)
        last = first
        while last + 1 < len(matches) and matches[last + 1].end + SURROUND - start <= SNIPPET_CHARS:
            last += 1
        end = min(len(text), matches[last].end + SURROUND)
        # Whole words only: move the edges to the nearest spaces inside the passage.
        if start > 0:
            space = text.find(" ", start, matches[first].start)
            start = space + 1 if space != -1 else matches[first].start
        if end < len(text):
            space = text.rfind(" ", matches[last].end, end)
            end = space if space != -1 else matches[last].end
        passages.append(Passage(start, end, matches[first : last + 1]))
        first = last + 1
    return passages


def _marked(text: str, passage: Passage) -> str:
    parts = []
    position = passage.start
    for match in passage.matches:
        parts.append(html.escape(text[position : match.start]))
        parts.append(f'<mark class="match term{match.term}">{html.escape(text[match.start : match.end])}</mark>')
        position = match.end
    parts.append(html.escape(text[position : passage.end]))
    return "".join(parts)
