"""The Customer Area: sign in by mailed link, my tickets, a ticket with replies and files, resolve, reopen, rate."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from helpcenter.account import operations as account_operations
from helpcenter.db import database, utcnow
from helpcenter.login_sessions import LoginSession
from helpcenter.outbox.models import OutboxMessage
from helpcenter.staff.models import StaffUser
from helpcenter.tickets.models import Ticket, TicketRating

from .helpers import csrf_token

JEANNE = "jeanne@example.org"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def outbox(app, recipient: str | None = None) -> list[OutboxMessage]:
    with database(app).sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient)
        return list(session.scalars(query))


def stored(app, reference: str) -> Ticket:
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        _loaded = (ticket.events, ticket.messages, ticket.rating, [m.attachments for m in ticket.messages])
        return ticket


def agent_id(app) -> int:
    with database(app).sessions() as session:
        return session.scalars(select(StaffUser.id).filter_by(email="agent@fulgur.example")).one()


def main_text(response) -> str:
    """What a page says in its main part (the language links around it name its own address)."""
    return re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)


def page_token(client, path: str) -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


# --- signing in -----------------------------------------------------------------


def test_sign_in_with_the_link_from_a_real_mail_lists_tickets_filed_before(app_factory, smtp_port, inbox, file_ticket):
    app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")
    earlier, _token = file_ticket(app, requester_email="Jeanne@Example.org", subject="Alerts stopped before sign-in")
    client = app.test_client()
    form = client.get("/fr/account/sign-in")
    html = form.get_data(as_text=True)
    assert "Adresse e-mail" in html or "E-mail" in html
    answer = client.post("/fr/account/sign-in", data={"csrf_token": csrf_token(html), "email": JEANNE})
    assert answer.status_code == 200
    app.extensions["helpcenter.delivery_thread"].join(10)
    [mail] = [message for message in inbox.messages if message["To"] == JEANNE]
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "Bonjour" in body, "the mail is in the reader's language"
    link = re.search(r"http://localhost(/fr/account/sign-in/[\w-]+)", body).group(1)
    signed_in = client.get(link)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/fr/account/"
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("hc_account=") and "HttpOnly" in cookie and "Max-Age=2592000" in cookie
    home = client.get("/en/account/").get_data(as_text=True)
    assert "<h1>My tickets</h1>" in home
    assert earlier in home and "Alerts stopped before sign-in" in home


def test_the_answer_is_the_same_whether_the_address_has_tickets_or_not(app, file_ticket):
    file_ticket(app, requester_email=JEANNE)
    texts = []
    for email in (JEANNE, "nobody@example.net"):
        client = app.test_client()
        answer = client.post(
            "/en/account/sign-in", data={"csrf_token": page_token(client, "/en/account/sign-in"), "email": email}
        )
        texts.append(answer.get_data(as_text=True).replace(email, "ADDRESS"))
    assert texts[0] == texts[1]


def test_a_link_works_once(app, customer):
    client = app.test_client()
    link = customer.link(client, JEANNE)
    assert client.get(link).status_code == 302
    thief = app.test_client()
    used = thief.get(link)
    assert used.status_code == 404 and "expired or was used already" in used.get_data(as_text=True)
    assert thief.get("/en/account/").headers["Location"].startswith("/en/account/sign-in")


def test_a_link_expires_after_fifteen_minutes(app, customer, monkeypatch):
    client = app.test_client()
    link = customer.link(client, JEANNE)
    later = utcnow() + dt.timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(account_operations, "utcnow", lambda: later)
    assert client.get(link).status_code == 404
    assert client.get("/en/account/").status_code == 302


def test_only_the_tokens_hash_is_stored(app, customer):
    client = app.test_client()
    link = customer.link(client, JEANNE)
    token = link.rsplit("/", 1)[1]
    with database(app).engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM sign_in_link"))
    assert token not in dump


def test_sign_in_requests_are_limited_per_address_and_per_client(app_factory):
    app = app_factory(SIGN_IN_ADDRESS_LIMIT="2 per hour", SIGN_IN_LIMIT="4 per hour")
    statuses = []
    for number in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
        statuses.append(
            client.post(
                "/en/account/sign-in", data={"csrf_token": page_token(client, "/en/account/sign-in"), "email": JEANNE}
            ).status_code
        )
    assert statuses == [200, 200, 429], "the third link for one address in an hour is refused, from anywhere"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    token = page_token(client, "/en/account/sign-in")
    answers = [
        client.post("/en/account/sign-in", data={"csrf_token": token, "email": f"person{n}@example.net"}).status_code
        for n in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429], "one client cannot ask for links for everybody"


def test_sign_out_ends_the_session_on_the_server(app, customer):
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    copy = app.test_client()
    copy.set_cookie("hc_account", client.get_cookie("hc_account").value)
    assert copy.get("/en/account/").status_code == 200
    token = page_token(client, "/en/account/")
    assert client.post("/en/account/sign-out", data={"csrf_token": token}).status_code == 302
    assert copy.get("/en/account/").status_code == 302, "a copied cookie opens nothing once signed out"
    with database(app).sessions() as session:
        assert all(row.ended_at is not None for row in session.scalars(select(LoginSession).filter_by(kind="customer")))


def test_staff_and_customer_sessions_never_open_each_others_pages(app, auth, customer, file_ticket):
    reference, _token = file_ticket(app, requester_email=JEANNE)
    staff = app.test_client()
    auth.login(staff)
    assert staff.get("/en/account/").status_code == 302
    assert staff.get(f"/en/account/tickets/{reference}").status_code == 404
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.get(f"/staff/tickets/{reference}").status_code == 302


# --- who reads what -------------------------------------------------------------


def test_another_customer_an_anonymous_reader_and_a_used_link_get_the_same_404(app, customer, file_ticket, ticket_form):
    owner = app.test_client()
    customer.sign_in(owner, JEANNE)
    data = ticket_form(owner, product="", files=(io.BytesIO(PNG), "screen.png"))
    reference = (
        owner.post("/en/tickets/new", data=data, content_type="multipart/form-data")
        .headers["Location"]
        .split("/")[3]
        .split("?")[0]
    )
    page = owner.get(f"/en/account/tickets/{reference}").get_data(as_text=True)
    file_path = re.search(r'href="(/en/account/tickets/[^"]+/files/\d+)"', page).group(1)
    assert owner.get(file_path).status_code == 200

    other = app.test_client()
    customer.sign_in(other, "paul@example.net")
    anonymous = app.test_client()
    stolen = app.test_client()
    used_link = customer.link(app.test_client(), JEANNE)
    owner2 = app.test_client()
    assert owner2.get(used_link).status_code == 302  # the owner used it
    assert stolen.get(used_link).status_code == 404
    missing = main_text(other.get("/en/account/tickets/HC-2026-999999"))
    for reader in (other, anonymous, stolen):
        for path in (f"/en/account/tickets/{reference}", file_path, file_path.replace("/files/", "/files/9")):
            response = reader.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert main_text(response) == missing, "the same answer as for a ticket that does not exist"


def test_my_tickets_lists_my_own_filters_by_status_and_is_never_cached(app, customer, file_ticket):
    mine, _ = file_ticket(app, requester_email="JEANNE@example.org", subject="Mine, typed in capitals")
    theirs, _ = file_ticket(app, requester_email="paul@example.net", subject="Not mine")
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    response = client.get("/en/account/")
    html = response.get_data(as_text=True)
    assert mine in html and theirs not in html
    assert response.headers["Cache-Control"] == "private, no-store"
    assert mine not in client.get("/en/account/?status=resolved").get_data(as_text=True)
    assert mine in client.get("/en/account/?status=new").get_data(as_text=True)


def test_a_signed_in_customer_files_with_name_and_address_filled_in(app, customer, file_ticket, ticket_form):
    file_ticket(app, requester_email=JEANNE, requester_name="Jeanne Martin")
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    form = client.get("/en/tickets/new").get_data(as_text=True)
    assert f'value="{JEANNE}"' in form and 'value="Jeanne Martin"' in form
    created = client.post(
        "/en/tickets/new", data=ticket_form(client, product="", email=JEANNE, subject="Filed while signed in")
    )
    reference = created.headers["Location"].split("/")[3].split("?")[0]
    assert reference in client.get("/en/account/").get_data(as_text=True)


# --- a ticket's page: reply with files, resolve, reopen, rate -------------------


def multipart(fields: dict, files: list[tuple[str, bytes]]) -> dict:
    """A form with files, encoded in memory (the test client's own encoding spools big bodies to files it leaves open)."""
    values = {**fields, "files": [FileStorage(io.BytesIO(content), filename=name) for name, content in files]}
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def reply(client, reference: str, body: str, *files) -> object:
    token = page_token(client, f"/en/account/tickets/{reference}")
    return client.post(
        f"/en/account/tickets/{reference}/reply", **multipart({"csrf_token": token, "body": body}, list(files))
    )


def test_a_reply_with_files_puts_a_waiting_ticket_back_in_the_queue_and_tells_staff(app, auth, customer, file_ticket):
    reference, _ = file_ticket(app, requester_email=JEANNE)
    staff = app.test_client()
    auth.login(staff)
    token = page_token(staff, f"/staff/tickets/{reference}")
    staff.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": token, "body": "Please send a screenshot."})
    assert stored(app, reference).status == "waiting"
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    answer = reply(
        client,
        reference,
        "Here it is, and the log.",
        ("screen.png", PNG),
        ("alerts.log", b"2026-11-30 10:00 ERROR no SMS\n"),
    )
    assert answer.status_code == 303
    ticket = stored(app, reference)
    assert ticket.status == "open"
    message = ticket.messages[-1]
    assert (message.author, message.body) == ("customer", "Here it is, and the log.")
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("screen.png", "image/png"),
        ("alerts.log", "text/plain"),
    ]
    notices = outbox(app, app.config["HELPDESK_EMAIL"])
    assert any("Customer reply" in mail.subject and "Here it is" in mail.body for mail in notices)
    # Once the ticket is someone's, the customer's next words go to them.
    token = page_token(staff, f"/staff/tickets/{reference}")
    staff.post(f"/staff/tickets/{reference}/assign", data={"csrf_token": token, "assignee": str(agent_id(app))})
    reply(client, reference, "One more detail.")
    assert any("One more detail." in mail.body for mail in outbox(app, "agent@fulgur.example"))
    staff_page = staff.get(f"/staff/tickets/{reference}").get_data(as_text=True)
    assert "screen.png" in staff_page
    download = staff.get(re.search(r'href="(/staff/tickets/[^"]+/files/\d+)"', staff_page).group(1))
    assert download.get_data() == PNG


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("holiday.png", b"MZ\x90\x00 this is a Windows program")], "holiday.png cannot be sent"),
        ([("big.log", b"x" * (10 * 1024 * 1024 + 1))], "big.log is larger than 10 MB"),
        ([(f"shot{n}.png", PNG) for n in range(6)], "At most 5 files per message"),
    ],
    ids=["wrong-type-renamed-png", "oversized", "sixth-file"],
)
def test_refused_files_are_said_clearly_and_the_text_is_kept(app, customer, file_ticket, files, message):
    reference, _ = file_ticket(app, requester_email=JEANNE)
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    answer = reply(client, reference, "My carefully typed explanation.", *files)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert message in html
    assert "My carefully typed explanation." in html
    assert len(stored(app, reference).messages) == 1, "nothing kept"


