"""What a reader typed, read as words and quoted phrases; and the clauses that match it.

Any text is a valid query: nothing a reader types is query syntax, so
``C++``, ``e[x]ecute`` or an unclosed quote are searched as words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .analysis import EXACT, fold, phrase_terms, sequence_words, stop_term, word_terms, words
from .ranking import Clause

MAX_QUERY_LENGTH = 200
EXACT_BOOST = 2.0
_QUOTES = re.compile(r"[\"“”„«»]")


@dataclass
class ParsedQuery:
    """The words and phrases of a query, lowercase, in the order typed."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    #: The last word is still being typed (no space after it): match it as a prefix too.
    partial: bool = False

    @property
    def empty(self) -> bool:
        """Whether there is nothing to search for."""
        return not self.words and not self.phrases


def clean(text: str) -> str:
    """The query text without control characters, folded spaces, bounded length."""
    # A printable text has none (``isprintable`` refuses every character of the categories C, and spaces
    # but " "): only other texts are read character by character.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def parse(text: str, *, as_you_type: bool = False) -> ParsedQuery:
    """Read quoted phrases and loose words; an unclosed quote quotes nothing.

    ``as_you_type`` marks a query still being typed: its last word, with no
    space after it, is matched as the start of a word too.
    """
    parsed = ParsedQuery()
    parts = _QUOTES.split(text)
    closed = len(parts) % 2 == 1
    for index, part in enumerate(parts):
        found = words(part)
        if index % 2 == 1 and (closed or index < len(parts) - 1) and len(found) > 1:
            parsed.phrases.append(found)
        else:
            parsed.words.extend(found)
    parsed.partial = as_you_type and bool(parsed.words) and bool(text) and text[-1].isalnum()
    return parsed


def word_clause(
    lang: str, word: str, *, alternatives: tuple[str, ...] = (), prefix: bool = False, place: int | None = None
) -> Clause | None:
    """Match one typed word, or instead the known words a typo in it may have meant.

    None for a stop word (unless it is being typed, when its start is matched).
    """
    found: list[str] = []
    for form in alternatives or (word,):
        found.extend(term for term in word_terms(lang, form) if term not in found)
    # The very word typed weighs more than its inflections.
    terms = [("content", term, EXACT_BOOST if term.startswith(EXACT) else 1.0) for term in found]
    if prefix and len(word) >= 2:
        terms.append(("prefix", fold(word)[:15], 0.5))
    exact = frozenset(term for _, term, _ in terms if term.startswith(EXACT))
    forms = frozenset(term.removeprefix(EXACT) for term in exact)
    return Clause(tuple(terms), exact=exact, words=forms, place=place) if terms else None


def stop_clause(lang: str, word: str, place: int) -> Clause | None:
    """A stop word typed: it adds to the score of the best pages that have it, where it is."""
    term = stop_term(lang, word)
    if term is None:
        return None
    return Clause((), words=frozenset((term.removeprefix(EXACT),)), required=False, place=place)


def phrase_clause(lang: str, phrase: list[str]) -> Clause | None:
    """Match the words of a phrase in a row, stop words included.

    None when the phrase has nothing but stop words.
    """
    exact = phrase_terms(lang, phrase)
    if not exact:
        return None
    sequence = tuple(sequence_words(lang, " ".join(phrase)))
    return Clause(tuple(("content", term, EXACT_BOOST) for term in exact), phrase=sequence)


def build_query(
    lang: str, parsed: ParsedQuery, *, alternatives: dict[str, tuple[str, ...]] | None = None
) -> list[Clause]:
    """One clause per word and phrase; a document matches the query by matching its required clauses.

    Stop words make clauses that are not required.
    """
    alternatives = alternatives or {}
    clauses = []
    last = len(parsed.words) - 1
    for index, word in enumerate(parsed.words):
        clause = word_clause(
            lang, word, alternatives=alternatives.get(word, ()), prefix=parsed.partial and index == last, place=index
        ) or stop_clause(lang, word, index)
        if clause is not None:
            clauses.append(clause)
    clauses.extend(clause for phrase in parsed.phrases if (clause := phrase_clause(lang, phrase)) is not None)
    return clauses


def query_terms(clauses: list[Clause]) -> set[str]:
    """The ``content`` terms of a query, which snippets highlight."""
    return {term for clause in clauses for fieldname, term, _ in clause.terms if fieldname == "content"}
