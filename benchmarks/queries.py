"""Known-item queries made from the pages themselves, of four kinds.

Each query is built from one page and that page is the answer to find:
``keywords`` (two words rare in that language), ``phrase`` (two neighbouring
words, quoted), ``unaccented`` (keywords with at least one accent, typed
without) and ``misspelt`` (keywords of 5 letters or more, each with one typo
as people make them, none of them a real word).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from helpcenter.content import Library
from helpcenter.search.analysis import fold, stop_words, words
from helpcenter.search.schema import searchable

KINDS = ("keywords", "phrase", "unaccented", "misspelt")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Query:
    """One query and the page it should find."""

    lang: str
    kind: str
    text: str
    target: str


def _natural(word: str) -> bool:
    return word.isalpha() and len(word) >= 4


def _typo(word: str, rng: random.Random) -> str:
    position = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "delete", "insert", "replace"))
    if kind == "swap":
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    if kind == "delete":
        return word[:position] + word[position + 1 :]
    if kind == "insert":
        return word[:position] + rng.choice(_LETTERS) + word[position:]
    return word[:position] + rng.choice([c for c in _LETTERS if c != word[position]]) + word[position + 1 :]


def make_queries(library: Library, per_kind: int, seed: int = 7) -> list[Query]:
    """``per_kind`` queries of each kind in each language (no unaccented ones in English)."""
    rng = random.Random(seed)
    queries: list[Query] = []
    for lang in library.languages:
        pages = sorted((page for page in library.all_pages([lang]) if searchable(page)), key=lambda page: page.id)
        page_words = {page.id: words(page.text) for page in pages}
        frequency = Counter(word for page in pages for word in set(page_words[page.id]))
        vocabulary = {fold(word) for word in frequency}
        stops = stop_words(lang)
        made: Counter[str] = Counter()
        order = pages[:]
        rng.shuffle(order)
        for page in order * 3:
            sequence = page_words[page.id]
            rare = sorted(
                {w for w in sequence if _natural(w) and w not in stops and frequency[w] <= 25 and w != page.title.lower()}
            )
            if len(rare) >= 2 and made["keywords"] < per_kind:
                made["keywords"] += 1
                queries.append(Query(lang, "keywords", " ".join(rng.sample(rare, 2)), page.id))
            accented = [w for w in rare if fold(w) != w]
            if lang != "en" and accented and len(rare) >= 2 and made["unaccented"] < per_kind:
                other = rng.choice([w for w in rare if w != accented[0]])
                made["unaccented"] += 1
                queries.append(Query(lang, "unaccented", fold(f"{accented[0]} {other}"), page.id))
            long_rare = [w for w in rare if len(w) >= 5]
            if len(long_rare) >= 2 and made["misspelt"] < per_kind:
                typed = []
                for word in rng.sample(long_rare, 2):
                    for _ in range(10):
                        wrong = _typo(word, rng)
                        if fold(wrong) not in vocabulary:
                            typed.append(wrong)
                            break
                if len(typed) == 2:
                    made["misspelt"] += 1
                    queries.append(Query(lang, "misspelt", " ".join(typed), page.id))
            pairs = [
                (a, b)
                for a, b in zip(sequence, sequence[1:])
                if _natural(a) and _natural(b) and a not in stops and b not in stops and frequency[a] <= 60
            ]
            if pairs and made["phrase"] < per_kind:
                made["phrase"] += 1
                a, b = rng.choice(pairs)
                queries.append(Query(lang, "phrase", f'"{a} {b}"', page.id))
            if all(made[kind] >= per_kind for kind in KINDS if not (kind == "unaccented" and lang == "en")):
                break
    return queries
