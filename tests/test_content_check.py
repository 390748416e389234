"""Editors' tools: the content check, stamping, the translation page, live preview."""

import json
import shutil
import subprocess

import pytest

from .helpers import TESTS

PROBLEMS = TESTS / "problem_content"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def problems_app(app_factory):
    """The app over a tree with one of every problem the check finds."""
    return app_factory(CONTENT_DIR=str(PROBLEMS), index=False)


def test_every_problem_is_reported_with_its_path_and_line(problems_app):
    result = run(problems_app, "content", "check")
    assert result.exit_code == 1
    expected = [
        "en/faq/broken.md:2: error: front matter is not valid YAML",
        "en/faq/unknown.md:3: warning: unknown front-matter key 'colour'",
        "en/faq/untitled.md: error: no title",
        "en/guide/Duplicate.md: error: duplicate slug: en/guide/Duplicate.md, en/guide/duplicate.md",
        "en/guide/links.md:5: error: missing.md: no such article (en/guide/missing.md)",
        "en/guide/links.md:5: error: ../faq/nowhere.md: no such article (en/faq/nowhere.md)",
        "en/guide/links.md:7: error: image ../../assets/present.svg has no alternative text",
        "en/guide/links.md:9: error: ../../assets/absent.png: no such file in content/assets/",
        "en/guide/links.md:9: error: image picture.png is not in content/assets/",
        "en/guide/links.md:11: error: image /assets/present.svg has no alternative text",
        "zz: error: folder is not a configured language",
    ]
    for line in expected:
        assert line in result.output, line
    assert "missing-in-code.md" not in result.output, "code blocks are not links"
    assert "other.md: no such" not in result.output
    rows = {
        line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.startswith(("guide/", "faq/"))
    }
    assert rows["guide/other"][:2] == ["ok", "stale"]
    assert rows["faq/orpheline"][:2] == ["missing", "orphan"]
    assert rows["guide/links"][:2] == ["ok", "missing"]


def test_json_output(problems_app):
    report = json.loads(run(problems_app, "content", "check", "--format", "json").output)
    assert report["translations"]["guide/other"]["fr"] == "stale"
    assert {"path": "en/guide/links.md", "line": 9, "severity": "error"}.items() <= next(
        p for p in report["problems"] if "absent.png" in p["message"]
    ).items()


def test_a_link_to_an_untranslated_article_is_a_warning(app_factory, tmp_path):
    root = tmp_path / "content"
    (root / "en" / "guide").mkdir(parents=True)
    (root / "fr" / "guide").mkdir(parents=True)
    (root / "en" / "guide" / "a.md").write_text("# A\n\nSee [B](b.md).\n", encoding="utf-8")
    (root / "en" / "guide" / "b.md").write_text("# B\n\nB.\n", encoding="utf-8")
    (root / "fr" / "guide" / "a.md").write_text("# A fr\n\nVoir [B](b.md).\n", encoding="utf-8")
    app = app_factory(CONTENT_DIR=str(root), index=False)
    result = run(app, "content", "check")
    assert "fr/guide/a.md:3: warning: b.md: fr/guide/b.md is not translated yet" in result.output
    assert result.exit_code == 0
    assert run(app, "content", "check", "--strict").exit_code == 1


