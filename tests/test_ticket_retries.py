"""A ticket form sent again after its answer was lost files one ticket, and only its own browser reaches it."""

import re

from sqlalchemy import func, select

from helpcenter.db import database
from helpcenter.outbox import OutboxMessage
from helpcenter.tickets.models import DeflectionCount, Ticket

from .helpers import TICKET_FIELDS, csrf_token


def filled_form(client, lang="en", **changes):
    """The form as a customer sends it: fields, CSRF token, and the identity of this filling-in."""
    html = client.get(f"/{lang}/tickets/new").get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([\w-]{20,})"', html) or re.search(
        r'name="submission"[^>]*value="([\w-]{20,})"', html
    )
    assert submission, "the form identifies each filling-in"
    return {**TICKET_FIELDS, "csrf_token": csrf_token(html), "submission": submission.group(1), **changes}


def count(app, model):
    with database(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def submitted(app):
    with database(app).sessions() as session:
        return session.scalar(select(DeflectionCount.count).filter_by(stage="submitted"))


def test_a_form_sent_twice_files_one_ticket_and_leads_to_the_same_page(demo_app, demo_client):
    # The first answer was lost (a server died after storing the ticket): the
    # customer sends the same form again, and must not get a second ticket.
    form = filled_form(demo_client)
    first = demo_client.post("/en/tickets/new", data=form)
    again = demo_client.post("/en/tickets/new", data=form)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert demo_client.get(again.headers["Location"]).status_code == 200
    assert count(demo_app, Ticket) == 1 and count(demo_app, OutboxMessage) == 2, "one ticket, mailed once"
    assert submitted(demo_app) == 1

    # A new filling-in of the form is a new ticket.
    other = filled_form(demo_client)
    assert other["submission"] != form["submission"]
    assert demo_client.post("/en/tickets/new", data=other).headers["Location"] != first.headers["Location"]
    assert count(demo_app, Ticket) == 2


def test_a_form_seen_by_someone_else_does_not_open_the_ticket_it_filed(demo_app, demo_client):
    form = filled_form(demo_client)
    filed = demo_client.post("/en/tickets/new", data=form)
    stranger = demo_app.test_client()
    copied = {**form, "csrf_token": filled_form(stranger)["csrf_token"]}
    answer = stranger.post("/en/tickets/new", data=copied)
    assert answer.status_code == 303 and answer.headers["Location"] != filed.headers["Location"]
    assert count(demo_app, Ticket) == 2, "another browser's copy of the form files a ticket of its own"


def test_the_suggestions_page_and_an_error_keep_the_form_s_identity(demo_client):
    form = filled_form(demo_client, suggestions_seen="", subject="alert zone")
    shown = demo_client.post("/en/tickets/new", data=form)
    assert f'name="submission" value="{form["submission"]}"' in shown.get_data(as_text=True)
    invalid = demo_client.post("/en/tickets/new", data={**form, "email": "not an address"})
    assert invalid.status_code == 400 and f'value="{form["submission"]}"' in invalid.get_data(as_text=True)


def test_a_form_without_its_identity_still_files_a_ticket(demo_app, demo_client):
    # A page from before the form had one, still open in a browser.
    form = {key: value for key, value in filled_form(demo_client).items() if key != "submission"}
    assert demo_client.post("/en/tickets/new", data=form).status_code == 303
    assert demo_client.post("/en/tickets/new", data=form).status_code == 303
    assert count(demo_app, Ticket) == 2
