"""Text analysis per language: tokens, elision, stop words, stems, accents and phrases.

Every language gets its own analyser, and each word of a document is
indexed under several terms:

- the stem of the word as written, and the stem of the word with its accents
  folded (a reader who types ``eclair`` gets the stem of ``eclair``, which is
  exactly the second term of ``éclair``; folding only after stemming misses
  words whose stem depends on an accent, and folding before stemming alone
  breaks the stemmers, which rely on accents);
- the word itself, accents folded, marked with :data:`EXACT`, so that the
  very word typed ranks above its inflections.

All of a word's terms share its position; a quoted phrase matches the exact
terms of its words at consecutive positions.  (Indexing pairs of
neighbouring words instead made phrases faster but doubled the build time
and the size of the index.)
"""

from __future__ import annotations

import functools
import re
import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, NgramFilter, RegexTokenizer, Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language

#: Site language code to Whoosh's (Whoosh knows ``pt``, never ``pt_BR``).
WHOOSH_LANGUAGES = {"en": "en", "fr": "fr", "de": "de", "es": "es", "it": "it", "pt": "pt"}

#: A word: letters and digits, with inner apostrophes and dots (l'alerte, e.g, 2.5).
WORD = re.compile(r"\w+(?:['’.]\w+)*", re.UNICODE)

#: Elided articles and pronouns that French and Italian glue to the next word.
ELISIONS = {
    "fr": ("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"),
    "it": ("l", "d", "c", "un", "all", "dall", "dell", "nell", "sull", "coll", "quest", "quell", "nessun", "buon"),
}

#: Separates the parts of a document's text that weigh differently (title, lead, body).
SEGMENT_SEPARATOR = "\x1e"
#: How much a word weighs in each part: the title most, then headings, summary and tags.
SEGMENT_BOOSTS = (4.0, 2.0, 1.0)

#: Positions skipped between parts, so that a phrase never spans two of them.
SEGMENT_GAP = 100

#: Marks the term of a word exactly as written (accents folded).
EXACT = "="

_FOLD_EXTRA = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


@functools.lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """``text`` without accents or ligatures: ``Élan`` gives ``Elan``, ``ß`` gives ``ss``."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The lowercase words of ``text``, apostrophes normalised."""
    return [match.group(0).replace("’", "'") for match in WORD.finditer(text.lower())]


class SegmentTokenizer(Tokenizer):
    """Words of a text made of parts joined by :data:`SEGMENT_SEPARATOR`, each with its boost.

    One field then holds title, lead and body with their weights (a word's
    weight in a document adds up the boosts of its occurrences), so a query
    looks up one term per word instead of one per field.
    """

    def __init__(self) -> None:
        self.words = RegexTokenizer(WORD)

    def __eq__(self, other) -> bool:
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, start_pos=0, start_char=0, **kwargs):
        offset, position = start_char, start_pos
        for index, part in enumerate(value.split(SEGMENT_SEPARATOR)):
            boost = SEGMENT_BOOSTS[min(index, len(SEGMENT_BOOSTS) - 1)]
            last = position
            for token in self.words(
                part, positions=positions, chars=chars, start_pos=position, start_char=offset, **kwargs
            ):
                token.boost = boost
                if positions:
                    last = token.pos
                yield token
            offset += len(part) + 1
            position = last + SEGMENT_GAP


class ApostropheFilter(Filter):
    """Normalise the typographic apostrophe to ``'``."""

    def __call__(self, tokens):
        for token in tokens:
            if "’" in token.text:
                token.text = token.text.replace("’", "'")
            yield token


class ElisionFilter(Filter):
    """Strip elided articles: French ``l'alerte`` and Italian ``dell'allerta`` index as the word."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self.prefixes = frozenset(prefixes)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.prefixes == self.prefixes

    def __call__(self, tokens):
        prefixes = self.prefixes
        for token in tokens:
            head, apostrophe, rest = token.text.partition("'")
            if apostrophe and rest and head in prefixes:
                token.text = rest
                if getattr(token, "chars", False):
                    token.startchar += len(head) + 1
            yield token


class StopWordsFilter(Filter):
    """Drop stop words; the words after them move up, so phrases skip stop words.

    Unlike Whoosh's ``StopFilter``, renumbering keeps the gaps between parts.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.lang == self.lang

    def __call__(self, tokens):
        stops = stop_words(self.lang)
        removed = 0
        for token in tokens:
            if token.text in stops:
                removed += 1
                continue
            if removed and getattr(token, "positions", False):
                token.pos -= removed
            yield token


class WordTermsFilter(Filter):
    """Emit the terms of each word: its stems and its exact form.

    ``is_morph`` tells Whoosh that this filter changes word forms.
    """

    is_morph = True

    def __init__(self, lang: str) -> None:
        # Only the language is kept: Whoosh pickles analysers into the index.
        self.lang = lang

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.lang == self.lang

    def __call__(self, tokens):
        stem = stem_function(self.lang)
        for token in tokens:
            text = token.text
            folded = fold(text)
            first = stem(text)
            folded_stem = stem(folded) if folded != text else first
            token.text = first
            yield token
            if folded_stem != first:
                token.text = folded_stem
                yield token
            token.text = EXACT + folded
            yield token


@functools.lru_cache(maxsize=None)
def stem_function(lang: str):
    """A cached stemmer for a site language."""
    stemmer = stemmer_for_language(WHOOSH_LANGUAGES[lang])
    return functools.lru_cache(maxsize=100_000)(stemmer)


#: Words missing from Whoosh's lists that are as common as those in them.
EXTRA_STOP_WORDS = {"fr": {"les", "une", "un", "est", "sont", "l", "d", "qu"}, "pt": {"o", "os", "um", "uma"}}


@functools.lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """The language's stop words, with and without accents."""
    base = set(stopwords_for_language(WHOOSH_LANGUAGES[lang])) | EXTRA_STOP_WORDS.get(lang, set())
    return frozenset(base | {fold(word) for word in base})


def _tokens(lang: str):
    chain = SegmentTokenizer() | LowercaseFilter() | ApostropheFilter()
    if lang in ELISIONS:
        chain = chain | ElisionFilter(ELISIONS[lang])
    return chain


@functools.lru_cache(maxsize=None)
def text_analyzer(lang: str):
    """The analyser of searchable text in ``lang``."""
    return _tokens(lang) | StopWordsFilter(lang) | WordTermsFilter(lang)


@functools.lru_cache(maxsize=None)
def prefix_analyzer(lang: str):
    """Folded edge n-grams of 2 to 15 letters, for matching words as they are typed."""
    return _tokens(lang) | _FoldFilter() | NgramFilter(2, 15, at="start")


class _FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


@functools.lru_cache(maxsize=50_000)
def word_terms(lang: str, word: str) -> tuple[str, ...]:
    """The terms a typed word is looked up by: its stems and its exact form.

    Empty for a stop word.
    """
    return tuple(dict.fromkeys(token.text for token in text_analyzer(lang)(word, mode="query")))


def phrase_terms(lang: str, phrase: list[str]) -> list[str]:
    """The exact terms of a phrase's words, stop words left out as in the index.

    Quotes ask for these very words (accents aside), not their inflections.
    """
    exact = []
    for word in phrase:
        exact.extend(term for term in word_terms(lang, word) if term.startswith(EXACT))
    return exact
