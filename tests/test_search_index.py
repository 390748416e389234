"""The index's life: incremental updates, atomic swaps, corruption, concurrent builders."""

import multiprocessing
import os
import shutil
import time
from pathlib import Path

import pytest

from helpcenter.config import LANGUAGES
from helpcenter.content import load_library
from helpcenter.search import IndexBusy, SearchRequest, SearchService, SearchUnavailable, build
from helpcenter.search.store import CURRENT, build_lock, current_generation

from .test_search import SEARCH_CONTENT


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(SEARCH_CONTENT, root)
    return root


@pytest.fixture
def open_service():
    """Open search services over an index folder; all are closed after the test."""
    opened = []

    def open_(index, *, live=False):
        service = SearchService(index, LANGUAGES, "en", live=live)
        opened.append(service)
        return service

    yield open_
    for service in opened:
        service.close()


def load(root):
    return load_library(root, LANGUAGES)


def found(service, root, text, lang="en"):
    return [hit.id for hit in service.search(SearchRequest(text, lang), load(root)).hits]


def write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_updates_touch_only_what_changed(tree, tmp_path):
    index = tmp_path / "index"
    first = build(load(tree), index)
    assert first.full and first.added == 13
    assert not build(load(tree), index).changed, "nothing changed: nothing written"

    write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA zebra stripe pattern.\n")
    added = build(load(tree), index)
    assert (added.full, added.added, added.updated, added.removed) == (False, 1, 0, 0)

    write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA quagga stripe pattern.\n")
    edited = build(load(tree), index)
    assert (edited.added, edited.updated, edited.removed) == (0, 1, 0)

    (tree / "en" / "faq" / "zebra.md").unlink()
    removed = build(load(tree), index)
    assert (removed.added, removed.updated, removed.removed) == (0, 0, 1)


def test_an_update_where_most_pages_changed_writes_every_index_afresh(tree, tmp_path, open_service):
    index = tmp_path / "index"
    build(load(tree), index)
    edited = tree / "en" / "faq" / "reset-password.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA quagga note.\n", encoding="utf-8")
    assert not build(load(tree), index).full, "one page changed: an update"
    for path in sorted(tree.rglob("*.md")):
        path.write_text(path.read_text(encoding="utf-8") + "\nAn okapi note.\n", encoding="utf-8")
    rewritten = build(load(tree), index)
    assert rewritten.full and rewritten.added == 13
    service = open_service(index)
    assert found(service, tree, "quagga") == ["faq/reset-password"]
    assert "faq/reset-password" in found(service, tree, "okapi")


def test_search_follows_edits_additions_and_removals(tree, tmp_path, open_service):
    index = tmp_path / "index"
    build(load(tree), index)
    service = open_service(index, live=True)
    assert found(service, tree, "zebra") == []
    write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA zebra stripe pattern.\n")
    assert found(service, tree, "zebra") == ["faq/zebra"]
    write(tree, "en/faq/zebra.md", "# Crossings\n\nA quagga stripe pattern.\n")
    assert found(service, tree, "zebra") == []
    assert found(service, tree, "quagga") == ["faq/zebra"]
    (tree / "en" / "faq" / "zebra.md").unlink()
    assert found(service, tree, "quagga") == []
    assert "guide/network" in found(service, tree, "network"), "the rest is still there"


def test_the_vocabulary_follows_updates(tree, tmp_path, open_service):
    index = tmp_path / "index"
    build(load(tree), index)
    service = open_service(index, live=True)
    write(tree, "en/faq/zebra.md", "# Zebras\n\nThe xylophone plays.\n")
    assert service.search(SearchRequest("xylophnoe", "en"), load(tree)).suggestion == "xylophone"
    (tree / "en" / "faq" / "zebra.md").unlink()
    assert service.search(SearchRequest("xylophnoe", "en"), load(tree)).suggestion is None


def test_readers_keep_their_generation_until_the_link_moves(tree, tmp_path):
    index = tmp_path / "index"
    build(load(tree), index)
    old = current_generation(index)
    write(tree, "en/faq/zebra.md", "# Zebra\n\nStripes.\n")
    build(load(tree), index)
    new = current_generation(index)
    assert old != new and old.exists(), "the previous generation stays for readers still on it"
    assert os.readlink(index / CURRENT) == new.name


def test_missing_index_is_unavailable_then_rebuilt_in_the_background(tree, tmp_path, open_service):
    service = open_service(tmp_path / "index")
    with pytest.raises(SearchUnavailable):
        service.search(SearchRequest("network", "en"), load(tree))
    service.wait_for_build(30)
    assert "guide/network" in found(service, tree, "network")


def corrupt(generation: Path) -> None:
    for lang in LANGUAGES:
        for path in (generation / lang).iterdir():
            path.write_bytes(b"\x00garbage" * 10)


def test_corrupt_index_is_unavailable_then_rebuilt(tree, tmp_path, open_service):
    index = tmp_path / "index"
    build(load(tree), index)
    corrupt(current_generation(index))
    service = open_service(index)
    with pytest.raises(SearchUnavailable):
        service.search(SearchRequest("network", "en"), load(tree))
    service.wait_for_build(30)
    assert "guide/network" in found(service, tree, "network")


