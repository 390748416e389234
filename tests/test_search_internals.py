"""The parts of Whoosh 2.7 that the search reads or drives below its public API.

``ranking.leaf_postings`` reads postings blocks straight from Whoosh's
private structures, and ``store.write_segment`` writes a segment through
Whoosh's codec, without its writer.  Each test here names the internal it
checks, so that an upgrade of Whoosh that changes one fails here, saying
which, rather than giving wrong results somewhere else.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import whoosh
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.index import TOC

from helpcenter.config import LANGUAGES
from helpcenter.content import load_library
from helpcenter.search import SearchRequest, build, store
from helpcenter.search.engine import WhooshSearchEngine, open_mapped
from helpcenter.search.ranking import leaf_postings
from helpcenter.search.schema import indexed_page, read_document, schema, searchable
from helpcenter.search.store import postings_codec, write_segment

from .test_search import SEARCH_CONTENT


def internal(owner, name: str):
    """``owner.name``, or a failure that names the missing internal."""
    if not hasattr(owner, name):
        pytest.fail(f"Whoosh {whoosh.versionstring()} has no {getattr(owner, '__name__', owner)!s}.{name} any more")
    return getattr(owner, name)


def test_whoosh_is_the_version_these_internals_come_from():
    assert whoosh.versionstring() == "2.7.5", (
        f"Whoosh is {whoosh.versionstring()}: check the internals below against it, then update this version"
    )


def many_documents(count: int) -> list[dict]:
    """Documents where ``common`` is in every one (several postings blocks) and ``rare`` in one."""
    return [
        {"id": f"page-{number:04d}", "content": "common " * (number % 3 + 1) + ("rare" if number == 150 else "")}
        for number in range(count)
    ]


@pytest.fixture
def whoosh_index_dir(tmp_path):
    """An index written by Whoosh's own writer, with the project's schema and codec."""
    ix = whoosh_index.create_in(tmp_path, schema("en"))
    writer = ix.writer(codec=postings_codec())
    for fields in many_documents(300):
        writer.add_document(**fields)
    writer.commit()
    yield ix
    ix.close()


def public_postings(ix, text: str) -> tuple[list[int], list[float]]:
    """A term's postings read through Whoosh's public matcher."""
    with ix.searcher() as searcher:
        matcher = searcher.postings("content", text)
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


@pytest.mark.parametrize("text", ["common", "=common", "rare"])
def test_postings_read_from_the_blocks_are_the_public_matchers(whoosh_index_dir, text):
    ix = whoosh_index_dir
    reader = ix.reader()
    try:
        entry = reader.term_info("content", text)
        assert leaf_postings(reader, "content", entry, None) == public_postings(ix, text)
        wanted = [0, 7, 150, 299]
        ids, weights = public_postings(ix, text)
        expected = [(docnum, weight) for docnum, weight in zip(ids, weights, strict=True) if docnum in wanted]
        assert list(zip(*leaf_postings(reader, "content", entry, wanted), strict=True)) == expected
    finally:
        reader.close()


def test_the_private_structures_read_have_their_expected_shape(whoosh_index_dir):
    reader = whoosh_index_dir.reader()
    try:
        terms = internal(reader, "_terms")
        codec, postfile = internal(terms, "_codec"), internal(terms, "_postfile")
        entry = reader.term_info("content", "common")
        assert not entry.is_inlined() and entry.doc_frequency() == 300
        matcher = codec.postings_reader(postfile, entry, reader.schema["content"].format)
        for name in ("_atend", "_maxid", "_next_block", "_read_data"):
            internal(matcher, name)
        matcher._read_data()
        data = internal(matcher, "_data")
        assert isinstance(data, tuple) and len(data) == 3, "a block's data is no longer (ids, weights, values)"
        block_ids, block_weights, _ = data
        assert list(block_ids[:3]) == [0, 1, 1], "a block's ids are no longer the differences between neighbours"
        assert block_weights is None or isinstance(block_weights, (float, tuple)), "block weights changed shape"
        assert matcher._maxid == sum(block_ids), "a block's _maxid is no longer its last id"
        rare = reader.term_info("content", "rare")
        if rare.is_inlined():
            assert [list(part) for part in rare.inlined_postings()[:2]] == [[150], [1.0]], (
                "inlined_postings() is no longer (ids, weights, values)"
            )
    finally:
        reader.close()


def test_postings_kept_in_a_terms_entry_are_read_from_it(whoosh_index_dir):
    """Whoosh can keep a rare term's postings in its entry (2.7.5 never does: its inlining is broken)."""
    entry = whoosh3.W3TermInfo()
    internal(entry, "set_inlined")((3, 9), (1.0, 2.0), (b"", b""))
    assert entry.is_inlined()
    reader = whoosh_index_dir.reader()
    try:
        assert leaf_postings(reader, "content", entry, None) == ([3, 9], [1.0, 2.0])
        assert leaf_postings(reader, "content", entry, [9]) == ([9], [2.0])
    finally:
        reader.close()


