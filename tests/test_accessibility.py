"""Accessibility in a real browser: axe-core on the key pages in every language,
the same pages at a phone's width, and the ticket form used with the keyboard only.

axe-core comes from npm (``make axe``); Debian's Chromium is driven by Playwright,
which never downloads a browser of its own.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from .helpers import STAFF_EMAIL, STAFF_PASSWORD, TESTS, needs_chromium

AXE = TESTS.parent / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"

LANGUAGES = ("en", "fr", "de", "es", "it", "pt")
PAGES = (
    "home",
    "article",
    "search",
    "ticket-form",
    "ticket-suggestions",
    "ticket-confirmation",
    "staff-queue",
    "staff-ticket",
    "account-sign-in",
    "account-home",
    "account-ticket",
)
PHONE = {"width": 375, "height": 740}

pytestmark = needs_chromium


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe-core's script; without it the tests are skipped, except on CI where they fail."""
    if not AXE.exists():
        message = f"axe-core is not installed at {AXE}: run `make axe` (needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


# -- helpers --------------------------------------------------------------------------


def fill_ticket_form(page, base: str, lang: str) -> None:
    """Fill the ticket form with a valid technical ticket of high impact."""
    page.goto(f"{base}/{lang}/tickets/new")
    page.locator("input[name=category][value=technical]").check()
    page.locator("input[name=impact][value=high]").check()
    page.locator("[name=subject]").fill("Alert zone radius too small")
    page.locator("[name=description]").fill("The alert radius of our stadium site seems too small since Monday.")
    page.locator("[name=name]").fill("Jeanne Martin")
    page.locator("[name=email]").fill("jeanne@example.org")


def submit_ticket(page, base: str, lang: str) -> None:
    """File a valid ticket through the form (and the suggestions page if shown)."""
    fill_ticket_form(page, base, lang)
    with page.expect_navigation():
        page.locator("#ticket-form button[type=submit]").click()
    interstitial = page.locator("form.confirm-ticket button[type=submit]")
    if interstitial.count():
        with page.expect_navigation():
            interstitial.click()
    page.wait_for_url(re.compile(rf"/{lang}/tickets/HC-\d{{4}}-\d{{6}}\?token=[\w-]+$"))


def file_ticket_directly(app, lang: str, ticket_form) -> None:
    """File a ticket without the browser (quicker), so that the staff pages have one to show."""
    client = app.test_client()
    response = client.post(f"/{lang}/tickets/new", data=ticket_form(client, lang))
    assert response.status_code in (302, 303) and "/tickets/HC-" in response.location, response.status_code


def log_in_staff(app, page, base: str, auth) -> None:
    """Create an agent and log in through the form; ends on the queue."""
    auth.account(app)
    page.goto(f"{base}/staff/login")
    page.locator("input[name=email]").fill(STAFF_EMAIL)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("form.login-form button[type=submit]").click()
    if not re.search(r"/staff/(\?.*)?$", page.url):
        page.goto(f"{base}/staff/")
    page.wait_for_url(re.compile(r"/staff/(\?.*)?$"))


def sign_in_customer(app, page, base: str, lang: str, customer) -> None:
    """Sign a customer in through the link a mail would carry, in the browser."""
    page.goto(base + customer.link(app.test_client(), "jeanne@example.org", lang))
    page.wait_for_url(re.compile(rf"/{lang}/account/$"))


