"""HTTP caching: validators and 304 answers, kept pages, fingerprinted static files, compression."""

from __future__ import annotations

import gzip
import re
import shutil

import pytest
from sqlalchemy import select

from helpcenter.articles.models import SearchCount
from helpcenter.config import ConfigError, settings_from_env
from helpcenter.db import database
from helpcenter.library import content_store, search_service, search_tally
from helpcenter.search import build

from .helpers import TEST_CONTENT

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
PAGES = ["/en/", "/en/guide/", "/en/faq/", "/en/tutorials/", "/en/tutorials/widget/", "/en/guide/first", "/fr/contact"]


def count_calls(app, endpoint):
    """Wrap a view so that the test sees how often Flask itself ran it."""
    calls = []
    view = app.view_functions[endpoint]

    def counted(**kwargs):
        calls.append(kwargs)
        return view(**kwargs)

    app.view_functions[endpoint] = counted
    return calls


def count_renders(monkeypatch, module):
    renders = []
    original = module.render_template

    def render(*args, **kwargs):
        renders.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "render_template", render)
    return renders


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_validators_and_a_short_public_lifetime(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert re.fullmatch(r'"[0-9a-f]{24}"', response.headers["ETag"])
    assert response.headers["Last-Modified"].endswith(" GMT")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert set(response.headers["Vary"].replace(" ", "").split(",")) >= {"Cookie", "Accept-Encoding"}
    again = client.get(path)
    assert again.headers["ETag"] == response.headers["ETag"], "the same page has the same validator"


@pytest.mark.parametrize("path", PAGES)
def test_revalidation_is_answered_304_without_rendering(app, client, monkeypatch, path):
    from helpcenter.articles import routes

    first = client.get(path)
    renders = count_renders(monkeypatch, routes)
    by_etag = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert by_etag.status_code == 304
    assert by_etag.get_data() == b""
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    by_date = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    assert renders == []
    stale = client.get(path, headers={"If-None-Match": '"0123456789abcdef01234567"'})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()
    older = client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200


def test_a_changed_article_gets_a_new_validator_and_body(app_factory, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    app = app_factory(CONTENT_DIR=str(content), index=False)
    client = app.test_client()
    before = client.get("/en/guide/first")
    path = content / "en" / "guide" / "first.md"
    path.write_text(path.read_text().replace("title: First chapter", "title: First chapter, revised"))
    content_store(app).load()
    after = client.get("/en/guide/first", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "First chapter, revised" in after.get_data(as_text=True)


def test_anonymous_readers_are_answered_before_flask_and_others_by_the_kept_page(app, client, monkeypatch):
    from helpcenter.articles import routes

    calls = count_calls(app, "articles.chapter")
    renders = count_renders(monkeypatch, routes)
    first = client.get("/en/guide/first")
    second = app.test_client().get("/en/guide/first")
    assert (len(calls), renders) == (1, ["articles/article.html"]), "the second reader got the kept response"
    assert second.get_data() == first.get_data()
    assert dict(second.headers) == dict(first.headers), "security and caching headers included"

    client.set_cookie("hc_lang", "fr")
    with_cookie = client.get("/en/guide/first")
    assert len(calls) == 2, "a request with a cookie goes through the app"
    assert renders == ["articles/article.html"], "…which serves the page it kept"
    assert with_cookie.get_data() == first.get_data()


def test_a_readers_vote_makes_their_page_private(app, client):
    anonymous = client.get("/en/guide/first")
    client.post("/en/feedback", data={"article": "guide/first", "helpful": "yes"}, headers=SAME_ORIGIN)
    voted = client.get("/en/guide/first")
    assert voted.headers["Cache-Control"] == "private, no-cache"
    assert voted.headers["ETag"] != anonymous.headers["ETag"]
    assert "Thank you for your feedback." in voted.get_data(as_text=True)
    assert "Thank you for your feedback." not in app.test_client().get("/en/guide/first").get_data(as_text=True)
    other_article = client.get("/en/guide/second")
    assert other_article.headers["Cache-Control"] == "public, max-age=60", "a vote only changes its own article"


def test_pages_are_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/en/guide/first")
    packed = client.get("/en/guide/first", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    refused = client.get("/en/guide/first", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_errors_are_not_kept(client):
    assert client.get("/en/guide/nope").status_code == 404
    assert client.get("/en/guide/nope").status_code == 404
    assert "ETag" not in client.get("/en/guide/nope").headers


def test_without_the_page_cache_the_validator_is_the_body_digest(app_factory):
    app = app_factory(PAGE_CACHE_SIZE=0)
    client = app.test_client()
    first = client.get("/en/guide/first")
    assert first.headers["ETag"] and first.headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/en/guide/first", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_the_page_cache_keeps_only_so_many_pages(app_factory):
    app = app_factory(PAGE_CACHE_SIZE=2)
    client = app.test_client()
    for path in ("/en/guide/first", "/en/guide/second", "/en/guide/third", "/en/"):
        assert client.get(path).status_code == 200
    assert len(app.extensions["helpcenter.page_store"]) == 2


def test_page_cache_size_setting_is_checked():
    assert settings_from_env("/tmp", {"HELPCENTER_PAGE_CACHE_SIZE": "50"})["PAGE_CACHE_SIZE"] == 50
    for wrong in ("-1", "many"):
        with pytest.raises(ConfigError, match="HELPCENTER_PAGE_CACHE_SIZE"):
            settings_from_env("/tmp", {"HELPCENTER_PAGE_CACHE_SIZE": wrong})


def test_static_files_are_fingerprinted_compressed_and_kept_a_year(client):
    html = client.get("/en/").get_data(as_text=True)
    href = re.search(r'href="(/static/site\.([0-9a-f]{12})\.css)"', html)
    assert href, "the stylesheet is linked by its fingerprinted name"
    response = client.get(href.group(1))
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"] == f'"{href.group(2)}"'
    plain = client.get("/static/site.css")
    assert plain.get_data() == response.get_data()
    assert plain.headers["Cache-Control"] == "public, max-age=300"
    packed = client.get(href.group(1), headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == response.get_data()
    assert len(packed.get_data()) < len(response.get_data()) / 2
    assert client.get(href.group(1), headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get("/static/site.000000000000.css").status_code == 404
    assert client.get("/static/nothing.css").status_code == 404
    assert "Cookie" not in response.headers.get("Vary", "")


def test_content_assets_are_revalidated(client):
    response = client.get("/assets/diagram.svg")
    response.close()
    assert response.status_code == 200
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert client.get("/assets/diagram.svg", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    since = client.get("/assets/diagram.svg", headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304


def test_search_pages_are_kept_per_index_and_every_search_is_counted(app, client, monkeypatch):
    from helpcenter.articles import routes as search_page

    renders = count_renders(monkeypatch, search_page)
    first = client.get("/en/search?q=first")
    assert client.get("/en/search?q=first").get_data() == first.get_data()
    assert first.headers["Cache-Control"] == "no-cache"
    assert renders == ["articles/search.html"]
    build(content_store(app).get(), search_service(app).index_dir, full=True)
    assert client.get("/en/search?q=first").status_code == 200
    assert len(renders) == 2, "a new index generation gives new results"
    with database(app).sessions() as session:
        search_tally(app).flush()
        counts = {row.query: row.count for row in session.scalars(select(SearchCount))}
    assert counts == {"first": 3}


def test_under_the_development_server_pages_are_revalidated_every_time(app_factory):
    app = app_factory(DEBUG=True)
    response = app.test_client().get("/en/guide/first")
    assert response.headers["Cache-Control"] == "no-cache"
    assert app.extensions["helpcenter.page_store"] is None
