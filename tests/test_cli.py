"""The ``helpcenter`` commands, run through the app's command group."""

import json
import shutil

from sqlalchemy import inspect

from helpcenter.db import database

from .helpers import TEST_CONTENT


def test_db_upgrade_creates_the_tables(app_factory, tmp_path):
    app = app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'sub' / 'fresh.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    assert "article_feedback" in inspect(database(app).engine).get_table_names()


def test_content_check_reports_problems_with_paths_and_fails(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "en/faq/broken-yaml.md:3: error: front matter is not valid YAML" in result.output
    assert "en/faq/unknown-key.md:4: warning: unknown front-matter key 'colour'" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith("guide/second "))
    assert row.split() == ["guide/second", "ok", "stale", "missing", "missing", "missing", "missing"]


def test_content_check_json(runner):
    result = runner.invoke(args=["content", "check", "--format", "json"])
    report = json.loads(result.output)
    assert report["languages"] == ["en", "fr", "de", "es", "it", "pt"]
    assert report["translations"]["faq/seulement-en-francais"]["fr"] == "orphan"
    assert {"path": "en/faq/broken-yaml.md", "line": 3, "severity": "error"}.items() <= report["problems"][1].items()


def clean_tree(tmp_path):
    root = tmp_path / "content"
    (root / "en" / "guide").mkdir(parents=True)
    (root / "fr" / "guide").mkdir(parents=True)
    (root / "en" / "guide" / "a.md").write_text("---\ntitle: A\n---\nBody one.\n", encoding="utf-8")
    (root / "fr" / "guide" / "a.md").write_text("---\ntitle: A fr\n---\nCorps un.\n", encoding="utf-8")
    return root


def test_missing_and_stale_are_warnings_unless_strict(app_factory, tmp_path):
    root = clean_tree(tmp_path)
    runner = app_factory(CONTENT_DIR=str(root)).test_cli_runner()
    assert runner.invoke(args=["content", "check"]).exit_code == 0
    assert runner.invoke(args=["content", "check", "--strict"]).exit_code == 1


def test_stamp_then_check_gives_ok(app_factory, tmp_path):
    root = clean_tree(tmp_path)
    runner = app_factory(CONTENT_DIR=str(root)).test_cli_runner()
    result = runner.invoke(args=["content", "stamp", str(root / "fr" / "guide" / "a.md")])
    assert result.exit_code == 0, result.output
    assert "stamped" in result.output
    report = json.loads(runner.invoke(args=["content", "check", "--format", "json"]).output)
    assert report["translations"]["guide/a"]["fr"] == "ok"
    (root / "en" / "guide" / "a.md").write_text("---\ntitle: A\n---\nBody one, changed.\n", encoding="utf-8")
    report = json.loads(runner.invoke(args=["content", "check", "--format", "json"]).output)
    assert report["translations"]["guide/a"]["fr"] == "stale"


def test_stamp_refuses_files_without_source_or_outside_content(app_factory, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    runner = app_factory(CONTENT_DIR=str(root)).test_cli_runner()
    orphan = root / "fr" / "faq" / "seulement-en-francais.md"
    result = runner.invoke(args=["content", "stamp", str(orphan)])
    assert result.exit_code == 1 and "no en source" in result.output
    assert "source_revision" not in orphan.read_text(encoding="utf-8")
    outside = tmp_path / "elsewhere.md"
    outside.write_text("# x\n", encoding="utf-8")
    result = runner.invoke(args=["content", "stamp", str(outside)])
    assert result.exit_code == 1 and "not under the content folder" in result.output
