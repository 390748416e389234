"""Every browsing URL of DESIGN.md, over the test content tree."""

import re

import pytest


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
@pytest.mark.parametrize(
    "path",
    [
        "/{lang}/",
        "/{lang}/faq/",
        "/{lang}/faq/reset-password",
        "/{lang}/guide/",
        "/{lang}/guide/first",
        "/{lang}/tutorials/",
        "/{lang}/tutorials/widget/",
        "/{lang}/tutorials/widget/install",
        "/{lang}/contact",
        "/{lang}/search?q=widget",
    ],
)
def test_every_browsing_url_answers_in_its_language(client, lang, path):
    response = client.get(path.format(lang=lang))
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/xx/",
        "/xx/guide/first",
        "/en/guide/nope",
        "/en/nope/",
        "/en/faq/broken-yaml",
        "/en/tutorials/nope/",
        "/en/tutorials/widget/nope",
        "/en/guide/_index",
        "/en/guide/nested/deep",
        "/en/tutorials/widget/_index",
    ],
)
def test_unknown_language_section_or_slug_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in text(response)


def test_404_page_speaks_the_language_of_the_url(client):
    response = client.get("/fr/guide/nope")
    assert response.status_code == 404
    assert '<html lang="fr"' in text(response)
    assert "Page introuvable" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/en/guide/..%2f..%2fconftest.py",
        "/en/guide/%2e%2e%2f%2e%2e%2fconftest",
        "/en/faq/..",
        "/en/../../tests/conftest.py",
        "/assets/../en/guide/first.md",
        "/assets/..%2fen%2fguide%2ffirst.md",
        "/assets/%2e%2e/%2e%2e/conftest.py",
        "/assets//etc/passwd",
        "/assets/..\\..\\conftest.py",
    ],
)
def test_path_tricks_never_read_outside_content(client, path):
    with client.get(path) as response:
        assert response.status_code in (404, 400, 308)
        body = response.get_data()
    assert b"make_app" not in body and b"root:" not in body and b"order: 1" not in body


def test_assets_are_served(client):
    with client.get("/assets/diagram.svg") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert b"<title>Test diagram</title>" in response.get_data()


def test_article_page_parts(client):
    html = text(client.get("/en/guide/first"))
    assert '<h1 id="article-title">First chapter</h1>' in html
    assert 'aria-label="Breadcrumb"' in html and ">Test guide</a>" in html
    assert 'aria-label="On this page"' in html and 'href="#details-of-the-overview"' in html
    assert "Last updated" in html and "November 2, 2026" in html
    assert 'rel="next" href="/en/guide/second"' in html
    assert 'aria-current="page">First chapter</a>' in html, "chapter navigation marks the current one"
    assert 'src="/assets/diagram.svg"' in html
    assert 'rel="canonical" href="http://localhost/en/guide/first"' in html


def test_dates_are_shown_in_the_readers_locale(client):
    assert "2 octobre 2026" in text(client.get("/fr/faq/reset-password"))
    assert "2. November 2026" in text(client.get("/de/guide/first"))
    assert "20 octobre 2026" in text(client.get("/fr/guide/third")), "a fallback page too"


def test_hreflang_lists_real_translations_only(client):
    html = text(client.get("/en/guide/first"))
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    assert alternates == [
        ("en", "http://localhost/en/guide/first"),
        ("fr", "http://localhost/fr/guide/first"),
        ("de", "http://localhost/de/guide/first"),
        ("x-default", "http://localhost/en/guide/first"),
    ]


def test_fallback_shows_a_notice_and_a_canonical_link(client):
    response = client.get("/fr/guide/third")
    html = text(response)
    assert response.status_code == 200
    assert '<html lang="fr"' in html
    assert "Cet article n’est pas encore disponible en Français" in html or "pas encore disponible" in html
    assert 'rel="canonical" href="http://localhost/en/guide/third"' in html
    assert 'hreflang="fr"' not in re.sub(r'<nav class="languages".*?</nav>', "", html, flags=re.S)
    assert '<article class="article" lang="en"' in html


