"""Where the indexes live, and how they are built and updated.

Segments are written as separate files (not Whoosh's compound file, which
readers load whole), so that each worker maps them and keeps in memory only
the parts its searches touch.

``INDEX_DIR/current`` is a symbolic link to a generation folder holding one
Whoosh index per language and a manifest: the digest of every document it
holds and, when the library came from a content folder, the files it was
made from with their stamps (:class:`~helpcenter.content.sources.Sources`).
A build or an update writes a new generation (an update starts from hard
links to the current one's files, which Whoosh never modifies in place) and
then swaps the link atomically, so readers never see a half-written index.
Builders take an exclusive lock on ``INDEX_DIR/build.lock``: one process
indexes while the others wait or, when they asked not to wait, go on with
the index they have.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import hashlib
import io
import json
import logging
import os
import pickle
import shutil
import threading
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, clean_files
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte

from helpcenter.content import Library, Page
from helpcenter.content.sources import Sources

from .schema import (
    SCHEMA_VERSION,
    IndexedPage,
    document,
    indexed_page,
    page_digest,
    read_document,
    schema,
    searchable,
)

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
VOCABULARY = "{lang}.vocabulary.json"
CURRENT = "current"
LOCK = "build.lock"
KEEP_GENERATIONS = 2
#: From this share of the documents to write (added, changed or removed), writing every index
#: afresh is faster than updating them: with all 14k pages of a large tree changed (a new
#: version of the Markdown library), an update took 17 s and a full build 10 s.
REWRITE_SHARE = 0.5


class IndexBusy(RuntimeError):
    """Another process is building the index and the caller chose not to wait."""


@dataclass(frozen=True)
class BuildReport:
    """What a build or update did."""

    generation: str
    full: bool
    added: int
    updated: int
    removed: int
    seconds: float

    @property
    def changed(self) -> bool:
        """Whether any document was written."""
        return bool(self.full or self.added or self.updated or self.removed)

    def line(self) -> str:
        """What was done, in a line for a person (``helpcenter index build`` prints it)."""
        if not self.changed:
            return f"Search indexes are up to date ({self.generation})."
        kind = "built" if self.full else "updated"
        return (
            f"Search indexes {kind} in {self.seconds:.2f} s: {self.added} added, "
            f"{self.updated} updated, {self.removed} removed ({self.generation})."
        )


def searchable_pages(library: Library) -> dict[tuple[str, str], Page]:
    """The pages that belong in the index, by language and id."""
    return {(page.lang, page.id): page for page in library.all_pages() if searchable(page)}


def wanted_documents(library: Library, pages: dict[tuple[str, str], Page] | None = None) -> dict[str, dict[str, str]]:
    """Per language, the digest of every page that belongs in the index."""
    wanted: dict[str, dict[str, str]] = {lang: {} for lang in library.languages}
    for (lang, page_id), page in (pages if pages is not None else searchable_pages(library)).items():
        wanted[lang][page_id] = page_digest(page)
    return wanted


def fingerprint(wanted: dict[str, dict[str, str]]) -> str:
    """One digest of everything an index must contain."""
    lines = "".join(
        f"{lang} {page_id} {ids[page_id]}\n"
        for lang in sorted(wanted)
        for ids in (wanted[lang],)
        for page_id in sorted(ids)
    )
    return hashlib.sha256(f"schema {SCHEMA_VERSION}\n{lines}".encode()).hexdigest()[:20]


def current_generation(index_dir: Path) -> Path | None:
    """The folder the ``current`` link points to, if there is one."""
    try:
        target = os.readlink(index_dir / CURRENT)
    except OSError:
        return None
    return index_dir / target


@dataclass(frozen=True)
class Manifest:
    """What a generation holds: the digest of each document, by language and page id."""

    fingerprint: str
    documents: dict[str, dict[str, str]]
    #: The content files the documents were made from, when they came from a folder.
    sources: Sources | None = None

    def to_json(self) -> str:
        """The manifest file's text."""
        manifest = {"schema": SCHEMA_VERSION, "fingerprint": self.fingerprint, "documents": self.documents}
        if self.sources is not None:
            manifest["sources"] = self.sources.to_record()
        return json.dumps(manifest)


