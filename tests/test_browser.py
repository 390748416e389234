"""The ticket form's script in a real browser: Debian's Chromium driven by Playwright."""

import re
from pathlib import Path

from sqlalchemy import select

from helpcenter.db import database
from helpcenter.tickets.models import DeflectionCount

from .helpers import STAFF_EMAIL, STAFF_PASSWORD, file_in_browser, needs_chromium

pytestmark = needs_chromium


def test_typing_shows_suggestions_then_a_ticket_is_filed(live_server, context_factory):
    app, base = live_server
    page = context_factory().new_page()
    page.goto(f"{base}/en/tickets/new")
    page.get_by_label("Technical assistance").check()
    page.get_by_label("High").check()
    page.get_by_label("Subject").press_sequentially("alert zone radius", delay=40)

    region = page.locator("#suggestions")
    region.get_by_role("heading", name="Suggested articles").wait_for()
    links = region.locator(".suggestion-list a")
    links.first.wait_for()
    assert 1 <= links.count() <= 5
    assert "Alert zones" in region.inner_text()

    with page.context.expect_page() as opened:
        links.first.click()
    article = opened.value
    article.wait_for_load_state()
    assert re.search(r"/en/(guide|faq|tutorials)/", article.url)
    article.close()

    page.get_by_label("Description").fill("The alert radius of our stadium site seems too small since Monday.")
    page.get_by_label("Your name").fill("Jeanne Martin")
    page.get_by_label("Email", exact=True).fill("jeanne@example.org")
    page.get_by_role("button", name="Submit ticket").click()

    page.wait_for_url(re.compile(r"/en/tickets/HC-\d{4}-\d{6}\?token="))
    reference = page.locator("dd.reference").inner_text()
    assert re.fullmatch(r"HC-\d{4}-\d{6}", reference)
    assert page.locator("dd.due time").get_attribute("datetime")
    assert page.get_by_text("First response due").is_visible()

    with database(app).sessions() as session:
        stages = {row.stage: row.count for row in session.scalars(select(DeflectionCount))}
    assert stages.get("shown") == 1 and stages.get("opened") == 1 and stages.get("submitted") == 1


def test_this_solved_my_problem_ends_without_a_ticket(live_server, context_factory):
    app, base = live_server
    page = context_factory().new_page()
    page.goto(f"{base}/en/tickets/new")
    page.get_by_label("Subject").press_sequentially("password reset", delay=40)
    page.locator("#suggestions .suggestion-list li").first.wait_for()
    page.locator("#suggestions").get_by_role("button", name="This solved my problem").first.click()
    page.get_by_role("heading", name="Glad we could help").wait_for()
    with database(app).sessions() as session:
        stages = {row.stage: row.count for row in session.scalars(select(DeflectionCount))}
    assert stages == {"shown": 1, "solved": 1}


def test_triage_from_login_to_reply(live_server, context_factory, auth):
    from helpcenter.tickets.models import Ticket

    app, base = live_server
    auth.account(app)
    page = context_factory().new_page()
    reference = file_in_browser(
        page, base, subject="Map does not load", description="The storm map stays blank in Firefox since this morning."
    )
    customer_url = page.url

    staff = context_factory().new_page()
    staff.goto(f"{base}/staff/")
    staff.get_by_label("Email").fill(STAFF_EMAIL)
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.get_by_role("link", name=reference).click()
    staff.get_by_label("Priority").select_option("high")
    staff.get_by_role("button", name="Set priority").click()
    staff.get_by_text("Priority set").wait_for()
    staff.get_by_label("Reply", exact=True).fill("Please clear your browser cache; we are checking the map servers.")
    staff.get_by_role("button", name="Send reply").click()
    staff.get_by_text("Reply sent.").wait_for()
    assert staff.locator(".badge").first.inner_text() in ("Met", "Breached")

    page.goto(customer_url)
    assert "checking the map servers" in page.locator(".conversation").inner_text()
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert ticket.priority == "high" and ticket.first_response_at is not None


def test_a_vote_from_the_article_page_is_taken_and_one_from_another_site_is_refused(live_server, context_factory):
    from helpcenter.articles.models import ArticleFeedback

    app, base = live_server
    page = context_factory().new_page()
    page.goto(f"{base}/en/guide/alert-zones")
    page.get_by_role("button", name="Yes").click()
    page.wait_for_url("**/en/guide/alert-zones#feedback")
    assert page.get_by_role("status").inner_text().startswith("Thank you for your feedback.")
    assert page.get_by_role("button", name="Yes").get_attribute("aria-pressed") == "true"

    # The same form on a page that is not of this site.
    other = context_factory().new_page()
    other.set_content(
        f'<form method="post" action="{base}/en/feedback">'
        '<input name="article" value="guide/alert-zones"><button name="helpful" value="no">No</button></form>'
    )
    with other.expect_navigation() as navigation:
        other.get_by_role("button", name="No").click()
    assert navigation.value.status == 403
    with database(app).sessions() as session:
        assert [vote.helpful for vote in session.scalars(select(ArticleFeedback))] == [True]


def test_a_customer_signs_in_from_the_mail_and_replies_with_a_file(
    live_server, context_factory, customer, file_ticket, tmp_path
):
    app, base = live_server
    reference, _token = file_ticket(app, requester_email="jeanne@example.org", subject="Map shows no strokes")
    link = customer.link(app.test_client(), "jeanne@example.org")
    page = context_factory(accept_downloads=True).new_page()
    page.goto(f"{base}/en/account/sign-in")
    assert page.get_by_role("button", name="Send me a sign-in link").is_visible()
    page.goto(base + link)
    page.get_by_role("heading", name="My tickets").wait_for()
    page.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(rf"/en/account/tickets/{reference}$"))

    screenshot = tmp_path / "map.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40))
    page.get_by_label("Your reply").fill("The map is blank; here is what I see.")
    page.get_by_label("Attach files").set_input_files(str(screenshot))
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Your reply has been sent.").wait_for()
    message = page.locator("ol.conversation li.customer").last
    assert "The map is blank" in message.inner_text()
    with page.expect_download() as downloaded:
        message.get_by_role("link", name="map.png").click()
    assert Path(downloaded.value.path()).read_bytes() == screenshot.read_bytes()

    page.get_by_role("button", name="Mark as resolved").click()
    page.locator("dd.status").filter(has_text="Resolved").wait_for()
    assert page.get_by_role("button", name="Reopen").is_visible()
