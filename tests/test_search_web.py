"""The search page and ``/api/v1/search``, through the app."""

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from helpcenter.articles.models import SearchCount
from helpcenter.db import database
from helpcenter.library import search_tally
from helpcenter.search import stats
from helpcenter.search.stats import Counts, SearchTally, scrub

from .helpers import SEARCH_CONTENT

RESULT_KEYS = {"id", "lang", "title", "url", "section", "product", "snippet_html", "score"}


@pytest.fixture
def search_app(app_factory):
    """The app over the multilingual tree of the search tests, its index built."""
    return app_factory(CONTENT_DIR=str(SEARCH_CONTENT))


@pytest.fixture
def search_client(search_app):
    """A browser on the search app."""
    return search_app.test_client()


def test_api_answers_as_designed(search_client):
    response = search_client.get("/api/v1/search?q=alert+radius&lang=en&per_page=2")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"query", "lang", "total", "page", "per_page", "suggestion", "results"}
    assert (body["query"], body["lang"], body["page"], body["per_page"]) == ("alert radius", "en", 1, 2)
    assert body["total"] >= 2 and len(body["results"]) == 2
    first = body["results"][0]
    assert set(first) == RESULT_KEYS
    assert first["url"] == "/en/" + first["id"] and first["lang"] == "en"
    assert "<mark" in first["snippet_html"]


def test_api_language_defaults_to_english_and_labels_other_languages(search_client):
    assert search_client.get("/api/v1/search?q=network").get_json()["lang"] == "en"
    body = search_client.get("/api/v1/search?q=orage&lang=it").get_json()
    assert body["lang"] == "it"
    assert [(item["id"], item["lang"], item["url"]) for item in body["results"]] == [
        ("faq/orage", "fr", "/fr/faq/orage")
    ]


def test_api_suggestion_and_filters(search_client):
    body = search_client.get("/api/v1/search?q=netwrok").get_json()
    assert body["suggestion"] == "network" and body["results"][0]["id"] == "guide/network"
    body = search_client.get("/api/v1/search?q=alert&section=tutorials&product=gadget").get_json()
    assert [item["id"] for item in body["results"]] == ["tutorials/gadget/setup"]
    assert body["results"][0]["product"] == "gadget" and body["results"][0]["section"] == "tutorials"


def test_api_empty_query_is_an_empty_answer(search_client):
    body = search_client.get("/api/v1/search?q=").get_json()
    assert body["total"] == 0 and body["results"] == []


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("q=x&lang=xx", "lang"),
        ("q=x&lang=", None),
        ("q=x&section=blog", "section"),
        ("q=x&product=../etc", "product"),
        ("q=x&page=0", "page"),
        ("q=x&page=abc", "page"),
        ("q=x&page=101", "page"),
        ("q=x&per_page=0", "per_page"),
        ("q=x&per_page=51", "per_page"),
        ("q=x&per_page=-1", "per_page"),
        ("q=x&as_you_type=maybe", "as_you_type"),
    ],
)
def test_api_bad_parameters_are_400_with_a_json_error(search_client, query, parameter):
    response = search_client.get(f"/api/v1/search?{query}")
    if parameter is None:
        assert response.status_code == 200  # an empty lang means the default
        return
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["parameter"] == parameter and error["message"]


@pytest.mark.parametrize(
    "text", ["C++", "e[x]ecute", 'unclosed "quote', "%00", "\u202e\u0000", "'; DROP TABLE", "🙂" * 300]
)
def test_api_any_text_is_searchable(search_client, text):
    response = search_client.get("/api/v1/search", query_string={"q": text})
    assert response.status_code == 200
    assert isinstance(response.get_json()["results"], list)


def test_api_unknown_route_is_json(search_client):
    response = search_client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_api_says_unavailable_while_there_is_no_index(app_factory):
    app = app_factory(CONTENT_DIR=str(SEARCH_CONTENT), index=False)
    response = app.test_client().get("/api/v1/search?q=network")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "search_unavailable"
    assert response.headers["Retry-After"]