def open_page(app, page, base: str, lang: str, name: str, *, auth, ticket_form, customer) -> None:
    """Go to one of the key pages, in ``lang``, doing what it takes to reach it."""
    if name == "home":
        page.goto(f"{base}/{lang}/")
    elif name == "article":
        page.goto(f"{base}/{lang}/guide/alert-zones")
    elif name == "search":
        page.goto(f"{base}/{lang}/search?q=alert")
    elif name == "ticket-form":
        page.goto(f"{base}/{lang}/tickets/new")
    elif name == "ticket-suggestions":
        # Without the form's script, the server shows the suggested articles on the first submit.
        page.route(re.compile(r"/static/deflection(\.[0-9a-f]+)?\.js$"), lambda route: route.abort())
        fill_ticket_form(page, base, lang)
        with page.expect_navigation():
            page.locator("#ticket-form button[type=submit]").click()
        assert page.locator("form.confirm-ticket").count(), f"no suggested articles page: {page.url}"
    elif name == "ticket-confirmation":
        submit_ticket(page, base, lang)
    elif name == "staff-queue":
        # A ticket first, so that the queue shows its table.
        file_ticket_directly(app, lang, ticket_form)
        log_in_staff(app, page, base, auth)
    elif name == "staff-ticket":
        file_ticket_directly(app, lang, ticket_form)
        log_in_staff(app, page, base, auth)
        with page.expect_navigation():
            page.locator("table.queue th a").first.click()
        page.wait_for_url(re.compile(r"/staff/tickets/HC-"))
    elif name == "account-sign-in":
        page.goto(f"{base}/{lang}/account/sign-in")
    elif name == "account-home":
        file_ticket_directly(app, lang, ticket_form)
        sign_in_customer(app, page, base, lang, customer)
    elif name == "account-ticket":
        file_ticket_directly(app, lang, ticket_form)
        sign_in_customer(app, page, base, lang, customer)
        with page.expect_navigation():
            page.locator("table.my-tickets th a").first.click()
        page.wait_for_url(re.compile(rf"/{lang}/account/tickets/HC-"))
    else:  # pragma: no cover - a typo in PAGES
        raise ValueError(name)
    page.wait_for_load_state()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def run_axe(page, axe_script: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_script))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, { resultTypes: ["violations"] });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({ target: n.target, html: n.html, impact: n.impact,
                                           failureSummary: n.failureSummary })),
            }));
        }"""
    )


def duplicate_ids(page) -> list[list]:
    """Ids used more than once (axe 4 only lists those referenced by ARIA, as "needs review")."""
    return page.evaluate(
        """() => { const counts = {};
                   document.querySelectorAll('[id]').forEach(e => { counts[e.id] = (counts[e.id] || 0) + 1; });
                   return Object.entries(counts).filter(([id, count]) => count > 1); }"""
    )


def focused(page) -> str:
    return page.evaluate("document.activeElement ? (document.activeElement.name || document.activeElement.id) : ''")


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the element named (or with the id) ``name`` has the focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        seen.append(current)
        if current == name:
            return
    raise AssertionError(f"Tab never reached {name!r}; focus went through {seen}")


def assert_focus_visible(page) -> None:
    style = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return { style: s.outlineStyle, width: s.outlineWidth }; }"""
    )
    what = focused(page)
    assert style["style"] != "none", f"no visible focus outline on {what!r}: {style}"
    assert style["width"] not in ("0px", ""), f"no visible focus outline on {what!r}: {style}"


# -- 1. axe-core on the key pages, in every language ---------------------------------


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_serious_axe_violations(
    live_server, context_factory, auth, ticket_form, customer, axe_script, lang, page_name
):
    app, base = live_server
    # The site's Content-Security-Policy (script-src 'self') would block the injected axe.
    context = context_factory(bypass_csp=True, locale=lang)
    page = context.new_page()
    open_page(app, page, base, lang, page_name, auth=auth, ticket_form=ticket_form, customer=customer)
    # The staff console follows the browser's language (Accept-Language, from the locale).
    assert page.locator("html").get_attribute("lang") == lang, f"{page.url} is not in {lang}"
    violations = run_axe(page, axe_script)
    serious = [violation for violation in violations if violation["impact"] in ("serious", "critical")]
    assert not serious, f"axe: serious or critical violations on {page.url} ({lang}):\n" + format_violations(serious)
    assert not duplicate_ids(page), f"ids used more than once on {page.url}: {duplicate_ids(page)}"


