"""Search over a small multilingual tree: analysis per language, queries, typos, fallback."""

import pickle
from pathlib import Path

import pytest

from helpcenter.config import LANGUAGES
from helpcenter.content import load_library
from helpcenter.search import SearchRequest, SearchService, build
from helpcenter.search.analysis import (
    WORD,
    fold,
    index_terms,
    prefix_analyzer,
    stop_term,
    text_analyzer,
    weighted_terms,
    word_terms,
)
from helpcenter.search.typos import allowed_typos, typo_distance

SEARCH_CONTENT = Path(__file__).resolve().parent / "search_content"


@pytest.fixture(scope="module")
def library():
    return load_library(SEARCH_CONTENT, LANGUAGES)


def serving(library, index_dir):
    """A search service over ``library``, its index built in ``index_dir``; closed when done."""
    build(library, index_dir)
    service = SearchService(index_dir, LANGUAGES, "en", live=False)
    yield service
    service.close()


@pytest.fixture(scope="module")
def service(library, tmp_path_factory):
    yield from serving(library, tmp_path_factory.mktemp("index"))


def ids(results):
    return [hit.id for hit in results.hits]


def search(service, library, text, lang="en", **options):
    return service.search(SearchRequest(text, lang, **options), library)


def test_fold_removes_accents_and_ligatures():
    assert fold("Éclair") == "Eclair"
    assert fold("Größe") == "Grosse"
    assert fold("cœur") == "coeur"
    assert fold("notificações") == "notificacoes"