def test_openapi_document_describes_search(search_client):
    document = search_client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "lang", "section", "product", "page", "per_page"}
    schema = document["components"]["schemas"]["SearchResult"]
    assert set(schema["required"]) == RESULT_KEYS


def test_search_page_shows_ranked_highlighted_results(search_client):
    response = search_client.get("/fr/search?q=eclair")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr"' in html and "Zones d&#39;alerte" in html
    assert "<mark" in html and "1 article trouvé" in html
    assert 'action="/fr/search"' in html


def test_search_page_filters_paginates_and_suggests(search_client):
    html = search_client.get("/en/search?q=alert&per_page=2&section=tutorials").get_data(as_text=True)
    assert "3 articles found" in html
    assert 'rel="next" href="/en/search?q=alert&amp;section=tutorials&amp;page=2"' in html
    assert '<option value="tutorials" selected>' in html
    html = search_client.get("/en/search?q=netwrok").get_data(as_text=True)
    assert 'Did you mean <a href="/en/search?q=network">network</a>?' in html
    assert "Including results for words close to those you typed." in html


def test_search_page_labels_results_from_other_languages(search_client):
    html = search_client.get("/de/search?q=orage").get_data(as_text=True)
    assert "Französisch" in html or "Français" in html
    assert 'href="/fr/faq/orage" hreflang="fr"' in html
    assert '<span class="lang-badge" lang="de">FR' in html


def test_search_page_bad_parameters_are_400(search_client):
    response = search_client.get("/en/search?q=x&section=blog")
    assert response.status_code == 400
    assert "could not be understood" in response.get_data(as_text=True)


def test_search_page_without_index_is_503_not_500(app_factory):
    app = app_factory(CONTENT_DIR=str(SEARCH_CONTENT), index=False)
    response = app.test_client().get("/fr/search?q=orage")
    assert response.status_code == 503
    assert "temporairement indisponible" in response.get_data(as_text=True)


def test_searches_are_counted_without_personal_data(search_app, search_client):
    search_client.get("/en/search?q=quux+frobnicate")
    search_client.get("/en/search?q=Quux++frobnicate")
    search_client.get("/api/v1/search?q=write+to+me+at+jane%40example.org+or+0612345678&lang=fr")
    search_client.get("/en/search?q=network")
    search_client.get("/api/v1/search?q=quu&as_you_type=true")  # still typing: not counted
    with database(search_app).sessions() as session:
        search_tally(search_app).flush()
        rows = {(row.lang, row.query, row.found): row.count for row in session.scalars(select(SearchCount))}
    assert rows == {
        ("en", "quux frobnicate", False): 2,
        ("fr", "write to me at <email> or <number>", False): 1,
        ("en", "network", True): 1,
    }


def test_scrub():
    assert scrub("  Call  +33 6 12 34 56 78 ") == "call +<number>"
    assert scrub("a@b.c") == "<email>"


def test_a_search_never_waits_for_the_counts_to_be_written(monkeypatch):
    written: Counter = Counter()
    writers: set[str] = set()
    done = threading.Event()

    def write(counts: Counts) -> None:
        writers.add(threading.current_thread().name)
        written.update(counts)
        if written.total() == 3:
            done.set()

    monkeypatch.setattr(stats, "FLUSH_EVERY", 3)
    tally = SearchTally(write)
    for query in ("reset password", "Reset  password", "invoice"):
        tally.record("en", query, found=True)
    assert done.wait(5), "the writer thread never wrote the counts"
    assert writers == {"search-counts"}
    assert written == {("en", "reset password", True): 2, ("en", "invoice", True): 1}


def test_counts_a_failed_write_could_not_take_are_kept_for_the_next():
    calls: list[Counts] = []

    def write(counts: Counts) -> None:
        calls.append(dict(counts))
        if len(calls) == 1:
            raise OSError("database away")

    tally = SearchTally(write)
    tally.record("fr", "facture", found=False)
    with pytest.raises(OSError):
        tally.flush()
    tally.record("fr", "facture", found=False)
    tally.flush()
    assert calls[-1] == {("fr", "facture", False): 2}
