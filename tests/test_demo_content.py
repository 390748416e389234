"""The demo content shipped in ``content/``: complete, translated, every page served."""

import re

import pytest

from helpcenter.config import LANGUAGES
from helpcenter.content import OK, Kind, load_library, page_url

from .helpers import PROJECT_CONTENT

# One interface string per language, from the header of every page.
USER_GUIDE = {
    "en": "User guide",
    "fr": "Guide de l’utilisateur",
    "de": "Benutzerhandbuch",
    "es": "Guía del usuario",
    "it": "Guida utente",
    "pt": "Guia do utilizador",
}


@pytest.fixture(scope="module")
def library():
    return load_library(PROJECT_CONTENT, LANGUAGES)


def test_demo_content_loads_without_problems(library):
    assert [str(problem) for problem in library.problems] == []


def test_demo_content_has_what_a_help_centre_needs(library):
    products = library.products("en")
    assert len(products) >= 3
    for slug, product in products:
        assert product is not None, f"product {slug} has an _index.md"
        assert len(library.articles("en", "tutorials", slug)) >= 2
    assert len(library.articles("en", "guide")) >= 6
    assert len(library.articles("en", "faq")) >= 12


def test_every_page_is_translated_and_up_to_date(library):
    statuses = {(page_id, lang): library.status(page_id, lang) for page_id in library.page_ids for lang in LANGUAGES}
    assert {key: status for key, status in statuses.items() if status != OK} == {}


def test_links_and_images_point_at_real_pages_and_files(library):
    for page in library.all_pages():
        for target in page.links:
            lang, _, page_id = target.rpartition(":")
            assert library.exact(lang or page.lang, page_id), f"{page.path}: link to missing {target}"
        for asset in page.assets:
            assert (library.assets_dir / asset).is_file(), f"{page.path}: missing asset {asset}"
        assert 'alt=""' not in page.html, f"{page.path}: image without alternative text"


def test_every_demo_page_answers_in_all_six_languages(demo_app, library):
    client = demo_app.test_client()
    paths = {page_url(lang, page.id) for page in library.all_pages() for lang in LANGUAGES}
    paths |= {f"/{lang}/{extra}" for lang in LANGUAGES for extra in ("contact", "search?q=alert")}
    for path in sorted(paths):
        lang = path.split("/")[1]
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert f'<html lang="{lang}"' in html, path
        assert USER_GUIDE[lang] in html, f"{path}: interface not in {lang}"
        assert (
            "is not yet available in" not in html
            and 'class="notice"' not in html.split("<main", 1)[1].split("contact", 1)[0]
            or path.endswith("contact")
        ), f"{path}: shown through fallback"


def test_demo_pages_link_only_to_pages_that_exist(demo_app, library):
    client = demo_app.test_client()
    seen, broken = set(), []
    for lang in LANGUAGES:
        html = client.get(f"/{lang}/").get_data(as_text=True)
        queue = [href for href in re.findall(r'href="(/[^"#?]*)', html)]
        while queue:
            href = queue.pop()
            if href in seen or href.startswith(("/static/", "/language/")):
                continue
            seen.add(href)
            # A link may lead through a redirect (My tickets asks to sign in first): where it ends must exist.
            response = client.get(href, follow_redirects=True)
            if response.status_code != 200:
                broken.append(href)
                continue
            if response.mimetype == "text/html":
                queue.extend(re.findall(r'href="(/[^"#?]*)', response.get_data(as_text=True)))
            response.close()
    assert broken == []
    assert len(seen) > 6 * 40


def test_home_page_lists_every_product(demo_app, library):
    html = demo_app.test_client().get("/de/").get_data(as_text=True)
    for slug, product in library.products("de"):
        assert f'href="/de/tutorials/{slug}/"' in html
        assert product.page.lang == "de" and product.page.title in html
        assert product.page.kind is Kind.PRODUCT
