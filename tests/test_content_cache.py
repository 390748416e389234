"""The cache of rendered pages: unchanged files are not rendered again, anything else is."""

from __future__ import annotations

import os
import shutil

import pytest

from helpcenter.config import LANGUAGES
from helpcenter.content import cache as cache_module
from helpcenter.content import load_library
from helpcenter.content.cache import RenderCache

from .helpers import TEST_CONTENT


@pytest.fixture
def tree(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    return content


def snapshot(library):
    return sorted((page.lang, page.id, page.title, page.html, page.revision) for page in library.all_pages())


def test_a_second_load_renders_nothing_and_gives_the_same_library(tree, tmp_path, renders):
    first = load_library(tree, LANGUAGES, cache_dir=tmp_path / "cache")
    rendered = len(renders)
    assert rendered == len(first) > 10
    second = load_library(tree, LANGUAGES, cache_dir=tmp_path / "cache")
    assert len(renders) == rendered, "every page came from the cache"
    assert snapshot(second) == snapshot(first)
    assert [str(problem) for problem in second.problems] == [str(problem) for problem in first.problems]
    uncached = load_library(tree, LANGUAGES)
    assert snapshot(uncached) == snapshot(first)


def test_only_changed_and_new_files_are_rendered_again(tree, tmp_path, renders):
    cache = tmp_path / "cache"
    load_library(tree, LANGUAGES, cache_dir=cache)
    renders.clear()
    edited = tree / "en" / "guide" / "first.md"
    edited.write_text(edited.read_text().replace("title: First chapter", "title: First chapter, revised"))
    (tree / "fr" / "guide" / "fourth.md").write_text("---\ntitle: Quatrième\n---\nTexte.\n")
    (tree / "en" / "guide" / "second.md").unlink()
    library = load_library(tree, LANGUAGES, cache_dir=cache)
    assert sorted(renders) == ["en/guide/first", "fr/guide/fourth"]
    assert library.exact("en", "guide/first").title == "First chapter, revised"
    assert library.exact("fr", "guide/fourth").title == "Quatrième"
    assert library.exact("en", "guide/second") is None


def test_a_file_saved_with_the_same_size_and_an_older_time_is_still_seen(tree, tmp_path, renders):
    cache = tmp_path / "cache"
    load_library(tree, LANGUAGES, cache_dir=cache)
    edited = tree / "en" / "guide" / "first.md"
    before = edited.stat()
    edited.write_text(edited.read_text().replace("First chapter", "Tsrif chapter"))
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns - 10**9))
    renders.clear()
    assert load_library(tree, LANGUAGES, cache_dir=cache).exact("en", "guide/first").title == "Tsrif chapter"
    assert renders == ["en/guide/first"]


def test_a_damaged_cache_file_means_rendering_again(tree, tmp_path, renders):
    cache = tmp_path / "cache"
    first = load_library(tree, LANGUAGES, cache_dir=cache)
    [cache_file] = cache.glob("content-*.pickle")
    cache_file.write_bytes(b"not a pickle")
    renders.clear()
    again = load_library(tree, LANGUAGES, cache_dir=cache)
    assert len(renders) == len(first)
    assert snapshot(again) == snapshot(first)
    assert cache_file.read_bytes() != b"not a pickle", "a sound cache is written back"


def test_an_unwritable_cache_folder_never_stops_loading(tree, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    library = load_library(tree, LANGUAGES, cache_dir=blocked / "cache")
    assert library.exact("en", "guide/first") is not None


def test_each_tree_and_set_of_languages_has_its_own_cache(tree, tmp_path):
    cache = tmp_path / "cache"
    assert RenderCache(cache, tree, LANGUAGES).path != RenderCache(cache, tree, ("en", "fr")).path
    assert RenderCache(cache, tree, LANGUAGES).path != RenderCache(cache, TEST_CONTENT, LANGUAGES).path


def test_a_cache_of_other_rendering_code_is_removed_once_a_new_one_is_written(tree, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setattr(cache_module, "rendering_version", lambda: "old")
    load_library(tree, LANGUAGES, cache_dir=cache)
    load_library(TEST_CONTENT, LANGUAGES, cache_dir=cache)
    old, other_tree = RenderCache(cache, tree, LANGUAGES).path, RenderCache(cache, TEST_CONTENT, LANGUAGES).path
    assert old.exists() and other_tree.exists()
    monkeypatch.setattr(cache_module, "rendering_version", lambda: "new")
    load_library(tree, LANGUAGES, cache_dir=cache)
    assert RenderCache(cache, tree, LANGUAGES).path.exists()
    assert not old.exists(), "the tree's cache made by the old code is gone"
    assert other_tree.exists(), "another tree's cache is left alone"


def test_last_modified_moves_when_a_file_is_removed(tree, tmp_path):
    first = load_library(tree, LANGUAGES, cache_dir=tmp_path / "cache")
    folder = tree / "en" / "guide"
    (folder / "second.md").unlink()
    os.utime(folder, ns=(folder.stat().st_atime_ns, int(first.modified.timestamp() + 5) * 10**9))
    later = load_library(tree, LANGUAGES, cache_dir=tmp_path / "cache")
    assert later.modified > first.modified
