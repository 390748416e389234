"""Keeping the index in step with the content, and searching it.

No Flask here: the app gives the service its library and settings.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from helpcenter.content import Library

from .results import SearchRequest, SearchResults, SearchUnavailable
from .store import CURRENT, IndexBusy, build, current_generation, fingerprint, read_manifest, wanted_documents

log = logging.getLogger(__name__)

#: How many searches a process answers again from memory: the results of one generation of the
#: index over one library, forgotten when either changes (a few megabytes at most).
KEPT_RESULTS = 256


@functools.lru_cache(maxsize=4)
def library_fingerprint(library: Library) -> str:
    """What the index of a library must hold, hashed (once per loaded library)."""
    return fingerprint(wanted_documents(library))


class SearchService:
    """The search of one app: its engine, and the index kept up to date.

    With ``live`` set (development), a stale index is updated before the
    search that notices it, so an edit shows in the next results.  Otherwise
    a stale, missing or broken index is rebuilt in a background thread (one
    process at a time, under the builders' lock) while search goes on with the
    index it has, or answers :class:`SearchUnavailable` when it has none.
    """

    def __init__(
        self,
        index_dir: Path | str,
        languages: tuple[str, ...],
        source_language: str,
        *,
        live: bool,
        kept_results: int = KEPT_RESULTS,
    ) -> None:
        # Imported by the first service rather than with the package: building the index
        # (``helpcenter index build``) needs none of the query parsing, ranking and snippets.
        from .engine import WhooshSearchEngine

        self.index_dir = Path(index_dir)
        self.engine = WhooshSearchEngine(self.index_dir, languages, source_language)
        self.live = live
        self._builder: threading.Thread | None = None
        self._lock = threading.Lock()
        self._fingerprints: dict[str, str | None] = {}
        self._wanted: tuple[Library, str] | None = None
        self._kept = _KeptResults(kept_results)
        self._link = str(self.index_dir / CURRENT)

    def index_fingerprint(self) -> str | None:
        """The fingerprint of the current generation, read once per generation."""
        return self._fingerprint(self.generation())

    def _fingerprint(self, generation: str | None) -> str | None:
        if generation is None:
            return None
        if generation not in self._fingerprints:
            manifest = read_manifest(self.index_dir / generation)
            self._fingerprints[generation] = manifest.fingerprint if manifest else None
        return self._fingerprints[generation]

    def generation(self) -> str | None:
        """The name of the current generation (it changes whenever the index does)."""
        try:
            # The link's path is made once: pathlib costs more than reading it.
            return os.readlink(self._link)
        except OSError:
            return None

    def is_fresh(self, library: Library) -> bool:
        """Whether the current index holds exactly what the library says."""
        return self._fresh(library, self.generation())

    def _fresh(self, library: Library, generation: str | None) -> bool:
        wanted = self._wanted
        if wanted is None or wanted[0] is not library:
            # Worked out once per loaded library, not on every search.
            wanted = self._wanted = (library, library_fingerprint(library))
        return self._fingerprint(generation) == wanted[1]

    def ensure(self, library: Library, *, wait: bool) -> None:
        """Bring the index up to date now (``wait``) or in the background."""
        if self.is_fresh(library):
            return
        if wait:
            build(library, self.index_dir, wait=True)
            return
        self._start_background(library, full=False)

    def search(self, request: SearchRequest, library: Library) -> SearchResults:
        """Search, keeping the index in step with ``library``.

        The results of a search asked again, in the same generation of the
        index and the same library, are those found the first time (the
        returned results are not to be changed).
        """
        generation = self.generation()
        if not self._fresh(library, generation):
            if self.live and generation is not None:
                try:
                    build(library, self.index_dir, wait=False)
                except IndexBusy:
                    pass
                generation = self.generation()
            else:
                self._start_background(library, full=False)
        version = (generation, library.fingerprint)
        kept = self._kept.get(version, request)
        if kept is not None:
            return kept
        try:
            results = self.engine.search(request, lambda lang, page_id: _text(library, lang, page_id))
        except SearchUnavailable:
            if current_generation(self.index_dir) is not None:
                self._start_background(library, full=True)
            raise
        except Exception as exc:
            # A corrupt file met while searching: rebuild, and say so rather than fail.
            log.exception("search failed; rebuilding the index")
            self._start_background(library, full=True)
            raise SearchUnavailable(str(exc)) from exc
        # Had the index moved on meanwhile, these results are newer than ``version``: they are
        # kept for it all the same, and forgotten with it at the next search.
        self._kept.put(version, request, results)
        return results

    def _start_background(self, library: Library, *, full: bool) -> None:
        with self._lock:
            if self._builder is not None and self._builder.is_alive():
                return
            self._builder = threading.Thread(
                target=self._build_quietly, args=(library, full), name="search-index-build", daemon=True
            )
            self._builder.start()

    def close(self) -> None:
        """Close the open searchers (a process that ends, a test that is done)."""
        self.wait_for_build()
        self.engine.close()

    def wait_for_build(self, timeout: float | None = None) -> None:
        """Wait for a background build to finish (for commands and tests)."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)

    def _build_quietly(self, library: Library, full: bool) -> None:
        try:
            build(library, self.index_dir, full=full, wait=False)
        except IndexBusy:
            log.info("search index is being built by another process")
        except Exception:
            log.exception("search index build failed")


class _KeptResults:
    """The results of the latest searches in one version (generation, library): least recent out first."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._version: tuple | None = None
        self._results: OrderedDict[SearchRequest, SearchResults] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: tuple, request: SearchRequest) -> SearchResults | None:
        """The results kept for ``request`` in ``version``; everything kept for another version is dropped."""
        with self._lock:
            if version != self._version:
                self._version = version
                self._results.clear()
                return None
            results = self._results.get(request)
            if results is not None:
                self._results.move_to_end(request)
            return results

    def put(self, version: tuple, request: SearchRequest, results: SearchResults) -> None:
        """Keep ``results`` of ``request`` (while ``version`` is the current one)."""
        if self.entries <= 0:
            return
        with self._lock:
            if version != self._version:
                return
            self._results[request] = results
            if len(self._results) > self.entries:
                self._results.popitem(last=False)


def _text(library: Library, lang: str, page_id: str) -> str | None:
    page = library.exact(lang, page_id)
    return page.text if page else None
