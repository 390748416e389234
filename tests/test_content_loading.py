"""Loading a large tree fast: rendering shared out to several processes, each body rendered with the
Markdown extensions it may use; the library is the same as rendered the slow way."""

from __future__ import annotations

import concurrent.futures
import shutil

import markdown
import pytest

from helpcenter.config import LANGUAGES
from helpcenter.content import load_library, loader, render
from helpcenter.content.render import MarkdownRenderer

from .conftest import PROJECT_CONTENT, TEST_CONTENT


def snapshot(library):
    pages = sorted(
        (page.lang, page.id, page.title, page.html, page.text, page.toc, page.links, page.assets)
        for page in library.all_pages()
    )
    return pages, [str(problem) for problem in library.problems]


def test_many_files_are_rendered_by_several_processes_into_the_same_library(tmp_path, monkeypatch):
    tree = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, tree)
    serial = load_library(tree, LANGUAGES)
    pools = []

    class Pool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pools.append(self)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(loader, "PARALLEL_RENDERING", 1)
    # Other tests may have left threads running in this process; the command that loads a
    # large tree has none.
    monkeypatch.setattr(loader.threading, "active_count", lambda: 1)
    reports = []
    parallel = load_library(tree, LANGUAGES, progress=lambda *report: reports.append(report))
    assert pools, "the files were rendered by a pool of processes"
    assert snapshot(parallel) == snapshot(serial)
    total = reports[-1][1]
    assert reports[0] == (0, total, 0) and reports[-1] == (total, total, total)
    assert [done for done, _, _ in reports] == sorted(done for done, _, _ in reports)


def test_a_cached_load_reports_every_file_loaded_and_none_rendered(tmp_path):
    tree = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, tree)
    load_library(tree, LANGUAGES, cache_dir=tmp_path / "cache")
    reports = []
    load_library(tree, LANGUAGES, cache_dir=tmp_path / "cache", progress=lambda *report: reports.append(report))
    total = reports[-1][1]
    assert reports[-1] == (total, total, 0)


BODIES = [
    "Plain paragraph with `code` and a [link](other.md).",
    "## Heading\n\nText under it.\n\n### Sub-heading\n\nMore.",
    "Title\n=====\n\nSetext heading above.",
    "*[HTML]: Hyper Text Markup Language\n\nThe HTML is here.",
    '!!! note "Careful"\n    An admonition.',
    "A paragraph.\n{: .lead }",
    "Term\n:   Its definition.",
    "```python\nprint('hi')\n```",
    "    indented code block\n    second line",
    "A claim.[^1]\n\n[^1]: The footnote.",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "- [ ] to do\n- [x] done",
    "~~struck~~ and H~2~O",
    "1. first\n2. second\n\n* other\n* list",
    "[TOC]\n\n## One\n\n## Two",
    "Mixed: `{{path}}`, a | pipe, ~home, and {braces}.",
    "Escaped \\*stars\\*, &amp; &copy; entities, *em*, __strong__ and snake_case_words.",
    "A line broken with two spaces  \nthere.",
    "A line broken with a tab\t\nthere.",
    "A line broken before a CRLF  \r\nthere.",
    "Only __strong__ and snake_case_words.",
    "More at <https://example.com/page>, mail <help@example.com>, <b>bold</b> and <!-- a comment -->.",
    "![a picture](../assets/pic.png) and ![ref][pic] and [ref link][doc] and [doc].\n\n[pic]: ../assets/p.png\n[doc]: other.md",
    "Only words here, no mark at all.",
]


def as_python_markdown_renders(body: str) -> str:
    """The HTML of ``body`` from Python-Markdown as it comes, every extension on, links resolved."""
    md = markdown.Markdown(
        extensions=list(render.EXTENSIONS), extension_configs=render._EXTENSION_CONFIGS, output_format="html"
    )
    links = render._LinkResolver(md, frozenset({"en", "fr"}))
    links.lang, links.page_id, links.links, links.assets = "en", "guide/page", [], []
    md.treeprocessors.register(links, "helpcenter_links", 1)
    return md.convert(render.take_title(body)[1])


@pytest.mark.parametrize("body", BODIES)
def test_a_body_renders_as_with_every_extension(body, monkeypatch):
    needed = MarkdownRenderer({"en", "fr"}).render(body, lang="en", page_id="guide/page")
    assert needed.html == render.nh3.clean(
        as_python_markdown_renders(body),
        tags=render._ALLOWED_TAGS,
        attributes=render._ALLOWED_ATTRIBUTES,
        url_schemes=render._URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    monkeypatch.setattr(render, "EXTENSIONS", {name: (lambda _body: True) for name in render.EXTENSIONS})
    assert needed == MarkdownRenderer({"en", "fr"}).render(body, lang="en", page_id="guide/page")


def test_the_shipped_content_renders_as_with_every_extension(monkeypatch):
    needed = snapshot(load_library(PROJECT_CONTENT, LANGUAGES))
    monkeypatch.setattr(render, "EXTENSIONS", {name: (lambda _body: True) for name in render.EXTENSIONS})
    assert snapshot(load_library(PROJECT_CONTENT, LANGUAGES)) == needed
