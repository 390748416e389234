"""Robustness: generated input for the API, the ticket form, the content loader and every route.

Whatever arrives (a query the document forbids, a form field of 20,000
emoji, a Markdown file of random bytes, ``%2e%2e`` in a URL, a garbled
``Accept-Language``), the site answers with a client error or a page,
never a server error, and never shows a file from outside ``content/``.
"""

from __future__ import annotations

import itertools
import re
import shutil
import unicodedata
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import email_validator
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from helpcenter.content import check_library, load_library
from helpcenter.db import database
from helpcenter.library import content_store, current_library
from helpcenter.outbox.models import OutboxMessage
from helpcenter.search import build
from helpcenter.sla import CATEGORIES, PRIORITIES

from .helpers import PROJECT_CONTENT, TESTS, TICKET_FIELDS, csrf_token

#: No example database in the project, no deadline (a first request warms caches), fixtures built once per test.
FUZZ = settings(
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

#: Text that has broken web apps before: direction marks, emoji, combining marks, look-alikes.
TRICKY = [
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066\u2069",
    "\u061c",
    "שלום",
    "مرحبا",
    "🙂",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "e\u0301",
    "\ufeff",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\x85",
    "\r\n",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "%00",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "'; DROP TABLE ticket; --",
    "../../etc/passwd",
    "ﬃ",
    "İ",
    "ß",
]


def _repeat(piece: str, times: int) -> str:
    return (piece * times)[:20_000]


def hostile_text(max_size: int = 300) -> st.SearchStrategy[str]:
    """Any text (no lone surrogates: form data is UTF-8), tricky pieces, and very long runs."""
    return st.one_of(
        st.text(max_size=max_size),
        st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=5)), max_size=12).map("".join),
        st.builds(_repeat, st.one_of(st.sampled_from(TRICKY), st.text(min_size=1, max_size=8)), st.integers(1, 20_000)),
    )


# ---------------------------------------------------------------------------
# 1. The JSON API against its OpenAPI document


def test_api_answers_as_its_openapi_document_says(app_factory):
    # ``schemathesis.pytest.from_fixture`` reads a private attribute that pytest 9 dropped:
    # the cases are drawn here, from the schema's own strategies, valid and invalid alike.
    app = app_factory(SEARCH_API_LIMIT="100000 per minute")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    assert schema["/api/v1/search"]["GET"]
    cases = st.one_of(schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE))

    @settings(FUZZ, max_examples=200)
    @given(case=cases)
    def call(case):
        response = case.call()
        assert response.status_code < 500, response.text
        # Declared status, declared content type, body valid against the schema, and the
        # parameters' constraints honoured both ways (valid accepted, invalid rejected).
        case.validate_response(response)

    call()


def test_api_rate_limit_answer_is_in_the_document(app_factory):
    app = app_factory(SEARCH_API_LIMIT="2 per minute")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/search"]["GET"]
    case = operation.Case(query={"q": "password"})
    responses = [case.call() for _ in range(3)]
    assert [response.status_code for response in responses] == [200, 200, 429]
    for response in responses:
        case.validate_response(response)
    assert responses[-1].json()["error"]["code"]


def test_api_integral_decimals_are_whole_numbers(app_factory):
    """JSON Schema counts 30.0 as an integer, so the document allows it: the API takes it too."""
    client = app_factory(SEARCH_API_LIMIT="100000 per minute").test_client()
    answer = client.get("/api/v1/search?q=x&per_page=30.0&page=2.").get_json()
    assert (answer["per_page"], answer["page"]) == (30, 2)


@pytest.mark.parametrize(
    "query",
    [
        "page=%C2%B2",
        "per_page=%D9%A3",
        "page=" + "9" * 5000,
        "per_page=1e3",
        "page=-0",
        "product=caf%C3%A9",
        "product=a%0A",
    ],
)
def test_api_odd_numbers_and_products_are_400(app_factory, query):
    """Found by fuzzing: ``"²".isdigit()`` is true but ``int("²")`` fails; so do 5,000 digits."""
    client = app_factory(SEARCH_API_LIMIT="100000 per minute").test_client()
    response = client.get(f"/api/v1/search?q=x&{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"


# ---------------------------------------------------------------------------
# 2. The ticket form

#: Every field of the ticket form.
FORM_FIELDS = tuple(TICKET_FIELDS)
VALID_EMAILS = ["jeanne@example.org", "o'brien+tag@sub.example.com", "ж@пример.рф", "a@b.co"]


def _single_line(value: str) -> str:
    """What a one-line field keeps: control characters and line breaks are spaces, ends trimmed."""
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in value).strip()