def test_files_on_a_new_ticket_are_refused_the_same_way_with_the_text_kept(app, ticket_form):
    client = app.test_client()
    data = ticket_form(
        client, product="", subject="Typed subject", files=(io.BytesIO(b"\x7fELF\x02\x01 program"), "notes.txt")
    )
    answer = client.post("/en/tickets/new", data=data, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "notes.txt cannot be sent" in html and 'value="Typed subject"' in html


def test_downloads_are_attachments_that_run_nothing(app, customer, file_ticket):
    reference, _ = file_ticket(app, requester_email=JEANNE)
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    reply(client, reference, "An SVG in disguise.", ("diagram.txt", b"<svg onload=alert(1)>"), ("manual.pdf", PDF))
    page = client.get(f"/en/account/tickets/{reference}").get_data(as_text=True)
    for path in re.findall(r'href="(/en/account/tickets/[^"]+/files/\d+)"', page):
        response = client.get(path)
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.mimetype in ("text/plain", "application/pdf")


def test_resolve_reopen_within_fourteen_days_then_a_follow_up(app, customer, file_ticket, ticket_form, monkeypatch):
    reference, _ = file_ticket(app, requester_email=JEANNE)
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    token = page_token(client, f"/en/account/tickets/{reference}")
    assert client.post(f"/en/account/tickets/{reference}/resolve", data={"csrf_token": token}).status_code == 303
    assert stored(app, reference).status == "resolved"
    assert "Reopen" in client.get(f"/en/account/tickets/{reference}").get_data(as_text=True)
    assert client.post(f"/en/account/tickets/{reference}/reopen", data={"csrf_token": token}).status_code == 303
    assert stored(app, reference).status == "open"
    client.post(f"/en/account/tickets/{reference}/resolve", data={"csrf_token": token})
    with database(app).sessions() as session:
        ticket = session.scalars(select(Ticket).filter_by(reference=reference)).one()
        ticket.resolved_at = utcnow() - dt.timedelta(days=15)
        session.commit()
    page = client.get(f"/en/account/tickets/{reference}").get_data(as_text=True)
    assert "Reopen</button>" not in page and f"follow_up={reference}" in page
    client.post(f"/en/account/tickets/{reference}/reopen", data={"csrf_token": token})
    assert stored(app, reference).status == "resolved", "too late to reopen"
    form = client.get(f"/en/tickets/new?follow_up={reference}").get_data(as_text=True)
    assert f"Follow-up to {reference}" in form
    data = ticket_form(client, product="", email=JEANNE, follow_up_of=reference)
    created = client.post("/en/tickets/new", data=data)
    follow_up = created.headers["Location"].split("/")[3].split("?")[0]
    assert stored(app, follow_up).follow_up_of == reference


def test_a_follow_up_of_someone_elses_ticket_is_not_linked(app, customer, file_ticket, ticket_form):
    theirs, _ = file_ticket(app, requester_email="paul@example.net")
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    created = client.post("/en/tickets/new", data=ticket_form(client, product="", email=JEANNE, follow_up_of=theirs))
    assert stored(app, created.headers["Location"].split("/")[3].split("?")[0]).follow_up_of == ""


def test_a_resolved_ticket_is_rated_once_and_the_sla_report_shows_it(app, auth, customer, file_ticket):
    reference, _ = file_ticket(app, requester_email=JEANNE)
    staff = app.test_client()
    auth.login(staff)
    token = page_token(staff, f"/staff/tickets/{reference}")
    staff.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": token, "body": "Fixed on our side."})
    staff.post(f"/staff/tickets/{reference}/status", data={"csrf_token": token, "status": "resolved"})
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    page = client.get(f"/en/account/tickets/{reference}").get_data(as_text=True)
    assert "How satisfied are you with the answer?" in page
    token = csrf_token(page)
    assert (
        client.post(
            f"/en/account/tickets/{reference}/rate", data={"csrf_token": token, "score": "4", "comment": "Quick"}
        ).status_code
        == 303
    )
    assert (
        client.post(f"/en/account/tickets/{reference}/rate", data={"csrf_token": token, "score": "1"}).status_code
        == 409
    )
    rating = stored(app, reference).rating
    assert (rating.score, rating.comment, rating.answered_by) == (4, "Quick", "agent@fulgur.example")
    report = staff.get("/staff/reports/sla").get_data(as_text=True)
    assert "Satisfaction by agent who answered" in report and "Alex Agent" in report and "4.0 / 5" in report
    with database(app).sessions() as session:
        assert len(session.scalars(select(TicketRating)).all()) == 1


# --- mail -------------------------------------------------------------------------


def test_reply_and_status_mails_link_through_sign_in_and_can_be_stopped(app, auth, customer, file_ticket):
    reference, _ = file_ticket(app, requester_email=JEANNE, language="en", site_language="de")
    staff = app.test_client()
    auth.login(staff)
    token = page_token(staff, f"/staff/tickets/{reference}")
    staff.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": token, "body": "First answer."})
    [reply_mail] = outbox(app, JEANNE)
    link = re.search(r"http://localhost(/de/account/sign-in\?next=\S+)", reply_mail.body).group(1)
    assert link.endswith(f"next=/de/account/tickets/{reference}")
    stop = re.search(r"http://localhost(/de/account/tickets/\S+/stop-mails\?signature=\S+)", reply_mail.body).group(1)
    # The sign-in page leads on to the ticket once signed in.
    client = app.test_client()
    customer.sign_in(client, JEANNE, lang="de")
    assert client.get(link).headers["Location"] == f"/de/account/tickets/{reference}"
    # The "stop" link: a page, then a button (a mail scanner's visit stops nothing).
    anybody = app.test_client()
    page = anybody.get(stop)
    assert page.status_code == 200 and not stored(app, reference).mail_opt_out
    assert anybody.get(stop.replace("signature=", "signature=x")).status_code == 404
    anybody.post(stop, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert stored(app, reference).mail_opt_out
    staff.post(f"/staff/tickets/{reference}/reply", data={"csrf_token": token, "body": "Second answer."})
    staff.post(f"/staff/tickets/{reference}/status", data={"csrf_token": token, "status": "resolved"})
    ticket_mails = [mail for mail in outbox(app, JEANNE) if reference in mail.subject]
    assert len(ticket_mails) == 1, "no mail once stopped"


def test_a_status_change_mails_the_requester(app, auth, file_ticket):
    reference, _ = file_ticket(app, requester_email=JEANNE, language="fr")
    staff = app.test_client()
    auth.login(staff)
    token = page_token(staff, f"/staff/tickets/{reference}")
    staff.post(f"/staff/tickets/{reference}/status", data={"csrf_token": token, "status": "resolved"})
    [mail] = outbox(app, JEANNE)
    assert reference in mail.subject and "Résolu" in mail.subject


def test_the_private_link_still_reads_the_ticket_and_its_files(app, customer, file_ticket):
    reference, tracking_token = file_ticket(app, requester_email=JEANNE)
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    reply(client, reference, "With a picture.", ("screen.png", PNG))
    reader = app.test_client()
    page = reader.get(f"/en/tickets/{reference}?token={tracking_token}").get_data(as_text=True)
    assert "With a picture." in page and "Sign in to reply" in page and "<textarea" not in page
    path = re.search(r'href="(/en/tickets/[^"]+/files/\d+\?token=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert reader.get(path).get_data() == PNG
    assert reader.get(path.replace(tracking_token, "wrong")).status_code == 404


def test_internal_notes_and_their_files_never_reach_the_customer(app, auth, customer, file_ticket):
    reference, _ = file_ticket(app, requester_email=JEANNE)
    staff = app.test_client()
    auth.login(staff)
    token = page_token(staff, f"/staff/tickets/{reference}")
    staff.post(
        f"/staff/tickets/{reference}/note", data={"csrf_token": token, "body": "Secret: customer is on the old plan."}
    )
    client = app.test_client()
    customer.sign_in(client, JEANNE)
    assert "Secret" not in client.get(f"/en/account/tickets/{reference}").get_data(as_text=True)
