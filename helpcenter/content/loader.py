"""Load the mirrored language trees of ``content/`` into a :class:`Library`.

Nothing here stops the site from starting: a file that cannot be read is
reported as a :class:`Problem` with its path and left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from .addresses import refused_characters
from .assets import assets_stamp, place_assets, scan_assets
from .cache import RenderCache, rendering_version
from .frontmatter import FrontMatterError, parse_front_matter
from .library import Library
from .model import HOME_ID, SECTIONS, Kind, Page, Problem
from .render import MarkdownRenderer
from .revision import body_revision
from .sources import Stamp, in_path_order, language_of, sources_of, walk_markdown

log = logging.getLogger(__name__)


def content_fingerprint(content_dir: Path) -> str:
    """Return a cheap fingerprint of the tree: names, sizes and modification times.

    It changes whenever a file is added, removed or saved (an asset too),
    which is what the development server's live preview needs to know.
    """
    return _fingerprint(in_path_order(walk_markdown(content_dir)[0])) + assets_stamp(Path(content_dir, "assets"))


def _fingerprint(files: list[tuple[str, Stamp | None]]) -> str:
    digest = hashlib.sha256()
    for path, stamp in files:
        if stamp is not None:
            digest.update(f"{path}\0{stamp[0]}\0{stamp[1]}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]


#: Loading progress: called with the files loaded so far, all the files, and how many were rendered.
Progress = Callable[[int, int, int], None]

#: From this many files to render, they are rendered by several processes.
PARALLEL_RENDERING = 400


def load_library(
    content_dir: Path | str,
    languages: Iterable[str],
    *,
    source_language: str = "en",
    fallback_chain: Iterable[str] = ("en", "fr"),
    cache_dir: Path | str | None = None,
    progress: Progress | None = None,
) -> Library:
    """Load every configured language folder of ``content_dir``.

    Folders that are not configured languages (other than ``assets``) are
    reported and ignored.  Returns the library with all pages that could be
    read and the list of problems met.  With ``cache_dir``, files unchanged
    since the last load are taken from the :class:`RenderCache` kept there
    instead of being rendered again.  Many files to render (a fresh copy of
    a large tree) are rendered by one process per core.  ``progress``, when
    given, is told how far loading is as it goes.
    """
    content_dir = Path(content_dir)
    languages = tuple(languages)
    problems: list[Problem] = []
    pages: dict[str, dict[str, Page]] = {}
    files, newest = walk_markdown(content_dir)
    files = in_path_order(files)
    if not content_dir.is_dir():
        problems.append(Problem(str(content_dir), "content folder does not exist"))
    else:
        for entry in sorted(content_dir.iterdir()):
            if entry.is_dir() and entry.name not in languages and entry.name != "assets":
                if not entry.name.startswith("."):
                    problems.append(Problem(entry.name, "folder is not a configured language; its files are ignored"))
    cache = RenderCache(cache_dir, content_dir, languages) if cache_dir is not None else None
    # The stamps are taken before any file is read: a file saved meanwhile is seen as changed next time.
    sources = sources_of(content_dir, languages, rendering_version(), files)
    by_language: dict[str, list[str]] = {lang: [] for lang in languages}
    for relative in sources.stamps:
        by_language[language_of(relative)].append(relative)
    # Every file of the configured languages, in load order, with what the cache has of it.
    entries = []
    for lang in languages:
        for relative in by_language[lang]:
            stamp = sources.stamps[relative]
            if stamp is not None:
                newest = max(newest, stamp[1])
            cached = cache.get(relative, stamp) if cache is not None and stamp is not None else None
            entries.append((lang, relative, stamp, cached))
    to_render = [
        (lang, str(content_dir / relative), relative) for lang, relative, _, cached in entries if cached is None
    ]
    rendered = _render(content_dir, to_render, languages, progress, len(entries) - len(to_render), len(entries))
    for lang, relative, stamp, cached in entries:
        if cached is not None:
            page, file_problems = cached
        else:
            page, file_problems = rendered[relative]
            if cache is not None and stamp is not None:
                cache.put(relative, stamp, page, tuple(file_problems))
        problems.extend(file_problems)
        if page is not None:
            pages.setdefault(page.id, {})[lang] = page
    if progress is not None:
        progress(len(entries), len(entries), len(to_render))
    if cache is not None:
        cache.save()
    # Assets are placed after the cache: a page's links follow its pictures' current versions.
    assets = scan_assets(content_dir / "assets", languages)
    pages = {
        page_id: {lang: place_assets(page, assets) for lang, page in by_lang.items()}
        for page_id, by_lang in pages.items()
    }
    for problem in problems:
        log.warning("content: %s", problem)
    return Library(
        pages=pages,
        languages=languages,
        source_language=source_language,
        fallback_chain=tuple(fallback_chain),
        problems=problems,
        fingerprint=_fingerprint(files) + assets.stamp,
        assets_dir=content_dir / "assets",
        assets=assets,
        modified=dt.datetime.fromtimestamp(newest // 10**9, dt.UTC),
        sources=sources,
    )


def read_pages(
    content_dir: Path | str, languages: Iterable[str], paths: Iterable[str]
) -> dict[str, tuple[Page | None, tuple[Problem, ...]]]:
    """Read and render some files of the tree (paths below ``content_dir``): the page and problems of each.

    The pages are as rendered, their links to assets not yet pointed at the
    assets' current versions (:func:`~.assets.place_assets`): for work that
    reads their words and fields, such as indexing, not for serving.  No
    cache is read or written.  Problems are logged as a load logs them.
    """
    content_dir = Path(content_dir)
    languages = tuple(languages)
    files = [(language_of(path), str(content_dir / path), path) for path in paths]
    found = _render(content_dir, files, languages, None, 0, len(files))
    for _page, problems in found.values():
        for problem in problems:
            log.warning("content: %s", problem)
    return found


def _render(
    content_dir: Path,
    files: list[tuple[str, str, str]],
    languages: tuple[str, ...],
    progress: Progress | None,
    done: int,
    total: int,
) -> dict[str, tuple[Page | None, tuple[Problem, ...]]]:
    """Render ``files`` (language, path, path below ``content_dir``): the page and problems of each.

    Many files are shared out, in chunks, to one process per core, forked
    from this one: only while it runs no other thread (a command, a server
    before it forks its workers), since a fork copies locks other threads
    may hold.
    """
    found: dict[str, tuple[Page | None, tuple[Problem, ...]]] = {}
    if progress is not None:
        progress(done, total, 0)
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_RENDERING or workers < 2 or threading.active_count() > 1:
        chunks = [files[start : start + 100] for start in range(0, len(files), 100)]
        results = map(_render_chunk, [str(content_dir)] * len(chunks), [languages] * len(chunks), chunks)
        pool = None
    else:
        # Imported here: a command that renders a few files (an index update) does without them.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        size = max(50, len(files) // (workers * 8))
        chunks = [files[start : start + size] for start in range(0, len(files), size)]
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        results = pool.map(_render_chunk, [str(content_dir)] * len(chunks), [languages] * len(chunks), chunks)
    try:
        for chunk, chunk_results in zip(chunks, results, strict=True):
            for (_, _, relative), result in zip(chunk, chunk_results, strict=True):
                found[relative] = result
            done += len(chunk)
            if progress is not None:
                progress(done, total, len(found))
    finally:
        if pool is not None:
            pool.shutdown()
    return found


#: This thread's renderer per set of languages (a renderer is not thread-safe).
_RENDERERS = threading.local()


def _render_chunk(
    content_dir: str, languages: tuple[str, ...], files: list[tuple[str, str, str]]
) -> list[tuple[Page | None, tuple[Problem, ...]]]:
    """Render a chunk of files (in this process or a worker): each one's page and problems."""
    renderers = _RENDERERS.__dict__.setdefault("by_languages", {})
    renderer = renderers.get(languages)
    if renderer is None:
        renderer = renderers[languages] = MarkdownRenderer(set(languages))
    results = []
    for lang, path, relative in files:
        file_problems: list[Problem] = []
        page = _load_page(Path(path), Path(content_dir) / lang, lang, relative, renderer, file_problems)
        results.append((page, tuple(file_problems)))
    return results