def _multi_line(value: str) -> str:
    """What the description keeps: its lines and tabs, no other control characters, ends trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in value if char in "\n\t" or unicodedata.category(char) != "Cc").strip()


def _email_ok(value: str) -> bool:
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


def expected_valid(data: dict[str, str], products: set[str]) -> bool:
    """Whether the form must accept ``data``: the rules its labels and hints promise."""

    def get(name: str) -> str:
        return data.get(name, "")

    subject, name, email = _single_line(get("subject")), _single_line(get("name")), _single_line(get("email"))
    description = _multi_line(get("description"))
    category = get("category")
    return (
        category in CATEGORIES
        and get("product") in products | {""}
        and 0 < len(subject) <= 200
        and 10 <= len(description) <= 10_000
        and 0 < len(name) <= 120
        and 0 < len(email) <= 254
        and _email_ok(email)
        and len(_single_line(get("company"))) <= 200
        and len(_single_line(get("contract"))) <= 64
        and (category != "technical" or get("impact") in PRIORITIES)
        and get("language") in ("fr", "en")
    )


def ticket_forms(products: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """A form as a person would fill it (tricky but mostly valid text),
    then a few fields replaced by anything or left out."""
    tricky = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(min_size=1, max_size=5)), min_size=1, max_size=8).map(
        "".join
    )
    subjects = st.one_of(
        st.sampled_from(["Alerts stopped arriving", "  Spaces around  ", "Ошибка карты", "خطأ في الخريطة 🙂"]),
        tricky,
        st.text(min_size=1, max_size=200),
    )
    filled = {
        "category": st.sampled_from(CATEGORIES),
        "product": st.sampled_from(["", *products]),
        "subject": subjects,
        "description": st.one_of(
            st.just("Since yesterday no SMS alert reaches my phone."),
            st.tuples(subjects, subjects).map(lambda pair: f"{pair[0]}\r\n\r\n{pair[1]} — since Monday"),
            st.text(min_size=10, max_size=600),
            st.builds(_repeat, st.sampled_from(TRICKY + ["🙂 ok "]), st.integers(10, 10_000)),
        ),
        "name": st.one_of(
            st.sampled_from(["Jeanne Martin", "\u200fנועה כהן\u200f", "José 🙂"]),
            tricky,
            st.text(min_size=1, max_size=120),
        ),
        "email": st.one_of(st.sampled_from(VALID_EMAILS), st.emails().filter(lambda email: len(email) <= 254)),
        "company": st.one_of(st.just(""), st.just("Stade de Lyon"), tricky),
        "contract": st.sampled_from(["", "GOLD-0001", " gold-0001 ", "inconnu"]),
        "impact": st.sampled_from(PRIORITIES),
        "language": st.sampled_from(["fr", "en"]),
        "website": st.just(""),
        "suggestions_seen": st.sampled_from(["1", ""]),
    }
    # None: the field is not sent at all.
    changes = st.dictionaries(st.sampled_from(FORM_FIELDS), st.one_of(st.none(), hostile_text()), max_size=4)

    def merge(parts: tuple[dict, dict]) -> dict[str, str]:
        form, changed = parts
        form = {**form, **changed}
        return {key: value for key, value in form.items() if value is not None}

    return st.tuples(st.fixed_dictionaries(filled), changes).map(merge)


def test_ticket_form_never_fails_on_any_text(app_factory):
    app = app_factory(CONTENT_DIR=str(PROJECT_CONTENT), TICKET_LIMIT="100000 per minute")
    with app.app_context():
        products = sorted(slug for slug, _product in current_library().products("en"))
    limit = app.config["MAX_CONTENT_LENGTH"]

    @settings(FUZZ, max_examples=150)
    @given(data=ticket_forms(products))
    def post(data):
        client = app.test_client()
        token = csrf_token(client.get("/en/tickets/new").get_data(as_text=True))
        response = client.post("/en/tickets/new", data={"csrf_token": token, **data})
        status = response.status_code
        assert status < 500, response.get_data(as_text=True)[:2000]
        if len(urlencode({"csrf_token": token, **data})) > limit:
            assert status == 413
            return
        valid = expected_valid(data, set(products))
        honeypot = bool(data.get("website"))
        if status == 303:
            assert valid and not honeypot, data
            assert re.match(r"^/en/tickets/HC-\d{4}-\d{6}\?token=[\w-]+$", response.headers["Location"])
        elif status == 200:
            # The interstitial of suggested articles, before a first valid submit.
            assert valid and not honeypot and not data.get("suggestions_seen"), data
            assert "Before you send your ticket" in response.get_data(as_text=True)
        else:
            assert status == 400, (status, data)
            assert not valid or honeypot, data

    post()


#: A valid general question (the rest of the form as in ``helpers.TICKET_FIELDS``).
GENERAL_QUESTION = {
    "category": "general",
    "subject": "A question",
    "description": "How do I export my data every night?",
}


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "   "},
        {"name": "\t"},
        {"description": " " * 40},
        {"description": "\x00" * 40},
        {"subject": "\u2028\u2029\x85"},
        {"product": " "},
        {"product": "\r"},
    ],
)
def test_ticket_form_blank_fields_are_refused(demo_client, ticket_form, changes):
    """Found by fuzzing: spaces passed ``InputRequired`` (a ticket with an empty subject), and
    ``Optional()`` ended the product's checks before ``validate_product`` (a product " ")."""
    data = ticket_form(demo_client, **{**GENERAL_QUESTION, **changes})
    assert demo_client.post("/en/tickets/new", data=data).status_code == 400


