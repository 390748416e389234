"""Updating the index from the files changed since it was built gives exactly the index a full build gives.

Every test edits a copy of the small content tree (assets, broken files, a
folder that is no language, translations), brings one index up to date with
:func:`refresh_index` and builds another from scratch, and compares what the two
hold: every document's stored fields, columns and terms, the vocabularies
and the manifests' documents.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

import helpcenter
from helpcenter.cli import main
from helpcenter.config import LANGUAGES, default_instance_path
from helpcenter.content import load_library
from helpcenter.content.sources import in_path_order, walk_markdown
from helpcenter.db import database
from helpcenter.library import search_service
from helpcenter.search import build, refresh_index
from helpcenter.search.store import (
    CURRENT,
    MANIFEST,
    VOCABULARY,
    current_generation,
    read_manifest,
)

from .helpers import TEST_CONTENT


@pytest.fixture
def tree(tmp_path):
    """A copy of the test content, to edit."""
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    return content


class Loads:
    """The ``load`` a refresh falls back on: the whole library, counted."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.count = 0

    def __call__(self):
        self.count += 1
        return load_library(self.tree, LANGUAGES)


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def held(index_dir: Path) -> dict:
    """Everything the current generation holds, document by document, independent of segments and numbering."""
    generation = current_generation(index_dir)
    manifest = read_manifest(generation)
    languages = {}
    for lang in LANGUAGES:
        ix = whoosh_index.open_dir(str(generation / lang))
        with ix.reader() as reader:
            ids = {docnum: reader.stored_fields(docnum)["id"] for docnum in reader.all_doc_ids()}
            documents = {
                page_id: {
                    "stored": reader.stored_fields(docnum),
                    "columns": {
                        name: reader.column_reader(name)[docnum]
                        for name in ("section", "product", "sequence", "length")
                    },
                    "terms": {},
                }
                for docnum, page_id in ids.items()
            }
            for fieldname, text in reader.all_terms():
                matcher = reader.postings(fieldname, text)
                while matcher.is_active():
                    documents[ids[matcher.id()]]["terms"][(fieldname, text)] = matcher.weight()
                    matcher.next()
        ix.close()
        vocabulary = json.loads((generation / VOCABULARY.format(lang=lang)).read_text(encoding="utf-8"))
        languages[lang] = {"documents": documents, "vocabulary": vocabulary}
    return {"fingerprint": manifest.fingerprint, "digests": manifest.documents, "languages": languages}


def full_build(tree: Path, index_dir: Path) -> dict:
    build(load_library(tree, LANGUAGES), index_dir, full=True)
    return held(index_dir)


def test_an_edit_reads_one_file_and_gives_the_index_of_a_full_build(tree, tmp_path, renders):
    index = tmp_path / "index"
    first = refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    assert first.full
    renders.clear()
    path = tree / "en" / "guide" / "second.md"
    path.write_text(path.read_text() + "\nA paragraph about lightning rods.\n", encoding="utf-8")
    loads = Loads(tree)
    report = refresh_index(tree, LANGUAGES, index, load=loads)
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert loads.count == 0, "the library was not loaded"
    assert renders == ["en/guide/second"], "only the edited file was read"
    assert held(index) == full_build(tree, tmp_path / "full")