def mapped_files(folder: Path) -> set[str]:
    """The files of ``folder`` this process has mapped in memory."""
    lines = Path("/proc/self/maps").read_text().splitlines()
    return {line.split()[-1] for line in lines if line.split()[-1].startswith(f"{folder}/")}


def test_an_index_read_through_maps_reads_what_its_files_hold(whoosh_index_dir):
    folder = Path(whoosh_index_dir.storage.folder)
    searcher = open_mapped(folder).searcher()
    try:
        assert mapped_files(folder), "the searcher's files are mapped"
        reader = searcher.reader()
        for text in ("common", "=common", "rare"):
            entry = reader.term_info("content", text)
            assert leaf_postings(reader, "content", entry, None) == public_postings(whoosh_index_dir, text)
        assert list(reader.column_reader("id"))[:2] == ["page-0000", "page-0001"]
    finally:
        searcher.close()
    assert mapped_files(folder) == set(), "closing a searcher unmaps its files"


def test_the_engine_unmaps_the_index_when_closed(tmp_path):
    library = load_library(SEARCH_CONTENT, LANGUAGES)
    build(library, tmp_path / "index")
    engine = WhooshSearchEngine(tmp_path / "index", LANGUAGES)
    assert engine.search(SearchRequest("network", "en"), None).hits
    assert mapped_files(tmp_path / "index")
    engine.close()
    assert mapped_files(tmp_path / "index") == set()


def test_the_codec_calls_of_the_writer_still_exist():
    for owner, names in (
        (whoosh3.W3Codec, ("new_segment", "per_document_writer", "field_writer", "length_stats")),
        (whoosh3.W3PerDocWriter, ("start_doc", "add_field", "add_column_value", "finish_doc", "close")),
        (whoosh3.W3FieldWriter, ("start_field", "start_term", "add", "finish_term", "finish_field", "close")),
        (whoosh3.W3Segment, ("set_doc_count",)),
        (whoosh_index.FileIndex, ("latest_generation",)),
    ):
        for name in names:
            internal(owner, name)
    assert list(inspect.signature(whoosh3.W3FieldWriter.add).parameters) == [
        "self",
        "docnum",
        "weight",
        "vbytes",
        "length",
    ]
    assert list(inspect.signature(whoosh3.W3PerDocWriter.add_field).parameters) == [
        "self",
        "fieldname",
        "fieldobj",
        "value",
        "length",
    ]
    assert list(inspect.signature(TOC.__init__).parameters)[:4] == ["self", "schema", "segments", "generation"]
    internal(whoosh_index, "clean_files")