def test_ticket_fields_become_single_lines_fit_for_mail_headers(demo_app, demo_client, ticket_form):
    """Found by fuzzing: a line break in the subject went into the helpdesk mail's Subject header."""
    data = ticket_form(
        demo_client,
        category="general",
        subject="Line one\r\nBcc: victim@example.org\u2028\x00 end",
        description="Line one\r\nline two\x00\x1b, and the end.",
        name="Jeanne\nMartin",
    )
    assert demo_client.post("/en/tickets/new", data=data).status_code == 303
    with database(demo_app).sessions() as session:
        subjects = session.scalars(select(OutboxMessage.subject)).all()
        bodies = session.scalars(select(OutboxMessage.body)).all()
    assert subjects
    for subject in subjects:
        EmailMessage()["Subject"] = subject  # raises on a line break
    assert any("Line one\nline two, and the end." in body for body in bodies)


# ---------------------------------------------------------------------------
# 3. The content loader


LAYOUT_IDS = [
    "_index",
    "faq/_index",
    "faq/question",
    "faq/other-question",
    "guide/_index",
    "guide/chapter",
    "guide/chapitre-é",
    "tutorials/_index",
    "tutorials/gadget/_index",
    "tutorials/gadget/setup",
    "tutorials/ガジェット/設定",
]
OFF_LAYOUT_IDS = [
    "blog/post",
    "faq/deep/er",
    "guide/.hidden-dir/x",
    "guide/a b",
    "tutorials/gadget/x/y",
    "faq/-dash",
    "index",
]

YAML_VALUES = [
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/object:helpcenter.config.ConfigError {}",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!timestamp 2026-02-30",
    "!!float .nan",
    "!!int 0x" + "f" * 50,
    "!!set {a, b}",
    "!!omap [a: 1]",
    "9" * 5000,
    "1e99999",
    "-.inf",
    "0000-01-01",
    "9999-12-31T23:59:59.999999+14:00",
    "2026-02-30",
    "99999-01-01",
    "[" * 600 + "]" * 600,
    "{a: " * 400 + "1" + "}" * 400,
    "- " * 300 + "x",
    "&a [*a]",
    "*undefined",
    "'unclosed",
    '"\\x00 \\ud800"',
    "|\n  block\n  text",
    "~",
    "true",
    "[a, [b, [c]], {d: e}]",
    "{? [1, 2] : x}",
    "\x00",
    "a: b: c",
]


def front_matters() -> st.SearchStrategy[str]:
    key = st.one_of(
        st.sampled_from(["title", "summary", "order", "tags", "topic", "updated", "source_revision"]),
        st.text(max_size=10),
    )
    value = st.one_of(st.sampled_from(YAML_VALUES), st.text(max_size=50), st.integers().map(str))
    entry = st.tuples(key, value).map(lambda pair: f"{pair[0]}: {pair[1]}")
    block = st.one_of(st.lists(entry, max_size=8).map("\n".join), st.text(max_size=200))
    closing = st.sampled_from(["---", "...", "--- ", ""])
    return st.tuples(block, closing).map(lambda parts: f"---\n{parts[0]}\n{parts[1]}\n")


