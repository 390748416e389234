"""Bringing the index up to date with a content folder, reading only the files changed since it was built.

The manifest of a generation records the content files its documents were
made from, each with its stamp (:class:`~helpcenter.content.sources.Sources`).
A page is made from its file alone, so after an edit the folder's stamps
say which files to read again, and the documents of every other file are
the ones the manifest lists: one edited page costs a walk of the folder,
one page rendered and one document written, not the whole library loaded
(most of a second for ten thousand pages, even from the render cache).

Whenever that record cannot be used (no usable generation, no record, one
made for another folder, other languages or other rendering code, or many
files changed) the whole library is loaded and :func:`~.store.build` brings
the index up to date from it: a missing or damaged record only means more
work.  Either way the index holds what a full build from the folder gives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from helpcenter.content import Library, Page
from helpcenter.content.cache import rendering_version
from helpcenter.content.loader import read_pages
from helpcenter.content.sources import language_of, page_id_of, sources_of, walk_markdown

from .schema import page_digest, searchable
from .store import (
    BuildReport,
    Progress,
    build,
    build_lock,
    collector_paused,
    usable_generation,
    write_generation,
)

log = logging.getLogger(__name__)

#: From this many files changed, loading the whole library (through the render cache, on every core) is faster.
MANY_FILES = 400


def refresh_index(
    content_dir: Path | str,
    languages: Iterable[str],
    index_dir: Path | str,
    *,
    load: Callable[[], Library],
    full: bool = False,
    wait: bool = True,
    progress: Progress | None = None,
) -> BuildReport:
    """Bring the indexes of ``index_dir`` up to date with the Markdown files of ``content_dir``.

    Only the files changed since the current generation was made are read,
    when its manifest says which files it was made from; otherwise, or with
    ``full``, ``load()`` gives the whole library, loaded as the app loads it,
    and :func:`~.store.build` does the work.  ``progress`` is told each time
    the index of a language is written.
    """
    if not full:
        report = update_from_changed_files(content_dir, languages, index_dir, wait=wait, progress=progress)
        if report is not None:
            return report
    return build(load(), index_dir, full=full, wait=wait, progress=progress)


def update_from_changed_files(
    content_dir: Path | str,
    languages: Iterable[str],
    index_dir: Path | str,
    *,
    wait: bool = True,
    progress: Progress | None = None,
) -> BuildReport | None:
    """Update the index from the files changed since it was built; None when the whole library must be loaded."""
    index_dir = Path(index_dir)
    started = time.perf_counter()
    with build_lock(index_dir, wait=wait), collector_paused():
        return _update_from_changed_files(Path(content_dir), tuple(languages), index_dir, progress, started)


def _update_from_changed_files(
    content_dir: Path, languages: tuple[str, ...], index_dir: Path, progress: Progress | None, started: float
) -> BuildReport | None:
    """Update the index from the files changed since its manifest's record; None when that cannot be done."""
    base = usable_generation(index_dir)
    recorded = base[1].sources if base is not None else None
    if base is None or recorded is None:
        return None
    # The stamps are taken before any file is read: a file saved meanwhile is seen as changed next time.
    sources = sources_of(content_dir, languages, rendering_version(), walk_markdown(content_dir)[0])
    changes = sources.changes_since(recorded)
    if changes is None or len(changes[0]) > MANY_FILES:
        return None
    changed, removed = changes
    wanted = {lang: dict(base[1].documents.get(lang, {})) for lang in languages}
    for path in (*changed, *removed):
        wanted[language_of(path)].pop(page_id_of(path), None)
    pages: dict[tuple[str, str], Page] = {}
    for page, _problems in read_pages(content_dir, languages, changed).values():
        if page is not None and searchable(page):
            pages[(page.lang, page.id)] = page
            wanted[page.lang][page.id] = page_digest(page)
    return write_generation(index_dir, base, wanted, pages, sources, progress, started)
