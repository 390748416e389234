"""Searching the per-language Whoosh indexes: ranked hits, snippets, suggestions.

Searchers are opened lazily in each process (after a fork) and in each
thread, and reopened when the ``current`` generation changes.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
from collections.abc import Callable
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex

from .analysis import EXACT, word_terms
from .query import build_query, clean, parse, query_terms
from .ranking import IndexView, Ranked, rank
from .results import SearchHit, SearchRequest, SearchResults, SearchUnavailable
from .snippets import snippet
from .store import CURRENT, open_index, read_vocabulary
from .typos import Vocabulary, allowed_typos

log = logging.getLogger(__name__)


TextOf = Callable[[str, str], str | None]

#: How many known words, as close as any, a word that no page has is searched as.
TYPO_ALTERNATIVES = 3


class MappedFiles(FileStorage):
    """An index folder whose files are read through memory maps.

    Whoosh reads a file with a seek and a read each time it looks something
    up: two system calls, the interpreter's lock given up and taken back.
    From a map, the same bytes are copied from the system's page cache,
    which the workers share; each keeps in memory only the parts its
    searches touch.  (Whoosh maps only compound segments, which the index
    does not write: see :mod:`.store`.)
    """

    def open_file(self, name: str, **kwargs) -> StructFile:
        """The file ``name`` of the folder, mapped (an empty file, which cannot be, opened)."""
        with open(os.path.join(self.folder, name), "rb") as file:
            try:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:
                return super().open_file(name, **kwargs)
        return StructFile(mapped, name=name, **kwargs)


def open_mapped(path: Path) -> FileIndex:
    """One language's index (checked as :func:`.store.open_index` checks it), its files read through maps."""
    index = open_index(path)
    return FileIndex(MappedFiles(str(path), readonly=True), indexname=index.indexname)


class _Generation:
    """The open indexes of one generation, shared by the threads of a process."""

    def __init__(self, path: Path, languages: tuple[str, ...]) -> None:
        self.path = path
        self.name = path.name
        self.indexes = {lang: open_mapped(path / lang) for lang in languages}
        self._vocabularies: dict[str, Vocabulary] = {}
        self._columns: dict[str, tuple[list, list, list, list]] = {}
        self._lock = threading.Lock()

    def columns(self, lang: str, searcher) -> tuple[list, list, list, list]:
        """Id, section, product and length of every document number, read once per generation."""
        with self._lock:
            if lang not in self._columns:
                reader = searcher.reader()
                # An index without documents has no columns.
                self._columns[lang] = tuple(
                    list(reader.column_reader(name)) if reader.doc_count_all() else []
                    for name in ("id", "section", "product", "length")
                )
            return self._columns[lang]

    def vocabulary(self, lang: str) -> Vocabulary:
        """The vocabulary of a language, read once per generation."""
        with self._lock:
            if lang not in self._vocabularies:
                self._vocabularies[lang] = Vocabulary(read_vocabulary(self.path, lang).items())
            return self._vocabularies[lang]