@pytest.mark.parametrize(
    "change",
    [
        "add an article",
        "add a translation",
        "remove an article",
        "remove a translation",
        "rename an article",
        "rename a folder",
        "retitle in the front matter",
        "change the summary and tags",
        "change a section's own page",
        "break an article",
        "repair a broken article",
        "replace a picture",
        "add a file in a folder that is no language",
        "add a file off the layout",
        "point a link elsewhere",
        "restore an older copy with the same size and time",
    ],
)
def test_each_kind_of_change_gives_the_index_of_a_full_build(tree, tmp_path, change):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    if change == "add an article":
        write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA zebra stripe pattern.\n")
    elif change == "add a translation":
        write(tree, "de/guide/second.md", "---\ntitle: Zweites Kapitel\n---\nBlitz und Donner.\n")
    elif change == "remove an article":
        (tree / "en" / "guide" / "third.md").unlink()
    elif change == "remove a translation":
        (tree / "fr" / "guide" / "second.md").unlink()
    elif change == "rename an article":
        (tree / "en" / "guide" / "third.md").rename(tree / "en" / "guide" / "fourth.md")
    elif change == "rename a folder":
        (tree / "en" / "tutorials").rename(tree / "en" / "tutorials-old")
        shutil.copytree(tree / "en" / "tutorials-old", tree / "en" / "tutorials" / "renamed", dirs_exist_ok=True)
    elif change == "retitle in the front matter":
        path = tree / "en" / "guide" / "first.md"
        path.write_text(path.read_text().replace("title: First chapter", "title: Opening chapter"), encoding="utf-8")
    elif change == "change the summary and tags":
        path = tree / "en" / "guide" / "first.md"
        text = path.read_text().replace("summary: Where it all starts.", "summary: Thunder.\ntags: [storm, rain]")
        path.write_text(text, encoding="utf-8")
    elif change == "change a section's own page":
        write(tree, "en/guide/_index.md", "---\ntitle: The whole guide\n---\nRead it all.\n")
    elif change == "break an article":
        write(tree, "en/guide/second.md", "---\ntitle: [unclosed\n---\nText.\n")
    elif change == "repair a broken article":
        write(tree, "en/faq/broken-yaml.md", "---\ntitle: Mended\n---\nA mended question.\n")
    elif change == "replace a picture":
        (tree / "assets" / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="3"/>')
    elif change == "add a file in a folder that is no language":
        write(tree, "xx/faq/other.md", "# Other\n\nNot indexed.\n")
    elif change == "add a file off the layout":
        write(tree, "en/guide/nested/deeper.md", "# Deeper\n\nOff the layout.\n")
    elif change == "point a link elsewhere":
        os.symlink("second.md", tree / "en" / "guide" / "linked.md")
        refresh_index(tree, LANGUAGES, index, load=Loads(tree))
        (tree / "en" / "guide" / "linked.md").unlink()
        os.symlink("third.md", tree / "en" / "guide" / "linked.md")
    elif change == "restore an older copy with the same size and time":
        path = tree / "en" / "guide" / "third.md"
        before = path.stat()
        text = path.read_text()
        path.write_text(text.replace("e", "a", 1) if "e" in text else "x" + text[1:], encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_size == before.st_size
    loads = Loads(tree)
    refresh_index(tree, LANGUAGES, index, load=loads)
    assert loads.count == 0, "the changed files alone were read"
    assert held(index) == full_build(tree, tmp_path / "full")


def test_edits_additions_and_removals_in_a_row_keep_giving_the_index_of_a_full_build(tree, tmp_path):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    steps = [
        lambda: write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA zebra stripe pattern.\n"),
        lambda: write(tree, "fr/faq/zebra.md", "# Passages piétons\n\nDes zèbres.\n"),
        lambda: write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA quagga stripe pattern.\n"),
        lambda: (tree / "en" / "faq" / "zebra.md").unlink(),
        lambda: (tree / "en" / "guide" / "first.md").unlink(),
        lambda: write(tree, "en/guide/first.md", "---\ntitle: First again\n---\nBack.\n"),
    ]
    for step in steps:
        step()
        refresh_index(tree, LANGUAGES, index, load=Loads(tree))
        assert held(index) == full_build(tree, tmp_path / "full")


def test_nothing_changed_reads_nothing_and_writes_nothing(tree, tmp_path, renders):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    generation = current_generation(index)
    renders.clear()
    report = refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    assert not report.changed and renders == []
    assert current_generation(index) == generation


def test_a_file_saved_unchanged_is_read_once_then_known(tree, tmp_path, renders):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    generation = current_generation(index)
    path = tree / "en" / "guide" / "first.md"
    path.write_text(path.read_text(), encoding="utf-8")
    renders.clear()
    assert not refresh_index(tree, LANGUAGES, index, load=Loads(tree)).changed
    assert renders == ["en/guide/first"]
    assert current_generation(index) == generation, "the documents are the same: no new generation"
    renders.clear()
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    assert renders == [], "its new stamp was recorded"


def _manifest_path(index: Path) -> Path:
    return current_generation(index) / MANIFEST


def _edit_manifest(index: Path, change) -> None:
    path = _manifest_path(index)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _drop_sources(manifest: dict) -> None:
    del manifest["sources"]


def _garble_sources(manifest: dict) -> None:
    manifest["sources"]["stamps"] = "garbage"


def _foreign_language(manifest: dict) -> None:
    manifest["sources"]["stamps"]["xx/faq/question.md"] = [1, 2, 3, 4]


def _other_rendering(manifest: dict) -> None:
    manifest["sources"]["rendering"] = "0" * 16


def _other_folder(manifest: dict) -> None:
    manifest["sources"]["content_dir"] = "/elsewhere"


def _garble_a_stamp(manifest: dict) -> None:
    manifest["sources"]["stamps"]["en/guide/first.md"] = "garbage"


def _forget_a_file(manifest: dict) -> None:
    del manifest["sources"]["stamps"]["en/guide/first.md"]


def _invent_a_file(manifest: dict) -> None:
    manifest["sources"]["stamps"]["en/guide/ghost.md"] = [1, 2, 3, 4]


def _lose_a_document(manifest: dict) -> None:
    del manifest["documents"]["en"]["guide/third"]


def _change_a_digest(manifest: dict) -> None:
    manifest["documents"]["en"]["guide/third"] = "0" * 16


@pytest.mark.parametrize(
    ("damage", "loaded"),
    [
        (_drop_sources, 1),
        (_garble_sources, 1),
        (_foreign_language, 1),
        (_other_rendering, 1),
        (_other_folder, 1),
        (_garble_a_stamp, 0),
        (_forget_a_file, 0),
        (_invent_a_file, 0),
        (_lose_a_document, 1),
        (_change_a_digest, 1),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_a_missing_or_damaged_record_means_more_work_never_a_wrong_index(tree, tmp_path, damage, loaded):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    (tree / "en" / "guide" / "third.md").unlink()
    write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA zebra stripe pattern.\n")
    _edit_manifest(index, damage)
    loads = Loads(tree)
    refresh_index(tree, LANGUAGES, index, load=loads)
    assert loads.count == loaded
    assert held(index) == full_build(tree, tmp_path / "full")
    loads = Loads(tree)
    refresh_index(tree, LANGUAGES, index, load=loads)
    assert loads.count == 0, "the record is sound again"


def test_an_unreadable_manifest_means_a_full_build(tree, tmp_path):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    _manifest_path(index).write_text("{not json", encoding="utf-8")
    write(tree, "en/faq/zebra.md", "# Zebra\n\nStripes.\n")
    report = refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    assert report.full
    assert held(index) == full_build(tree, tmp_path / "full")


def test_other_languages_or_many_changed_files_load_the_whole_library(tree, tmp_path, monkeypatch):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    loads = Loads(tree)
    refresh_index(tree, ("en", "fr"), index, load=lambda: load_library(tree, ("en", "fr")))
    refresh_index(tree, LANGUAGES, index, load=loads)
    assert loads.count == 1, "a record made for other languages is not used"
    monkeypatch.setattr("helpcenter.search.refresh.MANY_FILES", 1)
    write(tree, "en/faq/zebra.md", "# Zebra\n\nStripes.\n")
    write(tree, "en/faq/okapi.md", "# Okapi\n\nStripes too.\n")
    refresh_index(tree, LANGUAGES, index, load=loads)
    assert loads.count == 2
    assert held(index) == full_build(tree, tmp_path / "full")


def test_full_rebuilds_every_document(tree, tmp_path):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    loads = Loads(tree)
    report = refresh_index(tree, LANGUAGES, index, load=loads, full=True)
    assert report.full and loads.count == 1


def test_an_interrupted_update_leaves_the_previous_generation_serving(tree, tmp_path, monkeypatch):
    index = tmp_path / "index"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    before = held(index)
    generation = current_generation(index)
    write(tree, "en/faq/zebra.md", "# Zebra crossings\n\nA zebra stripe pattern.\n")

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("helpcenter.search.store._update_language", fail)
    with pytest.raises(KeyboardInterrupt):
        refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    monkeypatch.undo()
    assert os.readlink(index / CURRENT) == generation.name
    assert held(index) == before, "the generation being served is untouched"
    refresh_index(tree, LANGUAGES, index, load=Loads(tree))
    assert held(index) == full_build(tree, tmp_path / "full")


def test_the_walk_finds_what_a_load_reads(tree):
    (tree / "en" / ".drafts").mkdir()
    write(tree, "en/.drafts/wip.md", "# Draft\n")
    write(tree, "en/guide/.hidden.md", "# Hidden\n")
    write(tree, "en/assets/notes.md", "# Notes\n")
    write(tree, "en/faq/a/b.md", "# B\n")
    write(tree, "en/faq/a-b.md", "# A-B\n")
    os.symlink(tree / "en" / "guide", tree / "fr" / "linked-guide")
    os.symlink("nowhere.md", tree / "en" / "faq" / "dangling.md")
    files = dict(in_path_order(walk_markdown(tree)[0]))
    paths = list(files)
    assert paths == sorted(paths, key=lambda path: path.split("/")), "sorted as the paths' parts are"
    assert paths.index("en/faq/a/b.md") < paths.index("en/faq/a-b.md")
    assert not any("/." in path or "assets" in path or "linked-guide" in path for path in paths)
    assert files["en/faq/dangling.md"] is None, "a file whose stat fails is there, without a stamp"
    assert "xx/faq/ignored.md" in paths, "a folder that is no language is walked (live preview watches it)"


def test_a_folder_swapped_for_a_link_during_the_walk_is_not_followed(tree, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    write(outside, "secret.md", "# Secret\n")
    guide = tree / "en" / "guide"
    opened = os.open

    def swap_then_open(path, flags, *args, **kwargs):
        # Listed as a folder, replaced by a link before the walk opens it.
        if os.fspath(path) == str(guide) and not guide.is_symlink():
            guide.rename(tmp_path / "moved-guide")
            os.symlink(outside, guide)
        return opened(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", swap_then_open)
    paths = [path for path, _ in walk_markdown(tree)[0]]
    monkeypatch.undo()
    assert guide.is_symlink(), "the folder was swapped during the walk"
    assert any(path.startswith("en/faq/") for path in paths)
    assert not any(path.startswith("en/guide/") for path in paths), "nothing read through the link"


def test_the_content_folder_itself_may_be_a_link(tree, tmp_path):
    link = tmp_path / "content-link"
    os.symlink(tree, link)
    assert sorted(walk_markdown(link)[0]) == sorted(walk_markdown(tree)[0])


def test_the_command_runs_without_building_the_app(tree, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the whole app was built")

    monkeypatch.setattr(helpcenter, "create_app", refuse)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)  # Flask's command group sets it
    environment = {
        "HELPCENTER_CONTENT_DIR": str(tree),
        "HELPCENTER_INDEX_DIR": str(tmp_path / "index"),
        "HELPCENTER_CACHE_DIR": str(tmp_path / "cache"),
    }
    runner = CliRunner()
    result = runner.invoke(main, ["index", "build"], env=environment)
    assert result.exit_code == 0, result.output
    assert "Search indexes built" in result.output
    write(tree, "en/faq/zebra.md", "# Zebra\n\nStripes.\n")
    result = runner.invoke(main, ["index", "build"], env=environment)
    assert "1 added, 0 updated, 0 removed" in result.output
    result = runner.invoke(main, ["index", "build"], env=environment)
    assert "Search indexes are up to date" in result.output
    assert held(tmp_path / "index") == full_build(tree, tmp_path / "full")


def test_the_settings_app_has_the_settings_of_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("HELPCENTER_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("HELPCENTER_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("HELPCENTER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HELPCENTER_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    settings = helpcenter.configured_app({"TESTING": True}).config
    app = helpcenter.create_app({"TESTING": True})
    try:
        # The app only adds to them, and draws a throw-away secret key (tests and commands need none).
        assert [name for name in settings if settings[name] != app.config[name]] == ["SECRET_KEY"]
    finally:
        search_service(app).close()
        database(app).engine.dispose()


def test_the_apps_command_group_builds_the_index_of_the_apps_settings(app_factory, tree, tmp_path):
    app = app_factory(CONTENT_DIR=str(tree), INDEX_DIR=str(tmp_path / "app-index"), index=False)
    result = app.test_cli_runner().invoke(args=["index", "build"])
    assert result.exit_code == 0, result.output
    assert "Search indexes built" in result.output
    assert held(tmp_path / "app-index") == full_build(tree, tmp_path / "full")


def test_the_script_updates_after_an_edit_without_the_web_framework(tree, tmp_path):
    environment = {
        **os.environ,
        "HELPCENTER_CONTENT_DIR": str(tree),
        "HELPCENTER_INDEX_DIR": str(tmp_path / "index"),
        "HELPCENTER_CACHE_DIR": str(tmp_path / "cache"),
        "HELPCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    script = (
        "import sys; sys.argv = ['helpcenter', 'index', 'build']\n"
        "from helpcenter.script import main\n"
        "main()\n"
        "print('framework imported:', 'flask' in sys.modules)\n"
    )

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
        )
        return done.stdout

    # No index yet: the app's command group loads the whole library (and ends the process).
    assert "Search indexes built" in run()
    write(tree, "en/faq/zebra.md", "# Zebra\n\nStripes.\n")
    edited = run()
    assert "1 added, 0 updated, 0 removed" in edited and "framework imported: False" in edited
    assert "Search indexes are up to date" in run()
    assert held(tmp_path / "index") == full_build(tree, tmp_path / "full")


def test_the_instance_folder_without_the_framework_is_the_apps():
    instance = default_instance_path()
    if instance is None:
        pytest.skip("the package is installed: Flask's rule for installed packages applies")
    app = helpcenter.configured_app()
    assert instance == app.instance_path
