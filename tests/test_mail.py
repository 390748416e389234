"""Mail through the outbox, against a real SMTP server on loopback."""

import datetime as dt
import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from helpcenter.db import database, utcnow
from helpcenter.mail import Mail, OutboxMail, SmtpSettings, deliver_pending, enqueue, retry_delay


class Inbox(Message):
    """Keeps every message the server receives."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def smtp_server(port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def mail_app(app_factory, port):
    """The app, sending its mail to the SMTP server on ``port``."""
    return app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")


def queue(app, *mails):
    with database(app).sessions() as session:
        for mail in mails:
            enqueue(session, mail)
        session.commit()


def outbox(app):
    with database(app).sessions() as session:
        return session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()


def settings(port):
    return SmtpSettings.from_url(f"smtp://127.0.0.1:{port}", "support@fulgur.example")


def test_mail_is_sent_over_smtp(mail_app, port, smtp_server):
    queue(mail_app, Mail("jeanne@example.org", "Hello é", "Body with accents: déjà vu"))
    assert deliver_pending(database(mail_app).sessions, settings(port)) == 1
    [message] = smtp_server.messages
    assert message["To"] == "jeanne@example.org" and message["From"] == "support@fulgur.example"
    assert str(make_header(decode_header(message["Subject"]))) == "Hello é"
    assert "déjà vu" in message.get_payload(decode=True).decode("utf-8")
    [row] = outbox(mail_app)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    assert deliver_pending(database(mail_app).sessions, settings(port)) == 0, "never sent twice"


def test_a_server_that_is_down_loses_nothing_and_mail_goes_once_it_is_back(mail_app, port):
    queue(mail_app, Mail("jeanne@example.org", "Subject", "Body"))
    sessions = database(mail_app).sessions
    assert deliver_pending(sessions, settings(port)) == 0
    [row] = outbox(mail_app)
    assert row.sent_at is None and row.attempts == 1 and ("Connection" in row.last_error or "refused" in row.last_error)
    assert row.next_attempt_at > utcnow(), "retried later, not in a tight loop"
    assert deliver_pending(sessions, settings(port)) == 0, "not before its next attempt"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        later = utcnow() + dt.timedelta(minutes=5)
        assert deliver_pending(sessions, settings(port), now=later) == 1
    finally:
        controller.stop()
    assert [message["Subject"] for message in inbox.messages] == ["Subject"]
    [row] = outbox(mail_app)
    assert row.sent_at is not None and row.attempts == 2


def test_retry_delay_grows_and_is_capped():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(20) == dt.timedelta(hours=1)


def test_without_smtp_mail_is_logged(app, caplog):
    queue(app, Mail("jeanne@example.org", "Logged subject", "Logged body"))
    with caplog.at_level("INFO", logger="helpcenter.mail"):
        assert deliver_pending(database(app).sessions, None) == 1
    assert "Logged subject" in caplog.text


def test_a_new_ticket_mails_the_requester_and_the_helpdesk(mail_app, smtp_server, ticket_form):
    client = mail_app.test_client()
    response = client.post("/fr/tickets/new", data=ticket_form(client, "fr", language="fr", product=""))
    assert response.status_code == 303
    mail_app.extensions["helpcenter.mail_thread"].join(10)
    recipients = sorted(message["To"] for message in smtp_server.messages)
    assert recipients == ["jeanne@example.org", "support@fulgur.example"]
    confirmation = next(m for m in smtp_server.messages if m["To"] == "jeanne@example.org")
    body = confirmation.get_payload(decode=True).decode("utf-8")
    reference = response.headers["Location"].split("/")[3].split("?")[0]
    assert reference in confirmation["Subject"] and "http://localhost/fr/tickets/" + reference in body
    assert "Bonjour" in body, "in the ticket's language"


def test_smtp_url_is_checked():
    with pytest.raises(ValueError, match="HELPCENTER_SMTP_URL"):
        SmtpSettings.from_url("http://mail.example", "a@b.c")
    secure = SmtpSettings.from_url("smtps://user%40x:p%2Fw@mail.example", "a@b.c")
    assert (secure.port, secure.tls, secure.username, secure.password) == (465, True, "user@x", "p/w")
    assert SmtpSettings.from_url("smtp://mail.example:587?starttls=true", "a@b.c").starttls