def test_stamp_all_ok_stamps_existing_translations_only(app_factory, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(PROBLEMS, root)
    shutil.rmtree(root / "zz")
    app = app_factory(CONTENT_DIR=str(root), index=False)
    result = run(app, "content", "stamp", "--all-ok")
    report = json.loads(run(app, "content", "check", "--format", "json").output)
    assert report["translations"]["guide/other"]["fr"] == "ok"
    assert report["translations"]["guide/links"]["fr"] == "missing", "never created"
    assert not (root / "fr" / "guide" / "links.md").exists()
    assert "orpheline" in result.output and result.exit_code == 1, "an orphan cannot be stamped, and says so"
    assert run(app, "content", "stamp").exit_code == 2, "nothing named: a usage error"


def test_shipped_content_passes_the_strict_check(demo_app):
    result = run(demo_app, "content", "check", "--strict")
    assert result.exit_code == 0, result.output[-2000:]


def test_live_preview_shows_edits_on_the_next_load_search_included(app_factory, tmp_path):
    root = tmp_path / "content"
    (root / "en" / "guide").mkdir(parents=True)
    page = root / "en" / "guide" / "a.md"
    page.write_text("# First title\n\nAbout zebras.\n", encoding="utf-8")
    app = app_factory(CONTENT_DIR=str(root), DEBUG=True)
    app.extensions["helpcenter.content"].live = True
    app.extensions["helpcenter.content"].interval = 0
    app.extensions["helpcenter.search"].live = True
    client = app.test_client()
    assert "First title" in client.get("/en/guide/a").get_data(as_text=True)
    page.write_text("# Second title\n\nAbout quaggas.\n", encoding="utf-8")
    assert "Second title" in client.get("/en/guide/a").get_data(as_text=True)
    (root / "en" / "guide" / "b.md").write_text("# Added page\n\nNew.\n", encoding="utf-8")
    assert client.get("/en/guide/b").status_code == 200
    found = client.get("/api/v1/search?q=quaggas").get_json()
    assert [item["id"] for item in found["results"]] == ["guide/a"]
    assert client.get("/api/v1/search?q=zebras").get_json()["total"] == 0
    page.unlink()
    assert client.get("/en/guide/a").status_code == 404


def git(root, *args):
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "HOME": str(root),
            "PATH": "/usr/bin:/bin",
        },
    )


def test_translation_page_with_the_diff_of_a_stale_source(app_factory, auth, tmp_path):
    root = tmp_path / "site"
    content = root / "content"
    (content / "en" / "guide").mkdir(parents=True)
    (content / "fr" / "guide").mkdir(parents=True)
    source = content / "en" / "guide" / "a.md"
    source.write_text("---\ntitle: A\n---\nFirst line.\nSecond line.\n", encoding="utf-8")
    (content / "fr" / "guide" / "a.md").write_text("---\ntitle: A fr\n---\nPremière ligne.\n", encoding="utf-8")
    app = app_factory(CONTENT_DIR=str(content), index=False)
    assert run(app, "content", "stamp", str(content / "fr")).exit_code == 0
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    source.write_text("---\ntitle: A\n---\nFirst line.\nSecond line, rewritten.\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "v2")

    app = app_factory(CONTENT_DIR=str(content), index=False)
    client = app.test_client()
    auth.login(client)
    html = client.get("/staff/translations").get_data(as_text=True)
    assert '<td class="translation-stale">' in html and "/staff/translations/fr/guide/a/diff" in html
    assert "guide/a" in client.get("/staff/translations?status=stale&lang=fr").get_data(as_text=True)
    assert "guide/a" not in client.get("/staff/translations?status=missing&lang=fr").get_data(as_text=True)
    diff = client.get("/staff/translations/fr/guide/a/diff").get_data(as_text=True)
    assert '<span class="removed">-Second line.</span>' in diff
    assert '<span class="added">+Second line, rewritten.</span>' in diff


def test_without_history_the_diff_page_says_so(app_factory, auth, tmp_path):
    content = tmp_path / "content"
    (content / "en" / "guide").mkdir(parents=True)
    (content / "fr" / "guide").mkdir(parents=True)
    (content / "en" / "guide" / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    (content / "fr" / "guide" / "a.md").write_text(
        "---\nsource_revision: 0123456789ab\n---\n# A\n\nTexte.\n", encoding="utf-8"
    )
    app = app_factory(CONTENT_DIR=str(content), index=False)
    client = app.test_client()
    auth.login(client)
    page = client.get("/staff/translations/fr/guide/a/diff")
    assert page.status_code == 200 and "earlier version of the source is not known" in page.get_data(as_text=True)
    assert client.get("/staff/translations/fr/guide/nope/diff").status_code == 404
    assert client.get("/staff/translations/en/guide/a/diff").status_code == 404, "only stale translations have one"