MARKDOWN = [
    "# Title\n\nText with [a link](other.md) and ![](../assets/x.png).",
    "[x](http://[broken) [y](//[::1) [z](http://ex%ample.com) [w](http://a\uff0fb.example)",
    "![alt](http://[x)",
    '<img src="http://[x" alt="">',
    "> " * 400 + "deep",
    "- " * 400 + "deep",
    "*" * 5000,
    "[" * 300 + "](" * 300,
    "```python\n" + "x" * 1000 + "\n",
    "| a | b |\n|---|---|\n" + "| 1 |\n" * 50,
    "<script>alert(1)</script><iframe src=x>",
    "[^1]\n\n[^1]: " + "[^1] " * 50,
    "*[HTML]: Hyper\n\nHTML " * 20,
    "## " + "#" * 500,
    "!!! note\n    " + "!!! note\n        " * 30,
    "- [x] " * 100,
    "~~" * 1000,
    "\ufeff\u202e# RTL title",
    "[../../../../etc/passwd](../../../../etc/passwd)",
    "[x](../../fr/faq/question.md#a) [y](../../assets/) [z](/assets/)",
]


def markdown_bodies() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(MARKDOWN),
        st.text(max_size=300),
        st.lists(st.sampled_from(MARKDOWN), max_size=4).map("\n\n".join),
    )


def file_contents() -> st.SearchStrategy[bytes]:
    text = st.tuples(st.one_of(st.just(""), front_matters()), markdown_bodies()).map("".join)
    encoding = st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "crlf", "crlf", "utf-16", "latin-1"])
    encoded = st.tuples(text, encoding).map(_encode)
    return st.one_of(
        encoded,
        encoded,
        encoded,
        st.binary(max_size=300),
        st.binary(max_size=50).map(lambda raw: b"---\ntitle: x\n---\n" + raw),
    )


def _encode(pair: tuple[str, str]) -> bytes:
    text, encoding = pair
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    return text.encode(encoding, "surrogatepass") if encoding.startswith("utf") else text.encode(encoding, "replace")


def content_files() -> st.SearchStrategy[dict[tuple[str, str], bytes]]:
    page_id = st.one_of(
        st.sampled_from(LAYOUT_IDS),
        st.sampled_from(LAYOUT_IDS),
        st.sampled_from(LAYOUT_IDS),
        st.sampled_from(OFF_LAYOUT_IDS),
    )
    place = st.tuples(st.sampled_from(["en", "en", "en", "fr", "fr", "de", "xx"]), page_id)
    return st.dictionaries(place, file_contents(), min_size=1, max_size=6)


def write_tree(root: Path, files: dict[tuple[str, str], bytes]) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "x.png").write_bytes(b"\x89PNG")
    for (lang, page_id), raw in files.items():
        path = root / lang / f"{page_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)


def assert_every_file_accounted_for(library, files) -> None:
    """Each file is a page or, with its path, a problem (its folder's, for another language)."""
    problem_paths = {problem.path for problem in library.problems if problem.severity == "error"}
    for lang, page_id in files:
        if any(part.startswith(".") for part in page_id.split("/")):
            continue  # hidden folders (.git, an editor's) are not content, by design
        if lang not in library.languages:
            assert lang in problem_paths, (lang, library.problems)
        elif library.exact(lang, page_id) is None:
            assert f"{lang}/{page_id}.md" in problem_paths, (lang, page_id, library.problems)


def test_content_loader_never_raises(tmp_path):
    root = tmp_path / "content"

    @settings(FUZZ, max_examples=200)
    @given(files=content_files())
    def load(files):
        write_tree(root, files)
        library = load_library(root, ("en", "fr"))
        assert_every_file_accounted_for(library, files)
        problems = check_library(library)
        assert all(problem.path for problem in problems)
        for page in library.all_pages():
            assert isinstance(page.title, str) and page.title
            assert "<script" not in page.html

    load()


@pytest.mark.parametrize(
    "text",
    [
        "---\ntags: " + "[" * 1000 + "]" * 1000 + "\n---\n# Deep",
        "---\ntitle: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n---\n# Deep",
        "---\ntags:\n" + "".join("  " * depth + "-\n" for depth in range(1, 1000)) + "---\n# Deep",
    ],
)
def test_deeply_nested_front_matter_is_a_problem_not_a_crash(tmp_path, text):
    """Found by fuzzing: PyYAML recurses once per level and raised RecursionError."""
    (tmp_path / "en" / "faq").mkdir(parents=True)
    (tmp_path / "en" / "faq" / "deep.md").write_text(text, encoding="utf-8")
    library = load_library(tmp_path, ("en",))
    assert library.exact("en", "faq/deep") is None
    assert [problem.path for problem in library.problems] == ["en/faq/deep.md"]


