"""Typo tolerance: the vocabulary of an index and the words a typo may have meant.

A typo is counted the way people make them: one letter added, missing or
replaced, or two neighbouring letters swapped (the optimal string alignment
distance).  Words of 5 letters and more forgive one typo, of 9 and more two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .analysis import fold


def allowed_typos(word: str) -> int:
    """How many typos a word of this length forgives: 0, 1 from 5 letters, 2 from 9."""
    length = len(word)
    return 2 if length >= 9 else 1 if length >= 5 else 0


def typo_distance(a: str, b: str) -> int:
    """How many typos separate two words (``netwrok`` and ``network``: one)."""
    return OSA.distance(a, b)


class Vocabulary:
    """The words of one index, accents folded, with how many documents use each."""

    def __init__(self, frequencies: Iterable[tuple[str, int]]) -> None:
        merged: dict[str, list] = {}
        for word, frequency in frequencies:
            key = fold(word)
            entry = merged.get(key)
            if entry is None:
                merged[key] = [frequency, word, frequency]
            else:
                entry[0] += frequency
                if frequency > entry[2]:
                    entry[1], entry[2] = word, frequency
        self._display = {key: entry[1] for key, entry in merged.items()}
        self._frequency = {key: entry[0] for key, entry in merged.items()}
        by_length: dict[int, list[str]] = defaultdict(list)
        by_start: dict[tuple[int, str], list[str]] = defaultdict(list)
        for key in merged:
            by_length[len(key)].append(key)
            by_start[(len(key), key[:1])].append(key)
        self._by_length = dict(by_length)
        self._by_start = dict(by_start)

    def __len__(self) -> int:
        return len(self._frequency)

    @property
    def frequencies(self) -> Mapping[str, int]:
        """How many documents use each word (accents folded)."""
        return self._frequency

    def __contains__(self, word: str) -> bool:
        return fold(word) in self._frequency

    def display(self, word: str) -> str:
        """The most used spelling of a word, accents included."""
        return self._display.get(fold(word), word)

    def candidates(self, word: str, limit: int = 3) -> list[str]:
        """Known words within the typos ``word`` forgives, closest and most used first."""
        typed = fold(word)
        allowed = allowed_typos(typed)
        if not allowed:
            return []
        # Typos in the first letter are rare: words that keep it are tried first,
        # and the whole vocabulary only when none of them is a single typo away.
        found = self._near(typed, allowed, same_start=True)
        if not any(distance == 1 for _, distance, _ in found):
            found = self._near(typed, allowed, same_start=False)
        ranked = sorted(
            (distance, -self._frequency[candidate], candidate) for candidate, distance, _ in found if candidate != typed
        )
        return [self._display[candidate] for _, _, candidate in ranked[:limit]]

    def closest(self, word: str, limit: int = 2) -> list[str]:
        """The best candidates only: those at the smallest distance, most used first."""
        typed = fold(word)
        candidates = self.candidates(word, limit=limit * 3)
        if not candidates:
            return []
        best = min(typo_distance(typed, fold(candidate)) for candidate in candidates)
        return [c for c in candidates if typo_distance(typed, fold(c)) == best][:limit]

    def _near(self, typed: str, allowed: int, *, same_start: bool) -> list:
        found: list = []
        for length in range(len(typed) - allowed, len(typed) + allowed + 1):
            choices = self._by_start.get((length, typed[:1])) if same_start else self._by_length.get(length)
            if choices:
                found += process.extract(typed, choices, scorer=OSA.distance, score_cutoff=allowed, limit=None)
        return found