#: Words with what each step of the analysis changes: case, accents, elisions, parts, mnemonics, stops.
TRICKY_WORDS = (
    "L'alerte dell'allerta dev'essere aujourd'hui qu'il node.js x_y.z commit_message [c]reate E[x]tract "
    "don’t Éclair Größe İstanbul ǅemal the les une und einen una um notificações 2.5 e.g Straße"
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_words_are_read_for_the_index_as_the_analyser_reads_them(library, lang):
    words = set(WORD.findall(TRICKY_WORDS))
    for page in library.all_pages([lang]):
        words.update(WORD.findall(f"{page.title} {page.text}"))
    for word in sorted(words):
        lowered = word.lower()
        expected = tuple(token.text for token in text_analyzer(lang)(lowered, mode="index"))
        assert index_terms(lang, lowered) == expected, word


def test_the_words_an_analyser_has_read_are_never_taken_for_another_analysers():
    # Whoosh gives each opened index a schema of its own, unpickled: new analysers, which may be
    # given the address of one freed before. Their terms once came from the freed one's words:
    # an updated page got its title's n-grams as words to search, and its words as prefixes.
    for _ in range(200):
        words = pickle.loads(pickle.dumps(text_analyzer("en")))
        assert "=zebra" in weighted_terms(words, "zebra")
        del words
        prefixes = pickle.loads(pickle.dumps(prefix_analyzer("fr")))
        assert set(weighted_terms(prefixes, "zebra")) == {"ze", "zeb", "zebr", "zebra"}
        del prefixes


@pytest.mark.parametrize("lang", LANGUAGES)
def test_typed_words_are_read_as_the_analyser_reads_them(library, lang):
    words = set(WORD.findall(TRICKY_WORDS)) | {"", "a b", "node.js the", "l'", "c++", "e.g.", "dell'una"}
    for page in library.all_pages([lang]):
        words.update(WORD.findall(f"{page.title} {page.text}"))
    for word in sorted(words | {word.lower() for word in words}):
        terms, stop = [], None
        for token in text_analyzer(lang)(word, mode="query"):
            if token.stop_word:
                stop = stop or token.text
            elif token.text not in terms:
                terms.append(token.text)
        assert (word_terms(lang, word), stop_term(lang, word)) == (tuple(terms), stop), word


@pytest.mark.parametrize(
    "lang, typed, expected",
    [
        ("en", "configured", "guide/network"),  # stemming: configuration
        ("en", "sensor", "guide/network"),  # stemming: sensors
        ("fr", "eclair", "guide/alert-zones"),  # accent folding: éclair
        ("fr", "éclairs", "guide/alert-zones"),  # stem and accents together
        ("fr", "television", "guide/alert-zones"),  # télévisions, folded and stemmed
        ("fr", "l'alerte", "guide/alert-zones"),  # elision
        ("fr", "declenche", "guide/alert-zones"),
        ("it", "citta", "guide/alert-zones"),  # città
        ("it", "allerta", "guide/alert-zones"),  # dell'allerta: Italian elision
        ("it", "fulmine", "guide/alert-zones"),  # fulmini
        ("es", "notificacion", "guide/alert-zones"),  # notificación
        ("es", "notificaciones", "guide/alert-zones"),
        ("pt", "notificacoes", "guide/alert-zones"),  # notificações: pt stemmer, not pt_BR
        ("pt", "notificação", "guide/alert-zones"),
        ("de", "ubersicht", "guide/alert-zones"),  # Übersicht
        ("de", "grosse", "guide/alert-zones"),  # Größe
        ("de", "strasse", "guide/alert-zones"),  # Straße
    ],
)
def test_each_language_finds_stems_and_unaccented_words(service, library, lang, typed, expected):
    results = search(service, library, typed, lang)
    assert expected in ids(results)
    assert results.other_language is None and not results.corrected


def test_stop_words_are_not_terms():
    assert word_terms("en", "the") == ()
    assert word_terms("fr", "les") == ()
    assert word_terms("de", "und") == ()
    assert "=alerte" in word_terms("fr", "l’alerte")


def test_title_outranks_body(service, library):
    assert ids(search(service, library, "network"))[0] == "guide/network"
    assert ids(search(service, library, "widget"))[:2] == [
        "tutorials/widget/install",
        "tutorials/widget/configure",
    ] or ids(search(service, library, "widget"))[:2] == ["tutorials/widget/configure", "tutorials/widget/install"]


def test_all_words_must_match_when_some_page_has_them_all(service, library):
    assert ids(search(service, library, "alert radius widget")) == ["tutorials/widget/configure"]


def test_any_word_ranks_when_no_page_has_them_all(service, library):
    results = search(service, library, "password gadget")
    assert set(ids(results)) == {"faq/reset-password", "tutorials/gadget/setup"}


def test_phrases_need_the_words_together_and_in_order(service, library):
    assert "guide/alert-zones" in ids(search(service, library, '"alert radius"'))
    assert ids(search(service, library, '"all-clear delay"')) == ["guide/alert-zones"]
    reversed_ = search(service, library, '"radius alert"')
    assert "tutorials/widget/configure" not in ids(reversed_)
    assert ids(search(service, library, '"detection network" accuracy')) == ["guide/network"]
    assert ids(search(service, library, '"network detection"')) == [], "the same words in another order"


@pytest.mark.parametrize(
    "text",
    ["C++", "e[x]ecute", 'unclosed "quote', "AND OR NOT", "*", "title:alert~2", "((", '"', "\x00\x1b", "a" * 5000],
)
def test_any_text_is_a_valid_query(service, library, text):
    results = search(service, library, text)
    assert results.total == len(results.hits) <= 10
    assert all(hit.id in library.page_ids for hit in results.hits)


def test_query_syntax_is_searched_as_text(service, library):
    assert "guide/sdk" in ids(search(service, library, "C++ SDK"))
    assert "guide/sdk" in ids(search(service, library, 'e[x]ecute "sample'))


def test_filters_by_section_and_product(service, library):
    assert set(ids(search(service, library, "alert", section="tutorials"))) == {
        "tutorials/widget/install",
        "tutorials/widget/configure",
        "tutorials/gadget/setup",
    }
    assert ids(search(service, library, "alert", section="tutorials", product="gadget")) == ["tutorials/gadget/setup"]
    assert ids(search(service, library, "alert", section="faq")) == []


def test_pagination(service, library):
    first = search(service, library, "alert", per_page=2)
    second = search(service, library, "alert", per_page=2, page=2)
    everything = search(service, library, "alert", per_page=50)
    assert first.total == second.total == everything.total == 4
    assert first.pages == -(-first.total // 2)
    assert ids(first) + ids(second) == ids(everything)[:4]
    assert search(service, library, "alert", per_page=2, page=99).hits == []


def test_snippets_are_escaped_with_marks(service, library):
    [hit] = search(service, library, "configured", section="guide").hits
    assert '<mark class="match term' in hit.snippet_html and "configuration</mark>" in hit.snippet_html
    snippet = search(service, library, "tricks").hits[0].snippet_html
    assert "tricks</mark>" in snippet and "a &lt; b" in snippet and "<script" not in snippet


@pytest.mark.parametrize(
    "word, meant, typos",
    [
        ("netwrok", "network", 1),  # two neighbouring letters swapped
        ("sesnors", "sensors", 1),
        ("senors", "sensors", 1),  # a letter missing
        ("sensorss", "sensors", 1),  # a letter added
        ("sensars", "sensors", 1),  # a letter replaced
        ("confgiuraton", "configuration", 2),  # two typos from 9 letters
    ],
)
def test_typo_tolerance(service, library, word, meant, typos):
    assert typo_distance(word, meant) == typos
    results = search(service, library, word)
    assert "guide/network" in ids(results)
    assert results.corrected
    assert results.suggestion == meant


def test_typos_forgiven_by_length():
    assert [allowed_typos("x" * n) for n in (3, 4, 5, 8, 9, 12)] == [0, 0, 1, 1, 2, 2]


def test_short_words_forgive_no_typo(service, library):
    results = search(service, library, "sdl")  # one typo from "sdk", but only 3 letters
    assert results.total == 0 and results.suggestion is None


def test_two_typos_are_too_many_below_nine_letters(service, library):
    assert search(service, library, "netwkor").total == 0 or not search(service, library, "netwkor").corrected


def test_results_from_other_languages_when_none_in_the_readers(service, library):
    results = search(service, library, "orage", "de")
    assert results.other_language == "fr"
    assert [(hit.id, hit.lang) for hit in results.hits] == [("faq/orage", "fr")]
    password = search(service, library, "password", "de")
    assert password.other_language == "en" and password.hits[0].lang == "en"


def test_as_you_type_matches_the_start_of_the_last_word(service, library):
    assert search(service, library, "install the wid", as_you_type=True).total >= 1
    assert "tutorials/widget/install" in ids(search(service, library, "wid", as_you_type=True))