def _place(page_id: str) -> tuple[Kind, str | None, str | None, str | None] | None:
    """Return (kind, section, product, slug) of a page id, or None if off the layout."""
    parts = page_id.split("/")
    if parts == [HOME_ID]:
        return Kind.HOME, None, None, None
    if parts[0] not in SECTIONS or not all(parts):
        return None
    section = parts[0]
    if len(parts) == 2:
        if parts[1] == "_index":
            return Kind.SECTION, section, None, None
        return Kind.ARTICLE, section, None, parts[1]
    if section == "tutorials" and len(parts) == 3 and parts[1] != "_index":
        if parts[2] == "_index":
            return Kind.PRODUCT, section, parts[1], parts[1]
        return Kind.ARTICLE, section, parts[1], parts[2]
    return None


def _load_page(
    path: Path,
    root: Path,
    lang: str,
    relative: str,
    renderer: MarkdownRenderer,
    problems: list[Problem],
) -> Page | None:
    page_id = path.relative_to(root).with_suffix("").as_posix()
    refused = refused_characters(page_id)
    if refused:
        problems.append(
            Problem(relative, f"its name has characters no web address can carry: {', '.join(refused)}; file ignored")
        )
        return None
    place = _place(page_id)
    if place is None:
        problems.append(
            Problem(relative, "file is outside the content layout (faq/, guide/, tutorials/<product>/) and is ignored")
        )
        return None
    kind, section, product, slug = place
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(relative, f"file is not valid UTF-8 (byte {exc.start}); skipped"))
        return None
    except OSError as exc:
        problems.append(Problem(relative, f"file cannot be read: {exc.strerror}; skipped"))
        return None
    if "\x00" in text:
        problems.append(Problem(relative, "file contains NUL characters; skipped"))
        return None
    try:
        front = parse_front_matter(text)
    except FrontMatterError as exc:
        problems.append(Problem(relative, f"{exc}; file skipped", line=exc.line))
        return None
    for message, line in front.warnings:
        problems.append(Problem(relative, message, "warning", line))
    fields = front.fields
    try:
        rendered = renderer.render(front.body, lang=lang, page_id=page_id)
    except Exception as exc:  # noqa: BLE001 - a broken file must never stop the site
        problems.append(Problem(relative, f"Markdown could not be rendered ({exc}); file skipped"))
        return None
    title = fields.get("title") or rendered.title
    if not title:
        title = (slug or product or section or "").replace("-", " ").capitalize() or "Home"
        if kind is Kind.ARTICLE:
            problems.append(Problem(relative, "no title: add 'title' to the front matter or a '# ' heading"))
    return Page(
        id=page_id,
        lang=lang,
        kind=kind,
        section=section,
        product=product,
        slug=slug,
        title=title,
        summary=fields.get("summary", ""),
        html=rendered.html,
        text=rendered.text,
        revision=body_revision(front.body),
        path=path,
        order=fields.get("order"),
        tags=fields.get("tags", ()),
        topic=fields.get("topic"),
        updated=fields.get("updated"),
        source_revision=fields.get("source_revision"),
        toc=rendered.toc,
        links=rendered.links,
        assets=rendered.assets,
        headings=tuple(entry.text for entry in rendered.toc),
    )
