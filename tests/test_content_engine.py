"""The content engine on its own: no Flask, a real small tree."""

import datetime as dt

import pytest

from helpcenter.content import (
    MISSING,
    OK,
    ORPHAN,
    STALE,
    FrontMatterError,
    Kind,
    body_revision,
    load_library,
    parse_front_matter,
    split_front_matter,
)
from helpcenter.content.stamp import stamp_text

from .helpers import TEST_CONTENT

LANGUAGES = ("en", "fr", "de", "es", "it", "pt")


@pytest.fixture(scope="module")
def library():
    return load_library(TEST_CONTENT, LANGUAGES)


def problem_for(library, path):
    return [problem for problem in library.problems if problem.path == path]


def test_full_front_matter(library):
    page = library.exact("en", "faq/reset-password")
    assert page.title == "How do I reset my password?"
    assert page.summary == "Use the reset link on the sign-in page."
    assert page.topic == "Account"
    assert page.tags == ("password", "account")
    assert page.updated == dt.date(2026, 10, 1)
    assert page.kind is Kind.ARTICLE and page.section == "faq" and page.slug == "reset-password"


def test_no_front_matter_takes_title_from_first_heading(library):
    page = library.exact("en", "faq/no-front-matter")
    assert page.title == "Why is the sky blue?"
    assert "<h1" not in page.html, "the title heading is removed from the body"
    assert "Rayleigh scattering" in page.html
    assert page.updated is None, "no date is made up for a file without one"


def test_partial_front_matter(library):
    page = library.exact("en", "faq/partial")
    assert page.title == "Where is my invoice?"
    assert page.topic == "Billing"
    assert page.summary == ""


def test_malformed_front_matter_is_reported_with_path_and_skipped(library):
    assert library.exact("en", "faq/broken-yaml") is None
    [problem] = problem_for(library, "en/faq/broken-yaml.md")
    assert problem.severity == "error"
    assert problem.line == 3
    assert "not valid YAML" in problem.message


def test_unknown_keys_and_bad_values_are_warnings(library):
    page = library.exact("en", "faq/unknown-key")
    assert page is not None and page.order is None
    messages = [(p.severity, p.line, p.message) for p in problem_for(library, "en/faq/unknown-key.md")]
    assert ("warning", 4) == messages[0][:2] and "colour" in messages[0][2]
    assert ("warning", 5) == messages[1][:2] and "order" in messages[1][2]


def test_files_off_the_layout_and_unknown_languages_are_reported(library):
    assert problem_for(library, "en/guide/nested/deep.md")[0].severity == "error"
    assert "not a configured language" in problem_for(library, "xx")[0].message
    assert all(page.lang in LANGUAGES for page in library.all_pages())


def test_sections_products_and_home(library):
    assert library.exact("en", "_index").kind is Kind.HOME
    assert library.section("en", "guide").page.title == "Test guide"
    [(slug, product)] = library.products("en")
    assert slug == "widget" and product.page.kind is Kind.PRODUCT and product.page.title == "Widget"


def test_guide_chapters_follow_order(library):
    assert [item.page.id for item in library.articles("en", "guide")] == [
        "guide/first",
        "guide/second",
        "guide/third",
    ]
    previous, following = library.neighbours("en", library.exact("en", "guide/second"))
    assert previous.page.id == "guide/first" and following.page.id == "guide/third"


def test_faq_grouped_by_topic(library):
    topics = [(topic, [item.page.id for item in items]) for topic, items in library.faq_topics("en")]
    assert topics == [
        ("Account", ["faq/reset-password", "faq/script"]),
        ("Billing", ["faq/unknown-key", "faq/partial"]),
        ("Compte", ["faq/seulement-en-francais"]),  # French only: English readers get the fallback
        (None, ["faq/no-front-matter"]),
    ]


def test_relative_links_become_site_urls_in_the_same_language(library):
    html = library.exact("en", "guide/first").html
    assert 'href="/en/guide/second#details"' in html
    assert 'href="/en/faq/reset-password"' in html
    assert 'href="/en/faq/"' in html
    assert 'href="https://example.org/page.md"' in html, "outside links are left alone"
    assert 'src="/assets/diagram.svg"' in html
    assert 'href="/fr/guide/second"' in library.exact("fr", "guide/first").html
    assert library.exact("en", "guide/first").links == ("guide/second", "faq/reset-password", "faq/_index")


