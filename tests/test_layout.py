"""The layout in a real browser (Debian's Chromium), at a phone's width and a laptop's, in two languages."""

from __future__ import annotations

import pytest

from .helpers import needs_chromium

pytestmark = needs_chromium

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def content_left(page) -> float:
    """Where the text of <main> starts: its left edge plus its padding."""
    return page.evaluate(
        "() => { const main = document.querySelector('main');"
        " return main.getBoundingClientRect().left + parseFloat(getComputedStyle(main).paddingLeft); }"
    )


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_header_lines_up_with_the_content_column(live_server, context_factory, viewport, lang):
    _app, base = live_server
    page = context_factory(viewport=viewport).new_page()
    for path in (f"/{lang}/guide/alert-zones", f"/{lang}/tickets/new"):
        page.goto(base + path)
        left = content_left(page)
        assert abs(box(page, ".brand")["x"] - left) < 1, path
        assert abs(box(page, "#header-q")["x"] - left) < 1, path
        assert abs(box(page, "main h1")["x"] - left) < 1 or path.endswith("alert-zones"), path


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_on_a_phone_the_search_box_comes_soon(live_server, context_factory, lang):
    _app, base = live_server
    page = context_factory(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{base}/{lang}/tickets/new")
    assert box(page, "#header-q")["y"] < 115, "brand and languages on one line, the sections on at most two"
    for link in page.locator(".languages a").all():
        size = link.bounding_box()
        assert size["width"] >= 24 and size["height"] >= 24, "each language is a target a finger can hit"
    assert page.get_by_role("link", name="Deutsch").count() == 1, "the code shown, the name still announced"
    page.goto(f"{base}/{lang}/")
    assert box(page, "#home-q")["y"] + box(page, "#home-q")["height"] < PHONE["height"] / 2, "search before the welcome"


def test_the_home_page_cards_fill_their_rows(live_server, context_factory):
    _app, base = live_server
    page = context_factory(viewport=LAPTOP).new_page()
    page.goto(f"{base}/en/")
    for section, count in (("sections-title", 3), ("products-title", 4)):
        cards = page.locator(f"section[aria-labelledby={section}] .card")
        assert cards.count() == count
        boxes = [card.bounding_box() for card in cards.all()]
        grid = page.locator(f"section[aria-labelledby={section}] .cards").bounding_box()
        assert len({round(card["y"]) for card in boxes}) == 1, f"{section}: one row"
        assert abs(boxes[-1]["x"] + boxes[-1]["width"] - (grid["x"] + grid["width"])) < 1, f"{section}: no empty column"
