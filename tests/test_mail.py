"""The outbox: mail through a real SMTP server on loopback, retries, order, channels that fail."""

import datetime as dt
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from helpcenter.db import database, utcnow
from helpcenter.outbox import DeliveryError, Mail, OutboxMessage, SmtpSettings, deliver_pending, enqueue
from helpcenter.outbox.delivery import MAX_ATTEMPTS, retry_delay
from helpcenter.outbox.mail import MailChannel
from helpcenter.tickets.models import Ticket

from .helpers import Inbox


@pytest.fixture
def mail_app(app_factory, smtp_port):
    """The app, sending its mail to the SMTP server on ``smtp_port`` (``inbox`` starts one there)."""
    return app_factory(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")


def queue(app, *mails):
    with database(app).sessions() as session:
        for mail in mails:
            enqueue(session, mail)
        session.commit()


def outbox(app):
    with database(app).sessions() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def settings(smtp_port):
    """The mail channel over the SMTP server on ``smtp_port``."""
    return {"mail": MailChannel(SmtpSettings.from_url(f"smtp://127.0.0.1:{smtp_port}", "support@fulgur.example"))}


def test_mail_is_sent_over_smtp(mail_app, smtp_port, inbox):
    queue(mail_app, Mail("jeanne@example.org", "Hello é", "Body with accents: déjà vu"))
    assert deliver_pending(database(mail_app).sessions, settings(smtp_port)) == 1
    [message] = inbox.messages
    assert message["To"] == "jeanne@example.org" and message["From"] == "support@fulgur.example"
    assert str(make_header(decode_header(message["Subject"]))) == "Hello é"
    assert "déjà vu" in message.get_payload(decode=True).decode("utf-8")
    [row] = outbox(mail_app)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    assert deliver_pending(database(mail_app).sessions, settings(smtp_port)) == 0, "never sent twice"
    assert message["Message-ID"] == f"<outbox-{row.id}.{int(row.created_at.timestamp())}@fulgur.example>"


def test_a_server_that_is_down_loses_nothing_and_mail_goes_once_it_is_back(mail_app, smtp_port):
    queue(mail_app, Mail("jeanne@example.org", "Subject", "Body"))
    sessions = database(mail_app).sessions
    assert deliver_pending(sessions, settings(smtp_port)) == 0
    [row] = outbox(mail_app)
    assert row.sent_at is None and row.attempts == 1 and ("Connection" in row.last_error or "refused" in row.last_error)
    assert row.next_attempt_at > utcnow(), "retried later, not in a tight loop"
    assert deliver_pending(sessions, settings(smtp_port)) == 0, "not before its next attempt"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        later = utcnow() + dt.timedelta(minutes=5)
        assert deliver_pending(sessions, settings(smtp_port), now=later) == 1
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
    with caplog.at_level("INFO", logger="helpcenter.outbox.mail"):
        assert deliver_pending(database(app).sessions, {"mail": MailChannel(None)}) == 1
    assert "Logged subject" in caplog.text


def test_a_new_ticket_mails_the_requester_and_the_helpdesk(mail_app, inbox, ticket_form):
    client = mail_app.test_client()
    response = client.post("/fr/tickets/new", data=ticket_form(client, "fr", language="fr", product=""))
    assert response.status_code == 303
    mail_app.extensions["helpcenter.delivery_thread"].join(10)
    recipients = sorted(message["To"] for message in inbox.messages)
    assert recipients == ["jeanne@example.org", "support@fulgur.example"]
    confirmation = next(m for m in inbox.messages if m["To"] == "jeanne@example.org")
    body = confirmation.get_payload(decode=True).decode("utf-8")
    reference = response.headers["Location"].split("/")[3].split("?")[0]
    assert reference in confirmation["Subject"] and mail_app.config["BASE_URL"] + "/fr/tickets/" + reference in body
    assert "Bonjour" in body, "in the ticket's language"


def test_smtp_url_is_checked():
    with pytest.raises(ValueError, match="HELPCENTER_SMTP_URL"):
        SmtpSettings.from_url("http://mail.example", "a@b.c")
    secure = SmtpSettings.from_url("smtps://user%40x:p%2Fw@mail.example", "a@b.c")
    assert (secure.port, secure.tls, secure.username, secure.password) == (465, True, "user@x", "p/w")
    assert SmtpSettings.from_url("smtp://mail.example:587?starttls=true", "a@b.c").starttls


class Recorder:
    """A channel that keeps what it is given, failing while ``down``."""

    def __init__(self, *, down: bool = False, permanent: bool = False) -> None:
        self.sent: list[str] = []
        self.down = down
        self.permanent = permanent

    def send(self, message):
        if self.down:
            raise DeliveryError("receiver down", permanent=self.permanent)
        self.sent.append(message.subject)


def test_a_tickets_messages_on_one_channel_go_out_in_order(app, file_ticket):
    reference, _token = file_ticket(app)
    with database(app).sessions() as session:
        ticket_id = session.scalars(select(Ticket.id).filter_by(reference=reference)).one()
        for subject in ("first", "second", "third"):
            enqueue(session, Mail("a@example.org", subject, "", channel="hook"), ticket_id=ticket_id)
        enqueue(session, Mail("b@example.org", "no ticket", "", channel="hook"))
        session.commit()
    hook = Recorder(down=True)
    sessions = database(app).sessions
    assert deliver_pending(sessions, {"hook": hook}) == 0
    attempts = {row.subject: row.attempts for row in outbox(app)}
    assert attempts == {"first": 1, "second": 0, "third": 0, "no ticket": 1}, "the later ones wait for the first"
    hook.down = False
    assert deliver_pending(sessions, {"hook": hook}) == 0, "not before the retry"
    assert deliver_pending(sessions, {"hook": hook}, now=utcnow() + dt.timedelta(minutes=2)) == 4
    assert [subject for subject in hook.sent if subject != "no ticket"] == ["first", "second", "third"]


def test_a_permanent_failure_is_given_up_and_lets_the_next_ones_go(app, file_ticket):
    class Refusing(Recorder):
        def send(self, message):
            if message.subject == "refused":
                raise DeliveryError("no such mailbox", permanent=True)
            super().send(message)

    reference, _token = file_ticket(app)
    with database(app).sessions() as session:
        ticket_id = session.scalars(select(Ticket.id).filter_by(reference=reference)).one()
        enqueue(session, Mail("a@example.org", "refused", "", channel="hook"), ticket_id=ticket_id)
        enqueue(session, Mail("a@example.org", "fine", "", channel="hook"), ticket_id=ticket_id)
        session.commit()
    hook = Refusing()
    assert deliver_pending(database(app).sessions, {"hook": hook}) == 1
    refused = outbox(app)[0]
    assert refused.abandoned_at is not None and refused.last_error == "no such mailbox" and refused.attempts == 1
    assert hook.sent == ["fine"], "a message given up no longer holds back the ticket's next ones"
    assert deliver_pending(database(app).sessions, {"hook": hook}, now=utcnow() + dt.timedelta(days=2)) == 0


def test_a_message_is_given_up_after_many_attempts(app):
    queue(app, Mail("a@example.org", "hopeless", "", channel="hook"))
    sessions, down = database(app).sessions, Recorder(down=True)
    when = utcnow()
    for _attempt in range(MAX_ATTEMPTS):
        deliver_pending(sessions, {"hook": down}, now=when)
        when += dt.timedelta(hours=2)
    [row] = outbox(app)
    assert row.attempts == MAX_ATTEMPTS and row.abandoned_at is not None


def test_a_channel_that_raises_anything_is_retried_and_the_others_still_go(app):
    class Broken:
        def send(self, message):
            raise KeyError("a bug in a channel")

    queue(
        app,
        Mail("a@example.org", "to the broken one", "", channel="broken"),
        Mail("a@example.org", "mail", "", channel="hook"),
    )
    hook = Recorder()
    assert deliver_pending(database(app).sessions, {"broken": Broken(), "hook": hook}) == 1
    broken = outbox(app)[0]
    assert broken.sent_at is None and broken.abandoned_at is None and "KeyError" in broken.last_error
    assert hook.sent == ["mail"]


def test_messages_of_a_channel_nobody_delivers_wait(app):
    queue(app, Mail("a@example.org", "for later", "", channel="jira"))
    assert deliver_pending(database(app).sessions, {"hook": Recorder()}) == 0
    [row] = outbox(app)
    assert row.attempts == 0 and row.sent_at is None
