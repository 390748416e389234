"""What a reader typed, read as words and quoted phrases; and the Whoosh query for it.

Any text is a valid query: nothing a reader types is query syntax, so
``C++``, ``e[x]ecute`` or an unclosed quote are searched as words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as wq

from .analysis import EXACT, fold, phrase_terms, word_terms, words

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


def word_clause(lang: str, word: str, *, alternatives: tuple[str, ...] = (), prefix: bool = False) -> wq.Query | None:
    """Match one typed word, or instead the known words a typo in it may have meant."""
    found: list[str] = []
    for form in alternatives or (word,):
        found.extend(term for term in word_terms(lang, form) if term not in found)
    # The very word typed weighs more than its inflections.
    terms: list[wq.Query] = [
        wq.Term("content", term, boost=EXACT_BOOST if term.startswith(EXACT) else 1.0) for term in found
    ]
    if prefix and len(word) >= 2:
        terms.append(wq.Term("prefix", fold(word)[:15], boost=0.5))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def phrase_clause(lang: str, phrase: list[str]) -> wq.Query | None:
    """Match the words of a phrase at consecutive positions."""
    stems = phrase_terms(lang, phrase)
    if len(stems) < 2:
        kept = [word for word in phrase if word_terms(lang, word)]
        return word_clause(lang, kept[0]) if kept else None
    return wq.Phrase("content", stems)


def build_query(
    lang: str, parsed: ParsedQuery, *, alternatives: dict[str, tuple[str, ...]] | None = None, match_all: bool = True
) -> wq.Query | None:
    """The query of all (or, with ``match_all`` off, any) words and phrases."""
    alternatives = alternatives or {}
    clauses = []
    last = len(parsed.words) - 1
    for index, word in enumerate(parsed.words):
        clause = word_clause(
            lang, word, alternatives=alternatives.get(word, ()), prefix=parsed.partial and index == last
        )
        if clause is not None:
            clauses.append(clause)
    clauses.extend(clause for phrase in parsed.phrases if (clause := phrase_clause(lang, phrase)) is not None)
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return wq.And(clauses) if match_all else wq.Or(clauses)


def filter_query(section: str | None, product: str | None) -> wq.Query | None:
    """Restrict results to a section and product."""
    terms = [wq.Term("section", section)] if section else []
    if product:
        terms.append(wq.Term("product", product))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.And(terms)