def test_build_replaces_a_corrupt_generation(tree, tmp_path):
    index = tmp_path / "index"
    build(load(tree), index)
    corrupt(current_generation(index))
    report = build(load(tree), index)
    assert report.full


def test_a_builder_that_must_not_wait_gives_way(tmp_path):
    with build_lock(tmp_path, wait=True):
        with pytest.raises(IndexBusy):
            with build_lock(tmp_path, wait=False):
                pass


def _build_in_child(root: str, index: str, queue) -> None:
    report = build(load_library(Path(root), LANGUAGES), Path(index))
    queue.put((report.full, report.changed))


def test_two_processes_building_at_once_build_once(tree, tmp_path, open_service):
    index = tmp_path / "index"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_build_in_child, args=(str(tree), str(index), queue)) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    reports = sorted(queue.get(timeout=5) for _ in children)
    assert reports == [(False, False), (True, True)], "one built, the other found it up to date"
    generations = [path for path in index.iterdir() if path.name.startswith("gen-")]
    assert len(generations) == 1
    service = open_service(index)
    assert "guide/network" in found(service, tree, "network")


def test_workers_pick_up_a_new_generation(tree, tmp_path, open_service):
    index = tmp_path / "index"
    build(load(tree), index)
    service = open_service(index)
    assert found(service, tree, "network")
    write(tree, "en/faq/zebra.md", "# Zebra\n\nStripes.\n")
    build(load(tree), index)  # another process deploys new content
    time.sleep(0.01)
    assert found(service, tree, "stripes") == ["faq/zebra"]


def counting_searches(service, monkeypatch) -> list:
    """The requests the engine itself answers from now on (not those answered from memory)."""
    asked = []
    search = service.engine.search

    def spy(request, text_of):
        asked.append(request)
        return search(request, text_of)

    monkeypatch.setattr(service.engine, "search", spy)
    return asked


def test_a_search_asked_again_is_answered_from_memory_in_one_generation(tree, tmp_path, open_service, monkeypatch):
    index = tmp_path / "index"
    build(load(tree), index)
    service = open_service(index)
    asked = counting_searches(service, monkeypatch)
    request = SearchRequest("network", "en")
    first = service.search(request, load(tree))
    assert service.search(request, load(tree)) is first, "the same library, loaded again, answers alike"
    assert service.search(SearchRequest("network", "fr"), load(tree)).hits
    assert asked == [request, SearchRequest("network", "fr")]

    # A new generation of the same content (a full rebuild): found again, in it.
    build(load(tree), index, full=True)
    again = service.search(request, load(tree))
    assert again is not first and [hit.id for hit in again.hits] == [hit.id for hit in first.hits]
    assert asked[-1] == request and len(asked) == 3

    # Content changed: the new library's search never gets the old library's results.
    write(tree, "en/faq/zebra.md", "# Network zebra\n\nA zebra on the network.\n")
    build(load(tree), index)
    assert "faq/zebra" in [hit.id for hit in service.search(request, load(tree)).hits]
    assert len(asked) == 4


def test_results_kept_for_one_library_are_not_given_for_another(tree, tmp_path, open_service, monkeypatch):
    index = tmp_path / "index"
    build(load(tree), index)
    service = open_service(index)
    asked = counting_searches(service, monkeypatch)
    monkeypatch.setattr(service, "_start_background", lambda library, full: None)  # the index stays as it is
    request = SearchRequest("network", "en")
    service.search(request, load(tree))
    write(tree, "en/faq/zebra.md", "# Zebra\n\nStripes.\n")
    service.search(request, load(tree))
    assert len(asked) == 2, "the snippets come from the library's text"


def test_results_kept_in_memory_are_bounded(tree, tmp_path, monkeypatch):
    index = tmp_path / "index"
    build(load(tree), index)
    service = SearchService(index, LANGUAGES, "en", live=False, kept_results=2)
    try:
        asked = counting_searches(service, monkeypatch)
        library = load(tree)
        for text in ("network", "alert", "storm", "alert", "network"):
            service.search(SearchRequest(text, "en"), library)
        assert [request.text for request in asked] == ["network", "alert", "storm", "network"]
    finally:
        service.close()


def test_a_failed_search_is_not_kept(tree, tmp_path, open_service, monkeypatch):
    index = tmp_path / "index"
    build(load(tree), index)
    service = open_service(index)
    search = service.engine.search
    failures = iter([OSError("a file went missing")])

    def flaky(request, text_of):
        for failure in failures:
            raise failure
        return search(request, text_of)

    monkeypatch.setattr(service.engine, "search", flaky)
    monkeypatch.setattr(service, "_start_background", lambda library, full: None)
    with pytest.raises(SearchUnavailable):
        service.search(SearchRequest("network", "en"), load(tree))
    assert service.search(SearchRequest("network", "en"), load(tree)).hits