@pytest.mark.parametrize("target", ["http://[broken", "//[::1", "http://a\uff0fb.example/", "https://[x"])
def test_a_malformed_link_is_left_alone_not_a_dropped_page(tmp_path, target):
    """Found by fuzzing: ``urlsplit`` raises ValueError on these; the page was skipped and the check crashed."""
    (tmp_path / "en" / "faq").mkdir(parents=True)
    (tmp_path / "en" / "faq" / "link.md").write_text(
        f"# Link\n\n[a link]({target}) ![image]({target})\n", encoding="utf-8"
    )
    library = load_library(tmp_path, ("en",))
    assert library.exact("en", "faq/link") is not None, library.problems
    check_library(library)


def test_the_site_serves_any_content_tree(app_factory, auth, tmp_path):
    root = tmp_path / "content"
    write_tree(root, {("en", "_index"): b"# Home\n"})
    app = app_factory(CONTENT_DIR=str(root), index=False)
    store = content_store(app)
    index_dir = tmp_path / "index"
    staff = app.test_client()
    assert auth.login(staff).status_code in (302, 303)

    @settings(FUZZ, max_examples=60)
    @given(files=content_files())
    def serve(files):
        write_tree(root, files)
        library = store.load()
        # A full build each time: Hypothesis seeds ``random`` alike for every example, so
        # Whoosh (which names segments with it) would reuse a segment name across the hard
        # links of an incremental update and overwrite the live generation's files.
        shutil.rmtree(index_dir, ignore_errors=True)
        build(library, index_dir)
        client = app.test_client()
        urls = {
            "/en/",
            "/fr/",
            "/de/",
            "/en/faq/",
            "/en/guide/",
            "/en/tutorials/",
            "/sitemap.xml",
            "/en/search?q=title",
        }
        for lang, page_id in files:
            urls.add(f"/{lang}/{page_id.removesuffix('_index')}")
            urls.add(f"/en/{page_id}")
        for url in sorted(urls):
            assert _check(client, url, {}) < 500, url
        # The editors' views read every page and every problem.
        for url in ("/staff/reports/content", "/staff/translations"):
            assert _check(staff, url, {}) == 200, url

    serve()


# ---------------------------------------------------------------------------
# 4. Paths and headers on every route

HOSTILE_SEGMENTS = [
    "..",
    ".",
    "%2e%2e",
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
    "..%5c..%5c..%5cetc%5cpasswd",
    "%252e%252e%252f",
    "%2f",
    "\\",
    "..\\..\\config.py",
    "%00",
    "x%00.md",
    "%ff%fe",
    "%",
    "%zz",
    "x" * 5000,
    "é",
    "%C3%A9",
    "\u202e\u200f",
    "🙂",
    "_index",
    "-",
    "~",
    "CON",
    "%0d%0aSet-Cookie:%20x=1",
    "<script>",
    "..;",
    "%3Cx%3E",
]
PATH_SEGMENTS = [
    "../../../../../../etc/passwd",
    "..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "../../helpcenter/config.py",
    "../../pyproject.toml",
    "../../../tests/conftest.py",
    "C:\\Windows\\win.ini",
    "x/../../../../etc/passwd",
    "diagram.svg%00.png",
]
ODD_HEADERS = [
    {},
    {"Accept-Language": "*;q=x, ../../etc"},
    {"Accept-Language": ",".join(f"x{i};q=0.{i % 10}" for i in range(5000))},
    {"Accept-Language": "fr-CA;q=1e999, de;q=-1, en;q=nan, ;;;,,,"},
    {"Accept-Language": "\u00e9\u00e8;q=1"},
    {"Cookie": "hc_lang=../../x"},
    {"Cookie": "hc_lang=" + "x" * 3000 + "; session=garbage.garbage.garbage"},
    {"Cookie": "session=" + "%" * 500},
    {"Host": "evil.example"},
    {"Host": "localhost:99999"},
    {"Host": "[::1"},
    {"Host": "a" * 300},
    {"Host": "localhost", "X-Forwarded-Host": "../../x", "X-Forwarded-For": "not-an-ip", "X-Forwarded-Proto": "gopher"},
    {"Accept": "application/json;q=x", "Accept-Encoding": "\x7f"},
    {"If-Modified-Since": "yesterday", "If-None-Match": "*", "Range": "bytes=99999999-"},
    {"Range": "bytes=-1,0-0,5-2", "If-Range": "nope"},
    {"Content-Length": "abc", "Transfer-Encoding": "chunked"},
    {"Referer": "javascript:alert(1)", "User-Agent": "\u0000" * 10},
]
#: What would show that a file outside ``content/`` was served.
LEAKS = ["root:x:", "SECRET_KEY", "[build-system]", "def create_app", "test-secret"]


