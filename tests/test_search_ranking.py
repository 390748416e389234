"""How results are ordered for the queries people type: lines they remember, stop words,
phrases, words written with marks (``[c]reate``, ``Node.js``), typos, and pages of results.

Over a small tree kept in ``tests/ranking_content``, where each test's pages
compete: the page a query is about must come first although another has its
words more often.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpcenter.config import LANGUAGES
from helpcenter.content import load_library
from helpcenter.search.query import build_query, parse

from .test_search import ids, search, serving

RANKING_CONTENT = Path(__file__).resolve().parent / "ranking_content"


@pytest.fixture(scope="module")
def library():
    return load_library(RANKING_CONTENT, LANGUAGES)


@pytest.fixture(scope="module")
def service(library, tmp_path_factory):
    yield from serving(library, tmp_path_factory.mktemp("ranking-index"))


def test_a_line_remembered_with_a_word_left_out_finds_its_page_first(service, library):
    # beta has "help" and "subcommand" many more times; alpha has the line itself.
    assert ids(search(service, library, "show the help for subcommand"))[0] == "tutorials/tools/alpha"
    assert ids(search(service, library, "help subcommand"))[0] == "tutorials/tools/beta"


def test_the_stop_words_typed_decide_between_pages_with_the_same_words(service, library):
    # delta says "list installed packages" twice; gamma says "list all installed packages".
    assert ids(search(service, library, "list all packages"))[0] == "tutorials/tools/gamma"
    assert ids(search(service, library, "list packages"))[0] == "tutorials/tools/delta"


def test_stop_words_alone_match_nothing_and_never_narrow_a_search(service, library):
    assert search(service, library, "the of and").total == 0
    assert search(service, library, "the zone").total == search(service, library, "zone").total


def test_a_quoted_phrase_wants_its_stop_words_in_their_place(service, library):
    assert ids(search(service, library, '"the alert zone"')) == ["guide/zones"]
    assert ids(search(service, library, '"a zone of"')) == ["guide/zones"]
    assert search(service, library, '"the zone of"').total == 0


def test_letters_in_brackets_are_read_as_the_word(service, library):
    results = search(service, library, "create archive")
    assert ids(results)[0] == "tutorials/tools/archiver"
    assert "[c]reate</mark>" in results.hits[0].snippet_html
    assert ids(search(service, library, "e[x]tract"))[0] == "tutorials/tools/archiver"
    assert not search(service, library, "reate").corrected or "tutorials/tools/archiver" in ids(
        search(service, library, "reate")
    )


def test_a_word_made_of_parts_is_found_by_each_part(service, library):
    assert ids(search(service, library, "node")) == ["tutorials/tools/runtime"]
    assert ids(search(service, library, "node.js")) == ["tutorials/tools/runtime"]
    assert ids(search(service, library, "essere", "it")) == ["guide/zone"]


def test_a_typo_is_searched_as_every_word_as_close(service, library):
    results = search(service, library, "blake")
    assert results.corrected
    assert set(ids(results)) == {"tutorials/tools/b2sum", "tutorials/tools/b3sum"}


def test_a_page_says_what_it_is_about_in_its_first_paragraph(service, library):
    # packer has both words too, in its last line; archiver's first paragraph is "Archiving utility."
    assert ids(search(service, library, "archiving utility"))[0] == "tutorials/tools/archiver"


def test_pages_of_results_never_overlap_when_the_best_are_read_closely(service, library):
    everything = ids(search(service, library, "common widget note", per_page=50))
    assert len(everything) == 36
    pages = [ids(search(service, library, "common widget note", page=number)) for number in range(1, 5)]
    assert [page_id for page in pages for page_id in page] == everything
    # The shortest note says it most, and the closeness of the words typed never reorders past the first pages.
    assert everything[0] == "guide/note-01"


def test_stop_words_typed_are_clauses_that_match_nothing_on_their_own():
    clauses = build_query("en", parse("show the help"))
    assert [(clause.place, clause.required) for clause in clauses] == [(0, True), (1, False), (2, True)]
    assert clauses[1].terms == () and clauses[1].words == frozenset({"the"})


def test_words_typed_next_to_each_other_count_most_as_typed(service, library):
    # Both have each word as typed; getacl has the words more often and is shorter, but next to
    # each other only as "control list"; setacl has "control lists".
    assert ids(search(service, library, "control lists"))[0] == "tutorials/tools/setacl"
    assert ids(search(service, library, "control list"))[0] == "tutorials/tools/getacl"


def test_of_two_summaries_with_every_word_typed_the_one_mostly_made_of_them_comes_first(service, library):
    # unjob is the shorter page and says "jobs" more often in its summary, which goes on to
    # say how to find their numbers; jobs' summary is little else than the words typed.
    assert ids(search(service, library, "jobs scheduled command"))[0] == "tutorials/tools/jobs"
    # A word that only unjob's summary has decides.
    assert ids(search(service, library, "remove jobs scheduled"))[0] == "tutorials/tools/unjob"
