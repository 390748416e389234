"""Known-item queries made from the pages themselves, of ten kinds.

Each query is built from one page and that page is the answer to find.

Rare words, as a search engine's own benchmark would pick them:

- ``keywords``: two words rare in that language;
- ``phrase``: two neighbouring words, quoted;
- ``unaccented``: keywords with at least one accent, typed without;
- ``misspelt``: keywords of 5 letters or more, each with one typo as people
  make them, none of them a real word.

Ordinary words in an uncommon combination, as readers type them:

- ``summary``: three content words (no stop word, none among the language's
  most frequent words) from the page's summary (its ``summary``, else its
  first paragraph), in the order they come;
- ``line``: a line of the page (an item of its lists: the examples of a
  command) as remembered, with one word left out;
- ``summary-unaccented``, ``line-unaccented``: the same typed without accents
  (only where that changes the text);
- ``summary-typos``, ``line-typos``: the same with one or two words of 5
  letters or more mistyped.

Readers type words, not mark-up: the letters that some pages put between
brackets to show a command's mnemonic (``[c]reate``) are typed as the word.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from whoosh.lang import stopwords_for_language

from helpcenter.content import Library, Page
from helpcenter.content.render import html_text
from helpcenter.search.analysis import fold
from helpcenter.search.schema import searchable

RARE_KINDS = ("keywords", "phrase", "unaccented", "misspelt")
TYPED_KINDS = ("summary", "line", "summary-unaccented", "line-unaccented", "summary-typos", "line-typos")
KINDS = RARE_KINDS + TYPED_KINDS
#: Kinds that need an accent to differ from another kind: none in English.
ACCENT_KINDS = ("unaccented", "summary-unaccented", "line-unaccented")
#: A word among this many most widespread of its language is not a content word.
FREQUENT = 100
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_LIST_ITEM = re.compile(r"<li>(.*?)</li>", re.DOTALL)
_MNEMONIC = re.compile(r"(?<=\w)\[(\w{1,3})\]|\[(\w{1,3})\](?=\w)")
_URL = re.compile(r"\S+://\S+")
_LETTER_WORD = re.compile(r"[^\W\d_]+")
#: Words as the queries see them: independent of how the search engine reads them, so that
#: changing the engine never changes the queries it is measured with.
_WORD = re.compile(r"\w+(?:['’.]\w+)*")


def words(text: str) -> list[str]:
    """The lowercase words of ``text``."""
    return [match.group(0).replace("’", "'") for match in _WORD.finditer(text.lower())]


#: Words as common as those of Snowball's lists.
_MORE_STOP_WORDS = {"fr": {"les", "une", "un", "est", "sont", "l", "d", "qu"}, "pt": {"o", "os", "um", "uma"}}


def stop_words(lang: str) -> frozenset[str]:
    """The stop words of a language (Snowball's lists), with and without accents."""
    listed = set(stopwords_for_language(lang)) | _MORE_STOP_WORDS.get(lang, set())
    return frozenset(listed | {fold(word) for word in listed})


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


def _mistyped(word: str, vocabulary: set[str], rng: random.Random) -> str | None:
    """``word`` with one typo that makes no known word, or None."""
    for _ in range(10):
        wrong = _typo(word, rng)
        if fold(wrong.lower()) not in vocabulary:
            return wrong
    return None


def unbracketed(text: str) -> str:
    """Text with mnemonic brackets dropped: ``[c]reate`` is read ``create``."""
    return _MNEMONIC.sub(lambda match: match.group(1) or match.group(2), text)


def as_typed(text: str) -> str:
    """Text as a reader types it: mnemonic brackets dropped, no link addresses, spaces folded."""
    return " ".join(_URL.sub(" ", unbracketed(text)).split())


def summary_of(page: Page) -> str:
    """The page's summary, else the text of its first paragraph."""
    if page.summary:
        return page.summary
    found = _FIRST_PARAGRAPH.search(page.html)
    return html_text(found.group(1)) if found else ""


def lines_of(page: Page) -> list[str]:
    """The items of the page's lists, as plain text without a closing colon."""
    return [html_text(item).rstrip(":").strip() for item in _LIST_ITEM.findall(page.html)]


class _Language:
    """What the queries of one language are made from."""

    def __init__(self, library: Library, lang: str) -> None:
        self.lang = lang
        self.pages = sorted((page for page in library.all_pages([lang]) if searchable(page)), key=lambda page: page.id)
        self.page_words = {page.id: words(unbracketed(page.text)) for page in self.pages}
        self.frequency = Counter(word for page in self.pages for word in set(self.page_words[page.id]))
        self.vocabulary = {fold(word) for word in self.frequency}
        self.stops = stop_words(lang)
        # Ties broken by the word: the same seed makes the same queries in every process.
        ranked = sorted(self.frequency.items(), key=lambda item: (-item[1], item[0]))
        self.frequent = {word for word, _ in ranked[:FREQUENT]}
        # A line found on several pages identifies none of them.
        self.line_pages = Counter(fold(as_typed(line).lower()) for page in self.pages for line in set(lines_of(page)))

    def content_word(self, word: str) -> bool:
        lowered = word.lower()
        return len(lowered) >= 3 and lowered not in self.stops and lowered not in self.frequent

    # The rare-word kinds.

    def rare_words(self, page: Page) -> list[str]:
        return sorted(
            {
                w
                for w in self.page_words[page.id]
                if _natural(w) and w not in self.stops and self.frequency[w] <= 25 and w != page.title.lower()
            }
        )

    def keywords(self, page: Page, rng: random.Random) -> str | None:
        rare = self.rare_words(page)
        return " ".join(rng.sample(rare, 2)) if len(rare) >= 2 else None

    def unaccented(self, page: Page, rng: random.Random) -> str | None:
        rare = self.rare_words(page)
        accented = [w for w in rare if fold(w) != w]
        if not accented or len(rare) < 2:
            return None
        other = rng.choice([w for w in rare if w != accented[0]])
        return fold(f"{accented[0]} {other}")

    def misspelt(self, page: Page, rng: random.Random) -> str | None:
        long_rare = [w for w in self.rare_words(page) if len(w) >= 5]
        if len(long_rare) < 2:
            return None
        typed = [_mistyped(word, self.vocabulary, rng) for word in rng.sample(long_rare, 2)]
        return " ".join(typed) if all(typed) else None

    def phrase(self, page: Page, rng: random.Random) -> str | None:
        sequence = self.page_words[page.id]
        pairs = [
            (a, b)
            for a, b in zip(sequence, sequence[1:], strict=False)
            if _natural(a) and _natural(b) and a not in self.stops and b not in self.stops and self.frequency[a] <= 60
        ]
        if not pairs:
            return None
        a, b = rng.choice(pairs)
        return f'"{a} {b}"'

    # The kinds typed the way readers type.

    def summary(self, page: Page, rng: random.Random) -> str | None:
        found = [word for word in _LETTER_WORD.findall(as_typed(summary_of(page))) if self.content_word(word)]
        distinct = list(dict.fromkeys(word.lower() for word in found))
        if len(distinct) < 3:
            return None
        chosen = sorted(rng.sample(range(len(distinct)), 3))
        return " ".join(distinct[index] for index in chosen)

    def line(self, page: Page, rng: random.Random) -> str | None:
        lines = [
            typed
            for line in lines_of(page)
            if len((typed := as_typed(line)).split()) >= 4 and self.line_pages[fold(typed.lower())] == 1
        ]
        if not lines:
            return None
        kept = rng.choice(lines).split()
        del kept[rng.randrange(len(kept))]
        return " ".join(kept)

    def typos(self, text: str | None, rng: random.Random) -> str | None:
        """``text`` with one or two of its words of 5 letters or more mistyped."""
        if text is None:
            return None
        typed = text.split()
        eligible = [index for index, word in enumerate(typed) if len(word) >= 5 and word.isalpha()]
        if not eligible:
            return None
        for index in rng.sample(eligible, min(len(eligible), rng.choice((1, 2)))):
            wrong = _mistyped(typed[index], self.vocabulary, rng)
            if wrong is None:
                return None
            typed[index] = wrong
        return " ".join(typed)


def _without_accents(text: str | None) -> str | None:
    return fold(text) if text is not None and fold(text) != text else None


def make_queries(library: Library, per_kind: int, seed: int = 7, kinds: tuple[str, ...] = KINDS) -> list[Query]:
    """``per_kind`` queries of each kind in each language (none without accents in English)."""
    rng = random.Random(seed)
    queries: list[Query] = []
    for lang in library.languages:
        language = _Language(library, lang)
        makers: dict[str, Callable[[Page, random.Random], str | None]] = {
            "keywords": language.keywords,
            "phrase": language.phrase,
            "unaccented": language.unaccented,
            "misspelt": language.misspelt,
            "summary": language.summary,
            "line": language.line,
            # Each query kind is made by this language's generator (bound now, not looked up later).
            "summary-unaccented": lambda page, rng, language=language: _without_accents(language.summary(page, rng)),
            "line-unaccented": lambda page, rng, language=language: _without_accents(language.line(page, rng)),
            "summary-typos": lambda page, rng, language=language: language.typos(language.summary(page, rng), rng),
            "line-typos": lambda page, rng, language=language: language.typos(language.line(page, rng), rng),
        }
        wanted = [kind for kind in kinds if not (lang == "en" and kind in ACCENT_KINDS)]
        made: Counter[str] = Counter()
        order = language.pages[:]
        rng.shuffle(order)
        for page in order:
            for kind in wanted:
                if made[kind] < per_kind and (text := makers[kind](page, rng)):
                    made[kind] += 1
                    queries.append(Query(lang, kind, text, page.id))
            if all(made[kind] >= per_kind for kind in wanted):
                break
    return queries
