"""The passages of a page shown under a search result, with the words that matched marked.

A word of the page matches when one of its terms (as the index analyses it:
stems, folded stems, exact form) is a term the query looked up.  Analysing
every word of every page shown would cost more than the search itself, so
the page is first scanned (by the regular expression engine, not word by
word) for the words that start like a term of the query; only those are
analysed, each distinct word once per process.  A stem is a word's start
but for its last letter or so (``happi`` for ``happy``), so a word whose
start differs from its stem's in more than its last letter (the English
``dying``, stemmed ``die``) is found but not marked.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
from typing import NamedTuple

from .analysis import EXACT, WORD, fold, word_terms

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
    for found in _candidates(text, frozenset(terms)):
        matched = _terms_of(lang, found.group(0).lower()) & terms
        if matched:
            number = numbers.setdefault(min(matched), len(numbers))
            matches.append(Match(found.start(), found.end(), number))
    if not matches:
        return lead(body)
    passages = sorted(_passages(text, matches), key=lambda passage: -len({match.term for match in passage.matches}))
    chosen = sorted(passages[:PASSAGES])
    return BETWEEN.join(_marked(text, passage) for passage in chosen)


#: Letters of Latin-1 folded one for one (accents off): ``é`` is ``e``, ``ß`` is ``s``, ``æ`` is ``a``.
_FOLD_LATIN1 = bytes(
    ord(folded[0]) if (folded := fold(chr(code))) and folded[0].isascii() else code for code in range(256)
)
#: Pairs of a folded term's letters that are one letter in the page folded one for one.
_LIGATURES = {"ss": "s", "ae": "a", "oe": "o", "th": "t"}
_BRACKET = re.compile(r"[\[\]]")
#: Whether a byte is a letter for ``bytes.isalpha`` (ASCII letters only).
_LETTER = tuple(bytes([code]).isalpha() for code in range(256))
#: A letter beyond Latin-1 (but ``œ``): a page that has one is read word by word.
_FOREIGN_LETTER = re.compile(r"(?![\u0000-\u00ff\u0152\u0153])[^\W\d_]")
_WORD_CHAR = re.compile(r"[\w'’.\[\]]")


def _candidates(text: str, terms: frozenset[str]):
    """The words of ``text`` (as :data:`WORD` finds them) that start like one of ``terms``.

    A word starts like a term where the text, lowercase, folded and without
    mnemonic brackets, has the term's start at a word's start or after an
    elided article.  A page with letters beyond Latin-1 gives all its words.
    """
    starts = _starts(terms)
    if not starts:
        return
    if not text.isascii() and _FOREIGN_LETTER.search(text):
        yield from WORD.finditer(text)
        return
    removed: list[int] = []
    if "[" in text or "]" in text:
        # Where each bracket was, counted in the text without them (one character is one byte).
        removed = [match.start() - number for number, match in enumerate(_BRACKET.finditer(text))]
        folded = _folded(text, b"[]")
    else:
        folded = _folded(text)
    # No two starts are found at one place (none begins another): a list, sorted, holds each once.
    hits = []
    for start in starts:
        found = folded.find(start)
        while found != -1:
            if found == 0 or not _LETTER[folded[found - 1]]:
                hits.append(found)
            found = folded.find(start, found + 1)
    if len(starts) > 1:
        hits.sort()
    end = 0
    for hit in hits:
        if removed:
            hit += bisect.bisect_right(removed, hit)
        if hit < end:
            continue  # inside the word found last
        start = hit
        while start > 0 and _WORD_CHAR.match(text, start - 1):
            start -= 1
        found = WORD.search(text, start)
        while found is not None and found.end() <= hit:
            found = WORD.search(text, found.end())
        if found is not None and found.start() <= hit:
            end = found.end()
            yield found


def _folded(text: str, drop: bytes = b"") -> bytes:
    """``text`` lowercase, one byte a character, Latin-1 letters folded: positions are the text's.

    Characters beyond Latin-1 (but ``œ``, and ``’`` read as ``'``) become ``?``; the
    characters of ``drop`` are left out.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text  # a letter whose lowercase is two ("İ"): positions matter more than case
    return lowered.replace("œ", "o").replace("’", "'").encode("latin-1", "replace").translate(_FOLD_LATIN1, drop)


@functools.lru_cache(maxsize=1024)
def _starts(terms: frozenset[str]) -> tuple[bytes, ...]:
    """How the words that may have one of ``terms`` start, folded as :func:`_folded` folds."""
    starts = set()
    for term in terms:
        root = fold(term.removeprefix(EXACT))
        start = root[: max(len(root) - 1, min(len(root), 2))]
        starts.add(start)
        for pair, letter in _LIGATURES.items():
            if pair in start:
                starts.add(start.replace(pair, letter))
    # A start that another start begins with adds nothing. In order, every start after one that
    # begins others, up to the last of those, begins with it: each start is compared with the last kept.
    kept: list[bytes] = []
    for start in sorted(start.encode("ascii") for start in starts if start and start.isascii()):
        if not kept or not start.startswith(kept[-1]):
            kept.append(start)
    return tuple(kept)


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


#: What :func:`html.escape` changes: a passage without any is its own HTML.
_ESCAPED = re.compile(r"[&<>\"']")


def _marked(text: str, passage: Passage) -> str:
    escape = html.escape if _ESCAPED.search(text, passage.start, passage.end) else str
    parts = []
    position = passage.start
    for match in passage.matches:
        parts.append(escape(text[position : match.start]))
        parts.append(f'<mark class="match term{match.term}">{escape(text[match.start : match.end])}</mark>')
        position = match.end
    parts.append(escape(text[position : passage.end]))
    return "".join(parts)