def index_contents(path: Path) -> dict:
    """Everything a reader sees of an index: its terms with their postings, stored fields, columns."""
    ix = whoosh_index.open_dir(str(path))
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            terms = {(fieldname, text): list(_all(reader, fieldname, text)) for fieldname, text in reader.all_terms()}
            stored = [searcher.stored_fields(docnum) for docnum in range(reader.doc_count_all())]
            columns = {
                name: list(reader.column_reader(name)) for name in ("id", "section", "product", "sequence", "length")
            }
            count = reader.doc_count_all()
        return {"terms": terms, "stored": stored, "columns": columns, "count": count}
    finally:
        ix.close()


def _all(reader, fieldname, text):
    matcher = reader.postings(fieldname, text)
    while matcher.is_active():
        yield matcher.id(), matcher.weight()
        matcher.next()


def test_the_writer_writes_what_whooshs_writer_writes(tmp_path):
    library = load_library(SEARCH_CONTENT, LANGUAGES)
    pages = [indexed_page(page) for page in library.all_pages(["fr"]) if searchable(page)]
    assert len(pages) >= 2
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for path in (ours, theirs):
        path.mkdir()
    ix = whoosh_index.create_in(str(ours), schema("fr"))
    write_segment(ix, ((fields, {"content": terms}) for fields, terms in map(read_document, pages)))
    ix.close()
    ix = whoosh_index.create_in(str(theirs), schema("fr"))
    writer = ix.writer(codec=postings_codec())
    for page in pages:
        # Whoosh analyses the content itself: the analysis done in one pass must give the same terms.
        writer.add_document(**read_document(page)[0])
    writer.commit()
    ix.close()
    assert index_contents(ours) == index_contents(theirs)
    assert not (ours / "MAIN.tmp").exists(), "the codec's scratch folder was left behind"
    assert sorted(path.name for path in ours.glob("*.toc")) == ["_MAIN_1.toc"]


def _write_through_whooshs_field_writer(writer, codec, btext, docnums, weights):
    """What ``store._write_term`` stands for: Whoosh's own calls, one posting at a time."""
    writer.start_term(btext)
    for docnum, weight in zip(docnums, weights, strict=True):
        writer.add(docnum, weight, b"", 0)
    writer.finish_term()


def test_postings_are_written_with_the_bytes_of_whooshs_field_writer(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ix = whoosh_index.create_in(str(scratch), schema("en"))
    codec = postings_codec()
    writer = codec.field_writer(ix.storage, codec.new_segment(ix.storage, ix.indexname))
    for owner, name in ((writer, "_postfile"), (writer, "_tindex"), (writer, "_fieldid")):
        internal(owner, name)
    for name in ("_blocklimit", "_compression"):
        internal(codec, name)
    for name in ("_weight", "_df", "_maxweight", "_minid", "_maxid", "set_extent", "to_bytes"):
        internal(whoosh3.W3TermInfo(), name)
    internal(whoosh3, "WHOOSH3_HEADER_MAGIC")
    writer.close()
    ix.close()
    # Terms in one, a few, exactly a block's worth and several blocks of documents, weights equal or not.
    library = load_library(SEARCH_CONTENT, LANGUAGES)
    page = next(indexed_page(page) for page in library.all_pages(["en"]) if searchable(page))
    pages = [
        page._replace(
            id=f"tutorials/many/{number}",
            title=f"{page.title} alpha{number % 7} beta{number % 128} gamma{number // 128}",
            text=f"{page.text} {'every ' * (1 + number % 3)} delta{number % 2}",
        )
        for number in range(300)
    ]
    written = {}
    for name, write_term in (("ours", store._write_term), ("theirs", _write_through_whooshs_field_writer)):
        monkeypatch.setattr(store, "_write_term", write_term)
        path = tmp_path / name
        path.mkdir()
        ix = whoosh_index.create_in(str(path), schema("en"))
        write_segment(ix, ((fields, {"content": terms}) for fields, terms in map(read_document, pages)))
        ix.close()
        written[name] = {file.suffix: file.read_bytes() for file in path.iterdir() if file.suffix in (".pst", ".trm")}
    assert sorted(written["ours"]) == [".pst", ".trm"]
    assert written["ours"] == written["theirs"]