# -- 2. a phone's width ---------------------------------------------------------------


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("lang", ("en", "fr"))
def test_pages_fit_a_phone(live_server, context_factory, auth, ticket_form, customer, lang, page_name):
    app, base = live_server
    context = context_factory(viewport=PHONE, locale=lang, is_mobile=True, has_touch=True)
    page = context.new_page()
    open_page(app, page, base, lang, page_name, auth=auth, ticket_form=ticket_form, customer=customer)
    widths = page.evaluate("({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })")
    if widths["scroll"] > widths["inner"] + 1:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                                   + (e.className && typeof e.className === 'string'
                                      ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                                   + ' right=' + Math.round(e.getBoundingClientRect().right))"""
        )
        pytest.fail(f"{page.url} scrolls sideways at 375px: {widths}; wider than the screen: {wide}")
    heading = page.locator("main h1").first
    assert heading.is_visible(), f"the main heading of {page.url} is not visible at 375px"
    box = heading.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= widths["inner"] + 1, f"the heading overflows: {box}"


# -- 3. the ticket form with the keyboard only ----------------------------------------


@pytest.mark.parametrize("script", ("with-script", "without-script"))
def test_ticket_form_with_the_keyboard_only(live_server, context_factory, script):
    _app, base = live_server
    context = context_factory(locale="en")
    page = context.new_page()
    if script == "without-script":
        # No live suggestions: the server shows the suggested articles page on the first submit.
        page.route(re.compile(r"/static/deflection(\.[0-9a-f]+)?\.js$"), lambda route: route.abort())
    page.goto(f"{base}/en/tickets/new")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement === document.body"), "focus should start at the page"

    # The skip link comes first and moves the focus to the main content.
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.outerHTML")[:200]
    assert page.evaluate("document.activeElement.classList.contains('skip-link')"), (
        f"the first focusable element should be the skip link, not {first}"
    )
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    skip_box = page.locator(".skip-link").bounding_box()
    assert skip_box and skip_box["y"] >= 0, "the skip link should come into view when focused"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"

    # Radio groups: Tab into the group, arrows to the choice, Space to select it.
    def choose(name: str, value: str) -> None:
        tab_to(page, name)
        assert_focus_visible(page)
        for _ in range(5):
            if page.evaluate("document.activeElement.value") == value:
                break
            page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.value") == value
        page.keyboard.press("Space")
        assert page.locator(f"input[name={name}][value={value}]").is_checked()

    choose("category", "technical")
    choose("impact", "high")

    for name, text in (
        ("subject", "Alert zone radius too small"),
        ("description", "The alert radius of our stadium site seems too small since Monday."),
        ("name", "Jeanne Martin"),
        ("email", "jeanne@example.org"),
    ):
        tab_to(page, name)
        assert_focus_visible(page)
        page.keyboard.type(text)
        assert page.locator(f"[name={name}]").input_value() == text

    tab_to(page, "language")
    assert_focus_visible(page)
    assert page.locator("[name=language]").input_value() in ("fr", "en")

    # Tab on to the submit button (skipping the honeypot) and press it with Enter.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#ticket-form button[type=submit]')"):
            break
    else:
        raise AssertionError("Tab never reached the Submit ticket button")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Submit ticket"
    assert_focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    if script == "without-script":
        assert page.locator("form.confirm-ticket").count(), f"no suggested articles page: {page.url}"
    if page.locator("form.confirm-ticket").count():
        # The suggestions page: Tab to its Submit ticket button and press it with Space.
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('form.confirm-ticket button[type=submit]')"):
                break
        else:
            raise AssertionError("Tab never reached the Submit ticket button of the suggestions page")
        assert_focus_visible(page)
        with page.expect_navigation():
            page.keyboard.press("Space")

    assert "/tickets/HC-" in page.url, (
        f"the ticket was not filed: {page.url}\n{page.locator('main').inner_text()[:1000]}"
    )
    page.wait_for_url(re.compile(r"/en/tickets/HC-\d{4}-\d{6}\?token=[\w-]+$"))
    assert page.get_by_role("heading", name="Your ticket has been created").is_visible()