class WhooshSearchEngine:
    """Search over the generations of ``index_dir``; see :mod:`helpcenter.search.store`."""

    def __init__(self, index_dir: Path | str, languages: tuple[str, ...], source_language: str = "en") -> None:
        self.index_dir = Path(index_dir)
        self.languages = languages
        self.source_language = source_language
        self._generation: _Generation | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pid = os.getpid()
        #: The ``current`` link, read on every search (a path made once: pathlib costs more than the read).
        self._link = str(self.index_dir / CURRENT)
        self._open: list = []

    def generation(self) -> _Generation:
        """The open current generation; reopened when the link moved (or after a fork)."""
        try:
            target = os.readlink(self._link)
        except OSError:
            raise SearchUnavailable("the search index has not been built") from None
        generation = self._generation
        if generation is not None and generation.name == target and self._pid == os.getpid():
            return generation
        with self._lock:
            generation = self._generation
            if generation is None or generation.name != target or self._pid != os.getpid():
                try:
                    generation = _Generation(self.index_dir / target, self.languages)
                except Exception as exc:
                    raise SearchUnavailable(f"the search index cannot be opened: {exc}") from exc
                self._generation, self._pid = generation, os.getpid()
        return generation

    def _view(self, generation: _Generation, lang: str) -> IndexView:
        """This thread's view of a language's index (Whoosh's files are read with seek and read)."""
        cache = getattr(self._local, "views", None)
        if cache is None or cache[0] is not generation:
            if cache is not None:
                for view in cache[1].values():
                    view.searcher.close()
            cache = (generation, {})
            self._local.views = cache
        view = cache[1].get(lang)
        if view is None:
            searcher = generation.indexes[lang].searcher()
            view = cache[1][lang] = IndexView(
                searcher, lang, generation.columns(lang, searcher)[3], generation.vocabulary(lang).frequencies
            )
            with self._lock:
                self._open = [open_ for open_ in self._open if not open_.is_closed] + [searcher]
        return view

    def close(self) -> None:
        """Close every searcher this engine opened, in every thread."""
        with self._lock:
            for searcher in self._open:
                searcher.close()
            self._open = []
            self._generation = None

    def search(self, request: SearchRequest, text_of: TextOf | None) -> SearchResults:
        """Run a search; ``text_of(lang, id)`` gives an article's text for its snippet.

        Without ``text_of`` the hits have no snippets (the benchmark measures
        the engine alone that way).
        """
        generation = self.generation()
        text = clean(request.text)
        parsed = parse(text, as_you_type=request.as_you_type)
        if parsed.empty:
            return SearchResults(request=request, query=text, total=0, hits=[])
        found = self._in_language(generation, request, parsed)
        results, suggestion, corrected = found
        language = request.lang
        if results is None or results.total == 0:
            for other in self._other_languages(request.lang):
                other_results, _, _ = self._in_language(generation, request.with_lang(other), parsed)
                if other_results is not None and other_results.total:
                    results, language = other_results, other
                    break
        if results is None or results.total == 0:
            return SearchResults(request, text, 0, [], suggestion, False)
        hits = self._hits(generation, self._view(generation, language), results, language, text_of)
        other_language = language if language != request.lang else None
        return SearchResults(request, text, results.total, hits, suggestion, corrected, other_language)

    def _in_language(self, generation: _Generation, request: SearchRequest, parsed):
        """Search one language: as typed, or with the words typos may have meant."""
        view = self._view(generation, request.lang)
        try:
            vocabulary = generation.vocabulary(request.lang)
            unknown = _unknown_words(view, vocabulary, request.lang, parsed.words)
            suggestion, alternatives = self._corrections(vocabulary, parsed.words, unknown)
            if not alternatives:
                return self._run(generation, view, request, parsed, None), suggestion, False
            # A word no page has cannot match as typed: search with what it may have meant.
            results = self._run(generation, view, request, parsed, alternatives)
            return results, suggestion, results is not None and results.total > 0
        finally:
            view.forget()

    def _other_languages(self, lang: str) -> list[str]:
        ordered = [self.source_language, *self.languages]
        return [other for other in dict.fromkeys(ordered) if other != lang]

    @staticmethod
    def _corrections(
        vocabulary: Vocabulary, typed: list[str], unknown: list[str]
    ) -> tuple[str | None, dict[str, tuple[str, ...]]]:
        """Known words for the unknown ones, and the "did you mean" text they make."""
        alternatives: dict[str, tuple[str, ...]] = {}
        for word in unknown:
            candidates = vocabulary.closest(word, limit=TYPO_ALTERNATIVES)
            if candidates:
                alternatives[word] = tuple(candidates)
        if not alternatives:
            return None, {}
        suggestion = " ".join(alternatives[word][0] if word in alternatives else word for word in typed)
        return suggestion, alternatives

    def _run(self, generation: _Generation, view: IndexView, request: SearchRequest, parsed, alternatives):
        clauses = build_query(request.lang, parsed, alternatives=alternatives)
        required = sum(clause.required for clause in clauses)
        if not required:
            return None
        limit = request.page * request.per_page
        accept = _filter(generation.columns(request.lang, view.searcher), request.section, request.product)
        ranked = rank(view, clauses, match_all=True, limit=limit, accept=accept)
        if ranked.total == 0 and required > 1:
            # No document has every word: rank the documents that have some.
            ranked = rank(view, clauses, match_all=False, limit=limit, accept=accept)
        return _Page(ranked, (request.page - 1) * request.per_page, limit, query_terms(clauses))

    def _hits(
        self, generation: _Generation, view: IndexView, page, lang: str, text_of: TextOf | None
    ) -> list[SearchHit]:
        ids, sections, products, _ = generation.columns(lang, view.searcher)
        hits = []
        for docnum, score in page.ranked.hits[page.start : page.end]:
            page_id = ids[docnum]
            hits.append(
                SearchHit(
                    id=page_id,
                    lang=lang,
                    section=sections[docnum] or None,
                    product=products[docnum] or None,
                    score=round(score, 4),
                    snippet_html=snippet(text_of(lang, page_id) or "", page.terms, lang) if text_of else "",
                )
            )
        return hits


def _filter(columns, section: str | None, product: str | None):
    """Whether a document number is in the section and product asked for (None: no filter)."""
    _, sections, products, _ = columns
    if section and product:
        return lambda docnum: sections[docnum] == section and products[docnum] == product
    if section:
        return lambda docnum: sections[docnum] == section
    if product:
        return lambda docnum: products[docnum] == product
    return None


def _unknown_words(view: IndexView, vocabulary: Vocabulary, lang: str, typed: list[str]) -> list[str]:
    """Typed words long enough to forgive a typo that no document contains in any form."""
    return [
        word
        for word in dict.fromkeys(typed)
        if allowed_typos(word)
        and word not in vocabulary
        and not any(char.isdigit() for char in word)
        # A word's exact term is indexed along with its stems: the stems tell whether any form is.
        and not any(view.term("content", term) for term in word_terms(lang, word) if not term.startswith(EXACT))
    ]


class _Page:
    """One page of a result set, with the size of the whole set and the terms to highlight."""

    def __init__(self, ranked: Ranked, start: int, end: int, terms: set[str]) -> None:
        self.ranked = ranked
        self.total = ranked.total
        self.start, self.end = start, end
        self.terms = terms