def test_stale_translation_shows_a_notice_linking_to_the_original(client):
    html = text(client.get("/fr/guide/second"))
    assert "original de cet article a été modifié" in html
    assert 'href="/en/guide/second" hreflang="en"' in html
    assert "original de cet article" not in text(client.get("/fr/guide/first"))


def test_faq_is_grouped_by_topic_with_anchors(client):
    html = text(client.get("/en/faq/"))
    assert '<h2 id="topic-account">Account</h2>' in html
    assert '<a href="#topic-billing">Billing</a>' in html
    assert '<h2 id="topic-other">Other questions</h2>' in html
    assert '<a href="/en/faq/reset-password">How do I reset my password?</a>' in html
    assert '<li><a href="/en/">Home</a></li>' in html
    assert html.index("How do I reset my password?") < html.index("Where is my invoice?")


def test_home_lists_sections_products_and_recent_articles(client):
    html = text(client.get("/en/"))
    assert '<h1 id="home-title">Test home</h1>' in html
    assert 'action="/en/search"' in html
    for link in ('href="/en/faq/"', 'href="/en/guide/"', 'href="/en/tutorials/"', 'href="/en/tutorials/widget/"'):
        assert link in html
    recent = html[html.index("recent-title") :]
    assert recent.index("First chapter") < recent.index("Second chapter") < recent.index("Third chapter")


def test_tutorials_are_listed_per_product_in_order(client):
    html = text(client.get("/en/tutorials/widget/"))
    assert html.index("Install the widget") < html.index("Configure the widget")
    html = text(client.get("/en/tutorials/widget/install"))
    assert '<a href="/en/tutorials/widget/">Widget</a>' in html, "breadcrumb through the product"
    assert 'href="/en/tutorials/widget/configure"' in html


def test_content_script_never_reaches_the_page(client):
    html = text(client.get("/en/faq/script"))
    assert "alert(" not in html and "onerror" not in html and "javascript:" not in html


def test_contact_page_comes_from_the_policy_file(client):
    html = text(client.get("/en/contact"))
    assert "Monday" in html and ("8:00\u202fAM" in html or "08:00" in html)
    assert "Closed (on-call support only)" in html
    assert "1 hour" in html and "12 hours" in html and "24 hours" in html
    assert "sales@fulgur.example" in html and "support@fulgur.example" in html
    assert "France" in html
    fr = text(client.get("/fr/contact"))
    assert "Lundi" in fr and "08:00" in fr and "1\xa0heure" in fr and "12\xa0heures" in fr


def test_a_replaced_policy_file_changes_the_contact_page(app_factory, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[calendar]\ntimezone = "Europe/Paris"\n[calendar.hours]\nsaturday = ["09:00", "12:00"]\n'
        '[default]\nname = "Custom"\n[default.targets.technical]\n'
        'high = { in_hours = "3h", out_of_hours = "2d" }\n',
        encoding="utf-8",
    )
    html = text(app_factory(SLA_POLICY=str(policy)).test_client().get("/en/contact"))
    assert "Custom policy" in html and "3 hours" in html and "2 days" in html
    assert "Saturday" in html


def test_simple_search_page(client):
    html = text(client.get("/en/search?q=widget"))
    assert "Install the widget" in html and "2 articles found" in html
    assert "0 articles found" in text(client.get("/en/search?q=zzzz"))


def test_500_page_is_localised(app):
    @app.route("/fr/boom")
    def boom():
        raise RuntimeError("boom")

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/fr/boom")
    assert response.status_code == 500
    assert '<html lang="fr"' in text(response) and "Une erreur" in text(response)


def test_sitemap_lists_real_translations_with_alternates(client):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    import xml.etree.ElementTree as ET

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = {
        url.findtext("s:loc", namespaces=ns): [link.get("hreflang") for link in url.findall("x:link", ns)]
        for url in ET.fromstring(response.get_data()).findall("s:url", ns)
    }
    assert urls["http://localhost/fr/guide/first"] == ["en", "fr", "de"]
    assert urls["http://localhost/en/guide/third"] == [], "no alternates where there is no translation"
    assert "http://localhost/fr/guide/third" not in urls, "a fallback is not a page of its own"
    assert "http://localhost/pt/contact" in urls


def test_robots_txt_points_at_the_sitemap(client):
    text_ = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text_ and "Disallow: /en/search" in text_