def test_rendering_features(library):
    page = library.exact("en", "guide/first")
    assert [(e.level, e.anchor, e.text) for e in page.toc] == [
        (2, "overview", "Overview"),
        (3, "details-of-the-overview", "Details of the overview"),
        (2, "code", "Code"),
    ]
    assert '<h2 id="overview">' in page.html
    assert '<div class="highlight">' in page.html and '<span class="nb">print</span>' in page.html
    assert '<div class="admonition note">' in page.html
    assert "<table>" in page.html and "<td>10 km</td>" in page.html


def test_script_never_survives_rendering(library):
    html = library.exact("en", "faq/script").html
    assert "<script" not in html and "alert(" not in html
    assert "onerror" not in html and "javascript:" not in html and "<iframe" not in html
    assert "Before" in html and "after." in html


def test_fallback_follows_the_chain(library):
    assert not library.resolve("fr", "guide/first").fallback
    third = library.resolve("fr", "guide/third")
    assert third.fallback and third.page.lang == "en"
    assert library.resolve("de", "faq/seulement-en-francais").page.lang == "fr"
    assert library.resolve("en", "guide/missing") is None


def test_translation_status(library):
    assert library.status("guide/first", "en") == OK
    assert library.status("guide/first", "fr") == OK
    assert library.status("guide/second", "fr") == STALE
    assert library.status("guide/third", "fr") == MISSING
    assert library.status("faq/seulement-en-francais", "fr") == ORPHAN
    assert library.translations("guide/first") == ["en", "fr", "de"]


def test_revision_ignores_line_endings_and_surrounding_space():
    assert body_revision("a\nb\n") == body_revision("\r\na\r\nb")
    assert body_revision("a\nb") != body_revision("a\nc")
    assert len(body_revision("x")) == 12


@pytest.mark.parametrize(
    "text, message",
    [
        ("---\ntitle: x\n", "never closed"),
        ("---\n- a\n- b\n---\nbody", "mapping"),
        ("---\nupdated: 2026-02-30\n---\n", "not valid YAML"),
        ("---\ntitle: 'x\n---\n", "not valid YAML"),
    ],
)
def test_broken_front_matter_is_refused(text, message):
    with pytest.raises(FrontMatterError, match=message):
        split_front_matter(text)


def test_front_matter_values_are_checked():
    front = parse_front_matter("---\norder: 2\ntags: a, b\nupdated: '2026-01-05'\nsource_revision: 12\n---\nx")
    assert front.fields == {"order": 2, "tags": ("a", "b"), "updated": dt.date(2026, 1, 5)}
    assert "must be quoted" in front.warnings[0][0]


def test_stamp_adds_replaces_or_creates_the_revision():
    assert stamp_text("---\ntitle: T\n---\nBody\n", "abcdef012345") == (
        "---\ntitle: T\nsource_revision: abcdef012345\n---\nBody\n"
    )
    assert stamp_text("---\nsource_revision: 000000000000\n---\nB", "abcdef012345") == (
        "---\nsource_revision: abcdef012345\n---\nB"
    )
    assert stamp_text("# T\n", "abcdef012345") == "---\nsource_revision: abcdef012345\n---\n# T\n"
    quoted = stamp_text("# T\n", "012345678901")
    assert parse_front_matter(quoted).fields["source_revision"] == "012345678901"


def test_unreadable_files_never_stop_loading(tmp_path):
    (tmp_path / "en" / "faq").mkdir(parents=True)
    (tmp_path / "en" / "faq" / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    (tmp_path / "en" / "faq" / "nul.md").write_bytes(b"# A\x00B\n")
    (tmp_path / "en" / "faq" / "fine.md").write_text("# Fine\n\nText.\n", encoding="utf-8")
    library = load_library(tmp_path, LANGUAGES)
    assert [page.id for page in library.all_pages()] == ["faq/fine"]
    assert {problem.path for problem in library.problems} == {"en/faq/latin1.md", "en/faq/nul.md"}


def test_missing_content_folder_is_a_problem_not_a_crash(tmp_path):
    library = load_library(tmp_path / "absent", LANGUAGES)
    assert len(library) == 0
    assert "does not exist" in library.problems[0].message
