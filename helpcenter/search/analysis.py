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

A stop word is no term of the index: it never decides whether a page
matches.  It stays in the page's word sequence, where a page that has the
small words of a line a reader remembers, in their places, ranks above one
that only shares its rarer words.

The index keeps no positions: each document also keeps the sequence of its
words (accents folded, stop words included, part by part: see
:func:`sequence_words`), which tells where a quoted phrase is and which
typed words stand next to each other, for the few documents where that
decides.  (Positions in the postings made every block of a common word
expensive to read; indexing pairs of neighbouring words doubled the build
time and the size of the index.)

Words are read the way readers type them: a letter that a page puts between
brackets to show a command's mnemonic (``[c]reate``, ``E[x]tract``) is part
of the word (``create``, ``extract``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from whoosh.analysis import Filter, LowercaseFilter, NgramFilter, RegexTokenizer, Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language

#: Site language code to Whoosh's (Whoosh knows ``pt``, never ``pt_BR``).
WHOOSH_LANGUAGES = {"en": "en", "fr": "fr", "de": "de", "es": "es", "it": "it", "pt": "pt"}

#: A word: letters and digits, with inner apostrophes and dots (l'alerte, e.g, 2.5), and
#: letters in brackets inside or at the edge of a word ([c]reate, E[x]tract, Lis[t]).
WORD = re.compile(r"(?:\[[^\W\d_]{1,3}\](?=\w))?\w+(?:(?:['’.](?=\w)|\[[^\W\d_]{1,3}\])\w*)*", re.UNICODE)
_MNEMONIC_BRACKETS = str.maketrans("", "", "[]")

#: Elided articles and pronouns that French and Italian glue to the next word.
ELISIONS = {
    "fr": ("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"),
    "it": ("l", "d", "c", "un", "all", "dall", "dell", "nell", "sull", "coll", "quest", "quell", "nessun", "buon"),
}

#: Separates the parts of a document's text that weigh differently (title, lead, body).
SEGMENT_SEPARATOR = "\x1e"
#: How much a word weighs in each part: the title most, then headings, summary and tags.
SEGMENT_BOOSTS = (4.0, 2.0, 1.0)

#: Separates the parts of a document's word sequence (as :data:`SEGMENT_SEPARATOR` its text).
SEQUENCE_PART = "\x1e"

#: Marks the term of a word exactly as written (accents folded).
EXACT = "="

_FOLD_EXTRA = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


@functools.lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """``text`` without accents or ligatures: ``Élan`` gives ``Elan``, ``ß`` gives ``ss``."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The lowercase words of ``text``, apostrophes normalised, mnemonic brackets dropped."""
    return [normal_word(match.group(0)) for match in WORD.finditer(text.lower())]


def normal_word(word: str) -> str:
    """A word as indexed before analysis: ``’`` as ``'``, without mnemonic brackets."""
    if "’" in word:
        word = word.replace("’", "'")
    if "[" in word:
        word = word.translate(_MNEMONIC_BRACKETS)
    return word


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
            boost = _part_boost(index)
            for token in self.words(
                part, positions=positions, chars=chars, start_pos=position, start_char=offset, **kwargs
            ):
                token.boost = boost
                if positions:
                    position = token.pos + 1
                yield token
            offset += len(part) + 1


class NormalWordFilter(Filter):
    """Words as :func:`normal_word` gives them: ``'`` for ``’``, no mnemonic brackets."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = normal_word(token.text)
            yield token


class ElisionFilter(Filter):
    """Strip elided articles: French ``l'alerte`` and Italian ``dell'allerta`` index as the word.

    Another word with an apostrophe (``dev'essere``, ``aujourd'hui``) is
    indexed as written and as what follows its apostrophe (see
    :class:`WordPartsFilter`).
    """

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


class WordPartsFilter(Filter):
    """A word made of parts (``node.js``, ``commit_message``, ``dev'essere``) is also each part.

    The parts share the word's place: ``node`` finds ``Node.js``.  Which
    marks join parts depends on the language: an apostrophe does in French
    and Italian, where it marks an elision, not in English (``don't``).
    """

    def __init__(self, joiners: str) -> None:
        self.joiners = joiners
        self.split = re.compile("[" + re.escape(joiners) + "]+")

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.joiners == self.joiners

    def __call__(self, tokens):
        split = self.split
        for token in tokens:
            text = token.text
            yield token
            if any(joiner in text for joiner in self.joiners):
                for part in split.split(text):
                    if part and part != text:
                        token.text = part
                        yield token


class StopWordsFilter(Filter):
    """Mark stop words (``token.stop_word``); they keep their places.

    (Not Whoosh's ``stopped``, which would leave them out of the index.)
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.lang == self.lang

    def __call__(self, tokens):
        stops = stop_words(self.lang)
        for token in tokens:
            token.stop_word = token.text in stops
            yield token


class WordTermsFilter(Filter):
    """Emit the terms of each word: its stems and its exact form.

    A stop word has no term in the index; a stop word typed is its exact
    form, marked ``stop_word``, which a query uses to find it in sequences.

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
            if token.stop_word:
                if token.mode == "query":
                    token.text = EXACT + folded
                    yield token
                continue
            first = stem(text)
            folded_stem = stem(folded) if folded != text else first
            token.text = first
            yield token
            if folded_stem != first:
                token.text = folded_stem
                yield token
            token.text = EXACT + folded
            yield token


#: Words analysed while indexing, per analyser, with the analyser (see :func:`weighted_terms`):
#: most words of a page were met on other pages.
_ANALYSED: dict[int, tuple[object, dict[str, tuple[str, ...]]]] = {}
_ANALYSED_LIMIT = 400_000
#: The analysers whose words are kept, the newest: every index opened has analysers of its own.
_ANALYSERS_KEPT = 16


def weighted_terms(analyzer, value: str) -> dict[str, tuple[int, float]]:
    """The terms ``analyzer`` makes of ``value`` (parts joined by :data:`SEGMENT_SEPARATOR`).

    Each term comes with how often it occurs and its weight (the boosts of
    its occurrences).  This is what the analyser's tokens add up to, made
    faster: the analysers of this module read each word on its own (a word's
    terms never depend on its neighbours), so each distinct word is analysed
    once per process rather than once per occurrence.

    The words are kept per analyser object, which each entry holds: Whoosh
    unpickles new analysers for each index it opens, and a freed analyser's
    address (its ``id``) is soon another's.
    """
    entry = _ANALYSED.get(id(analyzer))
    if entry is None:
        if len(_ANALYSED) >= _ANALYSERS_KEPT:
            del _ANALYSED[next(iter(_ANALYSED))]
        entry = _ANALYSED[id(analyzer)] = (analyzer, {})
    analysed = entry[1]
    if len(analysed) > _ANALYSED_LIMIT:
        analysed.clear()

    def terms_of(word: str) -> tuple[str, ...]:
        terms = analysed.get(word)
        if terms is None:
            terms = analysed[word] = tuple(token.text for token in analyzer(word, mode="index"))
        return terms

    return _weigh(
        (_part_boost(index), [terms_of(token.lower()) for token in WORD.findall(part)])
        for index, part in enumerate(value.split(SEGMENT_SEPARATOR))
    )


def _part_boost(index: int) -> float:
    return SEGMENT_BOOSTS[min(index, len(SEGMENT_BOOSTS) - 1)]


def _weigh(parts: Iterable[tuple[float, list[tuple[str, ...]]]]) -> dict[str, tuple[int, float]]:
    """Each term's frequency and weight, from the terms of each word of each part and the part's boost."""
    found: dict[str, list] = {}
    for boost, words_terms in parts:
        for terms in words_terms:
            for term in terms:
                entry = found.get(term)
                if entry is None:
                    found[term] = [1, boost]
                else:
                    entry[0] += 1
                    entry[1] += boost
    return {term: (entry[0], entry[1]) for term, entry in found.items()}


class Word(NamedTuple):
    """What a word of a page gives the index: its terms, its form in sequences, its form as written."""

    terms: tuple[str, ...]
    in_sequence: str
    written: str


#: Words of pages read while indexing, per language: most words of a page were met on other pages.
_READ: dict[str, dict[str, Word]] = {}


def read_word(lang: str, token: str) -> Word:
    """What one word of a page (as :data:`WORD` finds it) gives the index."""
    read = _read_words(lang)
    word = read.get(token)
    if word is None:
        lowered = token.lower()
        word = read[token] = Word(
            index_terms(lang, lowered),
            _sequence_word(lang, lowered),
            normal_word(lowered),
        )
    return word


def index_terms(lang: str, text: str) -> tuple[str, ...]:
    """The terms :func:`text_analyzer` gives ``text`` while indexing, without its token stream.

    The same steps as its tokenizer and filters, in their order, on plain
    strings: the stream's generators and tokens took most of the time of
    reading a word (tests/test_search_internals.py compares the two).
    """
    stops, stem = stop_words(lang), stem_function(lang)
    terms: list[str] = []
    for form in _word_forms(lang, text):
        if form in stops:
            continue
        folded = fold(form)
        first = stem(form)
        terms.append(first)
        folded_stem = stem(folded) if folded != form else first
        if folded_stem != first:
            terms.append(folded_stem)
        terms.append(EXACT + folded)
    return tuple(terms)


def _word_forms(lang: str, text: str):
    """The forms the tokenizer and filters of :func:`text_analyzer` read in ``text``, in order.

    Each word lowercase and normalised, without an elided article, then the
    parts it is made of (``node.js``: ``node.js``, ``node``, ``js``).
    """
    prefixes = _elided(lang)
    joiners = _WORD_JOINERS[lang in ELISIONS]
    for match in WORD.finditer(text):
        word = normal_word(match.group(0).lower())
        head, apostrophe, rest = word.partition("'")
        if apostrophe and rest and head in prefixes:
            word = rest
        yield word
        if any(joiner in word for joiner in joiners):
            yield from (part for part in _joiners_pattern(joiners).split(word) if part and part != word)


#: The marks that join the parts of a word (see :class:`WordPartsFilter`), without and with elisions.
_WORD_JOINERS = ("._", "._'")


@functools.cache
def _joiners_pattern(joiners: str) -> re.Pattern:
    return WordPartsFilter(joiners).split


def _read_words(lang: str) -> dict[str, Word]:
    read = _READ.setdefault(lang, {})
    if len(read) > _ANALYSED_LIMIT:
        read.clear()
    return read


class ReadPage(NamedTuple):
    """A page's text read once: its terms with their frequency and weight, its word sequence per
    part, how many words its last part (the body) has, and its words as written."""

    terms: dict[str, tuple[int, float]]
    sequence: list[list[str]]
    length: int
    written: set[str]


def read_page(lang: str, parts: list[str]) -> ReadPage:
    """Read the parts of a page's text (title, lead, body) for the index, each word once.

    The terms are those that the language's analyser gives the text joined
    by :data:`SEGMENT_SEPARATOR` (see :func:`weighted_terms`).
    """
    read = _read_words(lang)
    sequence, written = [], set()
    found: dict[str, list] = {}
    for index, part in enumerate(parts):
        tokens = WORD.findall(part)
        words = [read.get(token) or read_word(lang, token) for token in tokens]
        sequence.append([word.in_sequence for word in words])
        boost = _part_boost(index)
        # Each distinct word once, with how often the part has it: the boosts are small powers
        # of two, so the weights are the very sums that adding them one by one gives.
        by_token = dict(zip(tokens, words, strict=True))
        for token, count in Counter(tokens).items():
            word = by_token[token]
            written.add(word.written)
            weight = boost * count
            for term in word.terms:
                entry = found.get(term)
                if entry is None:
                    found[term] = [count, weight]
                else:
                    entry[0] += count
                    entry[1] += weight
    terms = {term: (entry[0], entry[1]) for term, entry in found.items()}
    return ReadPage(terms, sequence, len(sequence[-1]) if sequence else 0, written)


@functools.cache
def stem_function(lang: str):
    """A cached stemmer for a site language."""
    stemmer = stemmer_for_language(WHOOSH_LANGUAGES[lang])
    return functools.lru_cache(maxsize=100_000)(stemmer)


#: Words missing from Whoosh's lists that are as common as those in them.
EXTRA_STOP_WORDS = {"fr": {"les", "une", "un", "est", "sont", "l", "d", "qu"}, "pt": {"o", "os", "um", "uma"}}


@functools.cache
def stop_words(lang: str) -> frozenset[str]:
    """The language's stop words, with and without accents."""
    base = set(stopwords_for_language(WHOOSH_LANGUAGES[lang])) | EXTRA_STOP_WORDS.get(lang, set())
    return frozenset(base | {fold(word) for word in base})


def _tokens(lang: str):
    chain = SegmentTokenizer() | LowercaseFilter() | NormalWordFilter()
    if lang in ELISIONS:
        chain = chain | ElisionFilter(ELISIONS[lang])
    return chain | WordPartsFilter(_WORD_JOINERS[lang in ELISIONS])


@functools.cache
def text_analyzer(lang: str):
    """The analyser of searchable text in ``lang``."""
    return _tokens(lang) | StopWordsFilter(lang) | WordTermsFilter(lang)


@functools.cache
def prefix_analyzer(lang: str):
    """Folded edge n-grams of 2 to 15 letters, for matching words as they are typed."""
    return _tokens(lang) | _FoldFilter() | NgramFilter(2, 15, at="start")


class _FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


@functools.lru_cache(maxsize=50_000)
def _analysed(lang: str, word: str) -> tuple[tuple[str, ...], str | None]:
    """The terms :func:`text_analyzer` gives ``word`` in a query, each once, and its first stop word's.

    The same steps as its tokenizer and filters, in their order, on plain
    strings (as :func:`index_terms`): a word seen for the first time is
    analysed in half the time (tests/test_search.py compares the two).
    """
    stops, stem = stop_words(lang), stem_function(lang)
    terms: list[str] = []
    stop = None
    for form in _word_forms(lang, word):
        folded = fold(form)
        if form in stops:
            stop = stop or EXACT + folded
            continue
        first = stem(form)
        for term in (first, stem(folded) if folded != form else first, EXACT + folded):
            if term not in terms:
                terms.append(term)
    return tuple(terms), stop


@functools.cache
def _elided(lang: str) -> frozenset[str]:
    return frozenset(ELISIONS.get(lang, ()))


def word_terms(lang: str, word: str) -> tuple[str, ...]:
    """The terms a typed word is looked up by: its stems and its exact form.

    Empty for a stop word.
    """
    return _analysed(lang, word)[0]


def stop_term(lang: str, word: str) -> str | None:
    """The exact term of a stop word, None for any other word."""
    return _analysed(lang, word)[1]


def phrase_terms(lang: str, phrase: list[str]) -> list[str]:
    """The exact terms of a phrase's words, stop words left out (they are not terms).

    Quotes ask for these very words (accents aside), not their inflections.
    """
    exact = []
    for word in phrase:
        exact.extend(term for term in word_terms(lang, word) if term.startswith(EXACT))
    return exact


def sequence_words(lang: str, text: str) -> list[str]:
    """The words of ``text`` as the index reads them, in order, stop words included.

    Each is the word's exact form without its :data:`EXACT` mark (lowercase,
    accents folded, elided article removed; a word made of parts is whole):
    a document's sequence and a quoted phrase compare this way.
    """
    return [_sequence_word(lang, match.group(0)) for match in WORD.finditer(text.lower())]


def _sequence_word(lang: str, lowered: str) -> str:
    word = normal_word(lowered)
    if "'" in word and lang in ELISIONS:
        head, _, rest = word.partition("'")
        if rest and head in ELISIONS[lang]:
            word = rest
    return fold(word)


def sequence_value(sequence: list[list[str]]) -> bytes:
    """A document's word sequence, part by part, as the index keeps it."""
    return SEQUENCE_PART.join(" ".join(words) for words in sequence).encode("utf-8")
