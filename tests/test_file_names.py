"""File names of technical documentation (``g++.md``, ``c#.md``, ``[.md``): served at escaped addresses,
or refused with the characters named."""

from __future__ import annotations

import json
import re

import pytest

from helpcenter.content import check_library, load_library, page_url
from helpcenter.content.addresses import refused_characters, url_path

SERVED = {
    # file name (without .md): its address below /en/tutorials/compilers/
    "g++": "g++",
    "c#": "c%23",
    "[": "%5B",
    "100%": "100%25",
    "what is x?": "what%20is%20x%3F",
    "ça-va": "ça-va",
    "mklost+found": "mklost+found",
}
REFUSED = {
    "back\\slash": "'\\' (U+005C REVERSE SOLIDUS)",
    "tab\tname": "U+0009 (a control character)",
    "zero\u200bwidth": "U+200B (ZERO WIDTH SPACE)",
    "hidden\u202eevil": "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    "no\u00a0break": "U+00A0 (NO-BREAK SPACE)",
}


@pytest.fixture
def tree(tmp_path):
    content = tmp_path / "content"
    compilers = content / "en" / "tutorials" / "compilers"
    compilers.mkdir(parents=True)
    (content / "fr").mkdir()
    (compilers / "_index.md").write_text("---\ntitle: Compilers\nsummary: C and C++ compilers.\n---\n")
    for order, name in enumerate(SERVED, start=1):
        (compilers / f"{name}.md").write_text(f"---\norder: {order}\n---\n# The {name} page\n\nAbout {name}.\n")
    for name in REFUSED:
        (compilers / f"{name}.md").write_text(f"# {name}\n")
    (compilers / "links.md").write_text(
        "---\norder: 99\n---\n# Links\n\n"
        "[GNU](g++.md), [C sharp](c%23.md), [bracket](%5B.md), [percent](100%25.md) and [question](what%20is%20x%3F.md).\n"
    )
    return content


def test_names_with_signs_are_pages_whose_addresses_are_escaped(tree):
    library = load_library(tree, ("en", "fr"))
    for name, address in SERVED.items():
        page = library.exact("en", f"tutorials/compilers/{name}")
        assert page is not None and page.title == f"The {name} page", name
        assert page_url("en", page.id) == f"/en/tutorials/compilers/{address}"
    html = library.exact("en", "tutorials/compilers/links").html
    for name in ("g++", "c#", "[", "100%", "what is x?"):
        assert f'href="/en/tutorials/compilers/{SERVED[name]}"' in html, name
    assert [problem for problem in check_library(library) if "links.md" in problem.path] == []


def test_names_no_address_can_carry_are_refused_with_the_characters_named(tree):
    problems = {problem.path: problem for problem in load_library(tree, ("en", "fr")).problems}
    for name, described in REFUSED.items():
        problem = problems[f"en/tutorials/compilers/{name}.md"]
        assert problem.severity == "error"
        assert problem.message == f"its name has characters no web address can carry: {described}; file ignored"
    assert not any("outside the content layout" in problem.message for problem in problems.values())


def test_the_pages_answer_at_their_escaped_addresses_and_every_link_is_escaped(app_factory, tree):
    app = app_factory(CONTENT_DIR=str(tree))
    client = app.test_client()
    for name, address in SERVED.items():
        response = client.get(f"/en/tutorials/compilers/{address}")
        assert response.status_code == 200, name
        assert f'<h1 id="article-title">The {name} page</h1>' in response.get_data(as_text=True), name
    listing = client.get("/en/tutorials/compilers/").get_data(as_text=True)
    for address in SERVED.values():
        assert f'href="/en/tutorials/compilers/{address}"' in listing
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/en/tutorials/compilers/c%23</loc>" in sitemap
    found = json.loads(client.get("/api/v1/search?q=page&per_page=20").get_data())
    urls = {result["id"]: result["url"] for result in found["results"]}
    assert urls["tutorials/compilers/c#"] == "/en/tutorials/compilers/c%23"
    assert urls["tutorials/compilers/what is x?"] == "/en/tutorials/compilers/what%20is%20x%3F"
    vote = client.post(
        "/en/feedback",
        data={"article": "tutorials/compilers/c#", "helpful": "yes"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert vote.headers["Location"] == "/en/tutorials/compilers/c%23#feedback"
    assert client.get("/en/tutorials/compilers/back%5Cslash").status_code == 404


def test_what_is_escaped_and_what_is_refused():
    assert url_path("tutorials/c++/c#") == "tutorials/c++/c%23"
    assert url_path('a b?c%d"e<f>g`h{i}j|k^l[m]n') == "a%20b%3Fc%25d%22e%3Cf%3Eg%60h%7Bi%7Dj%7Ck%5El%5Bm%5Dn"
    assert url_path("éclair/ü") == "éclair/ü", "browsers send other letters escaped in UTF-8 themselves"
    assert refused_characters("g++/c#[]~!$&'()*,;=:@ é") == []
    assert refused_characters("a\nb\\c\u2028") == [
        "U+000A (a control character)",
        "'\\' (U+005C REVERSE SOLIDUS)",
        "U+2028 (LINE SEPARATOR)",
    ]


def test_a_whole_tree_of_such_names_loads_with_no_layout_error(tree):
    # tldr-pages has !.md, $.md, %.md, ((.md, [[.md, {.md and more: every one is a page.
    compilers = tree / "en" / "tutorials" / "compilers"
    for name in ("!", "$", "((", ",", "[[", "]]", "^", "{", "}", "~", "gnu["):
        (compilers / f"{name}.md").write_text(f"# {name}\n")
    library = load_library(tree, ("en", "fr"))
    messages = [problem.message for problem in library.problems]
    assert not any("outside the content layout" in message for message in messages)
    assert len([message for message in messages if "no web address can carry" in message]) == len(REFUSED)
    for name in ("!", "{", "gnu["):
        assert re.fullmatch(r"/en/tutorials/compilers/\S+", page_url("en", f"tutorials/compilers/{name}"))