def read_manifest(generation: Path) -> Manifest | None:
    """The manifest of a generation, or None when it is missing, damaged or of another schema.

    The documents must give the fingerprint again: a manifest damaged there
    would have an update leave pages in the index, or miss some.  A damaged
    record of the content files only has files read again (see
    :mod:`.refresh`) and is dropped.
    """
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA_VERSION:
        return None
    documents = manifest.get("documents")
    if not (
        isinstance(documents, dict)
        and all(
            isinstance(ids, dict) and all(isinstance(digest, str) for digest in ids.values())
            for ids in documents.values()
        )
        and manifest.get("fingerprint") == fingerprint(documents)
    ):
        return None
    return Manifest(manifest["fingerprint"], documents, Sources.from_record(manifest.get("sources")))


@contextlib.contextmanager
def build_lock(index_dir: Path, *, wait: bool) -> Iterator[None]:
    """Hold the builders' lock; raise :class:`IndexBusy` if taken and not ``wait``."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexBusy(f"{index_dir} is being built by another process") from None
            raise
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: Build progress: called with the languages whose index is written so far, and how many there are.
Progress = Callable[[list[str], int], None]


def build(
    library: Library,
    index_dir: Path | str,
    *,
    full: bool = False,
    wait: bool = True,
    progress: Progress | None = None,
) -> BuildReport:
    """Bring the indexes of ``index_dir`` up to date with ``library``.

    Only the pages that changed, appeared or disappeared since the current
    generation are written, unless ``full`` is set, there is no usable
    current generation or most pages changed.  ``progress``, when given, is told each time the
    index of a language is written.
    """
    index_dir = Path(index_dir)
    started = time.perf_counter()
    pages = searchable_pages(library)
    wanted = wanted_documents(library, pages)
    with build_lock(index_dir, wait=wait):
        base = None if full else usable_generation(index_dir)
        return write_generation(index_dir, base, wanted, pages, library.sources, progress, started)


def usable_generation(index_dir: Path) -> tuple[Path, Manifest] | None:
    """The current generation and its manifest, when there is one whose indexes all open."""
    current = current_generation(index_dir)
    manifest = read_manifest(current) if current else None
    if current is None or manifest is None or not _indexes_open(current, manifest.documents):
        return None
    return current, manifest


def write_generation(
    index_dir: Path,
    base: tuple[Path, Manifest] | None,
    wanted: dict[str, dict[str, str]],
    pages: dict[tuple[str, str], Page],
    sources: Sources | None,
    progress: Progress | None,
    started: float,
) -> BuildReport:
    """Make the current generation hold the ``wanted`` documents; the caller holds the builders' lock.

    From ``base`` (the current generation and its manifest), only the
    documents whose digest differs are written, taken from ``pages``, which
    must hold those at least; without it, or when most documents differ and
    ``pages`` has them all (see :data:`REWRITE_SHARE`), every document is.  ``sources``
    are recorded as what the documents were made from.
    """
    if base is not None and base[1].documents.keys() != wanted.keys():
        base = None  # made for other languages: some have no index to start from
    if base is not None:
        current, manifest = base
        if manifest.documents == wanted:
            if sources is not None and sources != manifest.sources:
                _record_sources(current, Manifest(manifest.fingerprint, manifest.documents, sources))
            return BuildReport(current.name, False, 0, 0, 0, time.perf_counter() - started)
        if _share_to_write(manifest.documents, wanted) < REWRITE_SHARE or not _has_every_page(pages, wanted):
            generation, counts = _update(index_dir, current, manifest.documents, wanted, pages, progress)
            is_full = False
        else:
            base = None
    if base is None:
        generation, counts = _full_build(index_dir, wanted, pages, progress)
        is_full = True
    (generation / MANIFEST).write_text(Manifest(fingerprint(wanted), wanted, sources).to_json(), encoding="utf-8")
    _swap(index_dir, generation)
    _clean(index_dir, keep=generation)
    report = BuildReport(generation.name, is_full, *counts, time.perf_counter() - started)
    log.info("search index %s: %s", generation.name, report)
    return report


def _share_to_write(documents: dict[str, dict[str, str]], wanted: dict[str, dict[str, str]]) -> float:
    """The share of the documents an update from ``documents`` to ``wanted`` writes or removes."""
    writes = everything = 0
    for lang, digests in wanted.items():
        before = documents.get(lang, {})
        writes += sum(before.get(page_id) != digest for page_id, digest in digests.items())
        writes += sum(page_id not in digests for page_id in before)
        everything += len(digests.keys() | before.keys())
    return writes / everything if everything else 0.0


def _has_every_page(pages: dict[tuple[str, str], Page], wanted: dict[str, dict[str, str]]) -> bool:
    return all((lang, page_id) in pages for lang, digests in wanted.items() for page_id in digests)


class CorruptIndex(RuntimeError):
    """An index folder cannot be opened: missing or unreadable files."""


def open_index(path: Path):
    """Open one language's index; raises :class:`CorruptIndex` on a missing or broken one.

    Whoosh leaves the file of an unreadable table of contents open; it is
    closed here rather than left to the garbage collector.
    """
    try:
        return whoosh_index.open_dir(str(path))
    except Exception as exc:  # noqa: BLE001 - whatever Whoosh raises, the index is unusable
        message = f"{path}: {type(exc).__name__}: {exc}"
        _close_files(exc.__traceback__)
    raise CorruptIndex(message)


def _close_files(traceback) -> None:
    while traceback is not None:
        for value in list(traceback.tb_frame.f_locals.values()):
            if isinstance(value, (StructFile, io.IOBase)):
                value.close()
        traceback = traceback.tb_next


def _indexes_open(generation: Path, documents: dict) -> bool:
    """Whether every language index of a generation can be opened."""
    try:
        for lang in documents:
            open_index(generation / lang).close()
    except Exception:
        log.warning("search index %s is unreadable; rebuilding it", generation, exc_info=True)
        return False
    return True


def _new_generation(index_dir: Path) -> Path:
    name = f"gen-{time.time_ns():x}-{os.getpid()}"
    path = index_dir / name
    path.mkdir()
    return path


def _full_build(
    index_dir: Path, wanted: dict, pages: dict, progress: Progress | None
) -> tuple[Path, tuple[int, int, int]]:
    generation = _new_generation(index_dir)
    jobs = [
        (lang, str(generation / lang), [indexed_page(pages[(lang, pid)]) for pid in sorted(ids)])
        for lang, ids in wanted.items()
    ]
    jobs.sort(key=lambda job: -len(job[2]))
    total = sum(len(job[2]) for job in jobs)
    written: list[str] = []
    # Large trees: one process per language, the biggest first, on all cores.  Forked, so only
    # from a process that runs no other thread (a command; not a server's background build),
    # since a fork copies the locks that other threads hold.
    if total > 2000 and (os.cpu_count() or 1) > 1 and threading.active_count() == 1:
        import multiprocessing  # here: an update of a few pages does without them
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(
            max_workers=min(len(jobs), os.cpu_count() or 1), mp_context=multiprocessing.get_context("fork")
        ) as pool:
            futures = {pool.submit(_write_language, *job): job[0] for job in jobs}
            for future in as_completed(futures):
                future.result()
                written.append(futures[future])
                if progress is not None:
                    progress(written, len(jobs))
    else:
        for job in jobs:
            _write_language(*job)
            written.append(job[0])
            if progress is not None:
                progress(written, len(jobs))
    return generation, (total, 0, 0)


class PostingsCodec(W3Codec):
    """Whoosh's codec, without the field-length statistics of postings blocks.

    Whoosh looks each posting's document length up to keep the shortest and
    longest of each block, for its own scoring shortcuts; the ranking here
    never reads them, and the look-ups were a large part of the build.
    """

    length_stats = False


def postings_codec() -> W3Codec:
    """How postings are written: in blocks left uncompressed, without length statistics.

    Searches read whole blocks; unzipping them cost more than the bytes saved.
    """
    return PostingsCodec(compression=0)


def _write_language(lang: str, path: str, pages: list[IndexedPage]) -> None:
    """Write the index of one language from scratch, and its vocabulary."""
    with collector_paused():
        _write_new_language(lang, path, pages)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while many objects that make no cycles pile up.

    The millions of postings held until written, the documents of a manifest
    and the stamps of ten thousand files are no cycles, but the collector
    would scan them again and again as they pile up.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_new_language(lang: str, path: str, pages: list[IndexedPage]) -> None:
    os.makedirs(path, exist_ok=True)
    ix = whoosh_index.create_in(path, schema(lang))
    vocabulary: Counter[str] = Counter()

    def documents() -> Iterator[tuple[dict, dict]]:
        for page in pages:
            fields, terms = read_document(page)
            vocabulary.update(fields["words"].split())
            yield fields, {"content": terms}

    write_segment(ix, documents())
    ix.close()
    write_vocabulary(Path(path).parent, lang, vocabulary)


def write_segment(ix, documents: Iterable[tuple[dict, dict[str, dict[str, tuple[int, float]]]]]) -> None:
    """Write ``documents`` as the only segment of an empty index.

    Each document is a mapping of field names to values, and the terms
    (frequency and weight) of the fields whose analysis is already done.
    This is what Whoosh's writer does, without its pool of postings: those
    go straight from a dictionary to the codec, in the order it wants them
    (fields, then terms, then documents).  Half the time of a build went to
    the pool, which pickles, sorts and merges every posting.
    """
    schema_ = ix.schema
    codec = postings_codec()
    storage = ix.storage
    segment = codec.new_segment(storage, ix.indexname)
    perdoc = codec.per_document_writer(storage, segment)
    # Per field, per term (text, or bytes for fields Whoosh analyses): document numbers and weights.
    postings: dict[str, dict] = {}
    count = 0
    for docnum, (fields, analysed) in enumerate(documents):
        count = docnum + 1
        perdoc.start_doc(docnum)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema_[fieldname]
            length = 0
            if field.indexed:
                if field.format.fixed_value_size() != 0:
                    raise ValueError(f"field {fieldname!r} keeps values in postings: write it with Whoosh's writer")
                terms = postings.setdefault(fieldname, {})
                if fieldname in analysed:
                    items = analysed[fieldname].items()
                else:
                    items = ((btext, (frequency, weight)) for btext, frequency, weight, _ in field.index(value))
                for term, (frequency, weight) in items:
                    if field.scorable:
                        length += frequency
                    entry = terms.get(term)
                    if entry is None:
                        terms[term] = ([docnum], [weight])
                    else:
                        entry[0].append(docnum)
                        entry[1].append(weight)
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
    perdoc.close()
    writer = codec.field_writer(storage, segment)
    for fieldname in sorted(postings):
        field = schema_[fieldname]
        writer.start_field(fieldname, field)
        terms = postings[fieldname]
        # Text sorts as its UTF-8 bytes do.
        for term in sorted(terms):
            _write_term(writer, codec, field.to_bytes(term) if isinstance(term, str) else term, *terms[term])
        writer.finish_field()
    writer.close()
    segment.set_doc_count(count)
    generation = ix.latest_generation() + 1
    TOC(schema_, [segment], generation).write(storage, ix.indexname)
    # What the writer leaves that Whoosh's own writer would remove: the columns' scratch
    # folder, and the table of contents of the empty index.
    storage.temp_storage(f"{ix.indexname}.tmp").destroy()
    clean_files(storage, ix.indexname, generation, [segment])


_NO_LENGTH = length_to_byte(None), length_to_byte(0)


def _write_term(writer, codec: W3Codec, btext: bytes, docnums: list[int], weights: list[float]) -> None:
    """Write a term's postings (no values, no lengths) as ``start_term``, ``add`` and ``finish_term`` do.

    The same bytes, block by block, with a fraction of the calls: Whoosh's writer checks and
    counts each posting on its own, and these calls were a third of writing an index
    (tests/test_search_internals.py compares the files with those of Whoosh's writer).
    """
    postfile = writer._postfile
    limit, compression = codec._blocklimit, codec._compression
    terminfo = W3TermInfo()
    parts = [WHOOSH3_HEADER_MAGIC]
    count = len(docnums)
    for start in range(0, count, limit):
        # Most terms fill one block: their lists are taken as they are.
        ids = docnums if count <= limit else docnums[start : start + limit]
        given = weights if count <= limit else weights[start : start + limit]
        stored = array("f", given)
        # The first of the highest weights, or 0 (Whoosh's writer keeps a weight above the highest so far).
        top = max(given)
        if not top > 0:
            top = 0
        size = len(stored)
        if stored.count(1.0) == size:
            mini_weights = None
        elif stored.count(stored[0]) == size:
            mini_weights = stored[0]
        else:
            mini_weights = tuple(stored)
        terminfo._weight += sum(stored)
        terminfo._df += len(ids)
        terminfo._maxweight = max(terminfo._maxweight, top)
        if terminfo._minid is None:
            terminfo._minid = ids[0]
        terminfo._maxid = ids[-1]
        deltas = (
            (ids[0], *(after - before for before, after in zip(ids, ids[1:], strict=False))) if size > 1 else (ids[0],)
        )
        data = pickle.dumps((deltas, mini_weights, None), 2)
        if compression:
            data = zlib.compress(data, compression)
        info = pickle.dumps((len(ids), ids[-1], top, compression, *_NO_LENGTH), 2)
        length = len(info) + len(data)
        parts += (pack_int(-length if start + limit >= count else length), info, data)
    block = b"".join(parts)
    offset = postfile.tell()
    postfile.write(block)
    terminfo.set_extent(offset, len(block))
    writer._tindex.add(pack_ushort(writer._fieldid) + btext, terminfo.to_bytes())


def read_vocabulary(generation: Path, lang: str) -> dict[str, int]:
    """How many documents of a language use each word, as written."""
    try:
        return json.loads((generation / VOCABULARY.format(lang=lang)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_vocabulary(generation: Path, lang: str, vocabulary: Counter[str] | dict[str, int]) -> None:
    """Save the vocabulary of a language next to its index."""
    counts = {word: count for word, count in vocabulary.items() if count > 0}
    (generation / VOCABULARY.format(lang=lang)).write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")


def _update(
    index_dir: Path, current: Path, indexed: dict, wanted: dict, pages: dict, progress: Progress | None
) -> tuple[Path, tuple[int, int, int]]:
    generation = _new_generation(index_dir)
    totals = [0, 0, 0]
    written: list[str] = []
    for lang, ids in wanted.items():
        counts = _update_language(lang, current, generation, indexed.get(lang, {}), ids, pages)
        totals = [total + count for total, count in zip(totals, counts, strict=True)]
        written.append(lang)
        if progress is not None:
            progress(written, len(wanted))
    return generation, (totals[0], totals[1], totals[2])


def _update_language(
    lang: str, current: Path, generation: Path, before: dict[str, str], ids: dict[str, str], pages: dict
) -> tuple[int, int, int]:
    """Write a language's index in the new generation: the current one's, with the pages that changed.

    Returns how many pages were added, updated and removed.
    """
    source, target = current / lang, generation / lang
    target.mkdir()
    for name in os.listdir(source):
        if not name.endswith(".lock"):
            os.link(source / name, target / name)
    vocabulary_file = VOCABULARY.format(lang=lang)
    gone = [pid for pid in before if pid not in ids]
    changed = [pid for pid, digest in ids.items() if before.get(pid) != digest]
    if not gone and not changed:
        if (current / vocabulary_file).exists():
            os.link(current / vocabulary_file, generation / vocabulary_file)
        return 0, 0, 0
    vocabulary = Counter(read_vocabulary(current, lang))
    ix = whoosh_index.open_dir(str(target))
    writer = ix.writer(compound=False, codec=postings_codec())
    # The writer's own searcher, which it keeps for the deletions of its updates, rather than one more.
    searcher = writer.searcher()
    for pid in (*gone, *changed):
        old = searcher.document(id=pid)
        if old:
            vocabulary.subtract(old["words"].split())
    for pid in gone:
        writer.delete_by_term("id", pid)
    for pid in changed:
        fields = document(indexed_page(pages[(lang, pid)]))
        writer.update_document(**fields)
        vocabulary.update(fields["words"].split())
    writer.commit()
    ix.close()
    write_vocabulary(generation, lang, vocabulary)
    return sum(pid not in before for pid in changed), sum(pid in before for pid in changed), len(gone)


def _record_sources(generation: Path, manifest: Manifest) -> None:
    """Replace the manifest of a generation that stays current with one of the same documents and other sources.

    Every file of the index stays as it is; only the record of the content
    files' stamps moves on (a file saved with no change that matters to the
    index, a first update from a manifest without a record), so that the
    next update does not read those files again.  The manifest is replaced
    in one step: a reader sees the old one or the new one.
    """
    temporary = generation / f".{MANIFEST}-{os.getpid()}"
    try:
        temporary.write_text(manifest.to_json(), encoding="utf-8")
        os.replace(temporary, generation / MANIFEST)
    except OSError:
        log.warning("search index %s: the record of its content files was not updated", generation, exc_info=True)
        with contextlib.suppress(OSError):
            temporary.unlink()


def _swap(index_dir: Path, generation: Path) -> None:
    link = index_dir / f".{CURRENT}-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(generation.name, link)
    os.replace(link, index_dir / CURRENT)


def _clean(index_dir: Path, keep: Path) -> None:
    """Remove old generations, keeping the newest few for readers still on them."""
    generations = sorted(
        (path for path in index_dir.iterdir() if path.is_dir() and path.name.startswith("gen-")),
        key=lambda path: path.stat().st_mtime_ns,
    )
    for path in generations[:-KEEP_GENERATIONS]:
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)