def _urls(rule: str) -> list[str]:
    """The rule's path with its placeholders filled with hostile values (and a real language)."""
    placeholders = re.findall(r"<([^>]+)>", rule)
    if not placeholders:
        return [rule]
    urls = []
    for value in HOSTILE_SEGMENTS + PATH_SEGMENTS:
        for languages in ("en", None):
            url = rule
            for placeholder in placeholders:
                converter = placeholder.split(":")[0] if ":" in placeholder else ""
                if converter != "path" and value in PATH_SEGMENTS:
                    filler = value.replace("/", "%2f")
                else:
                    filler = value
                if converter == "lang" and languages:
                    filler = languages
                url = url.replace(f"<{placeholder}>", filler, 1)
            urls.append(url)
    return sorted(set(urls))


def _check(client, url: str, headers: dict) -> int:
    """GET ``url``: no server error, nothing from outside ``content/``; returns the status."""
    with client.get(url, headers=headers) as response:
        assert response.status_code < 500, (url, headers, response.status_code)
        body = response.get_data()
        for leak in LEAKS:
            assert leak.encode() not in body, (url, headers, leak)
        return response.status_code


def test_every_route_survives_hostile_paths_and_headers(app, auth):
    anonymous = app.test_client()
    staff = app.test_client()
    assert auth.login(staff).status_code in (302, 303)
    headers = itertools.cycle(ODD_HEADERS)
    queries = itertools.cycle(
        ["", "?next=//evil.example&lang=../../x&q=%00&page=%C2%B2&subject=%0d%0a&article=../../../etc/passwd&token=%ff"]
    )
    seen = 0
    for rule in app.url_map.iter_rules():
        client = staff if rule.rule.startswith("/staff") else anonymous
        for url in _urls(rule.rule):
            _check(client, url + next(queries), next(headers))
            seen += 1
    assert seen > 500
    # Every odd header on the pages that read them most.
    for url in (
        "/",
        "/en/",
        "/en/faq/reset-password",
        "/en/search?q=password",
        "/api/v1/search?q=password",
        "/sitemap.xml",
        "/robots.txt",
        "/assets/diagram.svg",
        "/static/site.css",
        "/staff/",
        "/language/fr?next=/en/",
    ):
        for sent in ODD_HEADERS:
            _check(anonymous, url, sent)
            _check(staff, url, sent)


@pytest.mark.parametrize("host", ["a" * 300, "xn--" + "a" * 70 + ".example", "bad host", "[::1", "localhost:99999"])
def test_a_malformed_host_is_a_client_error_not_a_crash(app_factory, host):
    """Found by fuzzing: with a Host no URL can be built for, the error page's ``url_for`` failed.

    The WSGI app is called directly: the test client itself cannot decode some of these hosts.
    """
    app = app_factory(index=False)
    for url in ("/", "/en/", "/en/nothing", "/api/v1/nothing", "/sitemap.xml", "/en/tickets/new"):
        environ = EnvironBuilder(path=url, headers={"Host": host}).get_environ()
        body, status, _headers = run_wsgi_app(app, environ, buffered=True)
        assert int(status.split()[0]) < 500, (host, url, status)
        assert not any(leak.encode() in b"".join(body) for leak in LEAKS)


def test_assets_and_static_files_stay_in_their_folders(client):
    assert _check(client, "/assets/diagram.svg", {}) == 200
    for prefix in ("/assets/", "/static/"):
        for path in PATH_SEGMENTS:
            # 308: "//etc/passwd" is first redirected to "/etc/passwd", in the same folder.
            assert _check(client, prefix + path, {}) in (400, 404, 308), prefix + path
    assert (TESTS / "content" / "assets" / "diagram.svg").is_file()
