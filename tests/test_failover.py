"""The app across a database failover, on the real PostgreSQL: hosts that are down or read-only, readiness, mail once.

The whole failover (two clusters, promotion, rewind) is rehearsed by the
drill (tests/test_drill.py); these tests pin down each thing the app must
do for it to work.
"""

import contextlib
import datetime as dt
import uuid

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from helpcenter.db import Database, database, utcnow
from helpcenter.jobs import JobRunner
from helpcenter.outbox import Mail, MailChannel, OutboxMessage, SmtpSettings, deliver_pending, enqueue
from helpcenter.outbox.delivery import CLAIM, _claim

from .helpers import POSTGRES_ADMIN_URL, Inbox, free_port

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def mail_over(port: int) -> dict:
    """The outbox's channels, mail going to the SMTP server on ``port``."""
    return {"mail": MailChannel(SmtpSettings.from_url(f"smtp://127.0.0.1:{port}", "support@fulgur.example"))}


def with_query(url: str, **options: str) -> str:
    return url + "".join(f"&{name}={value}" for name, value in options.items())


def multi_host(url: str, *ports: int) -> str:
    """The test URL rewritten to name several hosts, as the two-site deployment does."""
    base, _, query = url.partition("?")
    prefix, _, _host_and_db = base.rpartition("@")
    database_name = base.rsplit("/", 1)[1]
    hosts = "&".join(f"host=127.0.0.1:{port}" for port in ports)
    return f"{prefix}@/{database_name}?{hosts}&{query}"


def test_one_url_names_both_sites_and_the_one_that_is_down_is_skipped(database_url):
    url = multi_host(database_url, free_port(), 5432)
    engine = Database(url).engine
    with engine.connect() as connection:
        assert connection.execute(text("SHOW transaction_read_only")).scalar() == "off"
    engine.dispose()


def test_a_server_that_refuses_writes_is_refused_unless_the_url_says_otherwise(app_factory, database_url):
    # The fixture's URL ends with its ``options``: one more server setting, as a standby has.
    read_only = database_url + "%20-cdefault_transaction_read_only%3Don"
    engine = Database(read_only).engine
    with pytest.raises(OperationalError, match="read-only|read-write"):
        engine.connect()
    engine.dispose()

    app = app_factory(DATABASE_URL=database_url)
    database(app).engine.dispose()
    app.extensions["helpcenter.db"] = Database(read_only)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["checks"]["database"].startswith("unavailable")

    # An operator who asks for any server gets one, but readiness still says the truth.
    database(app).engine.dispose()
    app.extensions["helpcenter.db"] = Database(with_query(read_only, target_session_attrs="any"))
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["checks"] == {"database": "read-only", "search": "ok"}


def terminate(application_name: str) -> int:
    """End every server process of connections named ``application_name``, as a lost primary would."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        ended = connection.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": application_name},
        ).scalar()
    admin.dispose()
    return ended


def test_pooled_connections_to_a_lost_server_are_dropped_without_a_restart(app_factory, database_url):
    name = f"hc-{uuid.uuid4().hex[:12]}"
    app = app_factory(DATABASE_URL=with_query(database_url, application_name=name))
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    assert terminate(name) >= 1, "the app keeps a pooled connection"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()


class LosesTheDatabase(Inbox):
    """Accepts a mail, after cutting the sender's database connection: the primary is lost mid-delivery."""

    def __init__(self, application_name: str):
        super().__init__()
        self.application_name = application_name
        self.cut = 0

    def handle_message(self, message):
        if not self.cut:
            self.cut = terminate(self.application_name)
        super().handle_message(message)


def queue_mail(app) -> tuple[int, dt.datetime]:
    """One mail in the app's outbox: its id and when it is due."""
    with database(app).sessions() as session:
        mail = enqueue(session, Mail("jeanne@example.org", "Your ticket", "Body"))
        session.commit()
        return mail.id, mail.next_attempt_at


@contextlib.contextmanager
def smtp_server(inbox: Inbox):
    """A real SMTP server on loopback handing what it receives to ``inbox``; yields the outbox's channels."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mail_over(port)
    finally:
        controller.stop()


def test_a_mail_sent_while_the_database_is_lost_is_marked_sent_and_not_sent_again(app_factory, database_url):
    name = f"hc-{uuid.uuid4().hex[:12]}"
    app = app_factory(DATABASE_URL=with_query(database_url, application_name=name), index=False)
    sessions = database(app).sessions
    queue_mail(app)
    inbox = LosesTheDatabase(name)
    with smtp_server(inbox) as channels:
        assert deliver_pending(sessions, channels) == 1
        assert inbox.cut, "the connection was cut between the SMTP server's acceptance and the 'sent' mark"
        with sessions() as session:
            [row] = session.scalars(select(OutboxMessage)).all()
        assert row.sent_at is not None and row.attempts == 1
        assert deliver_pending(sessions, channels, now=utcnow() + 2 * CLAIM) == 0
    assert len(inbox.messages) == 1, "sent once"


def test_a_resent_mail_keeps_its_message_id(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    sessions = database(app).sessions
    queue_mail(app)
    inbox = Inbox()
    with smtp_server(inbox) as channels:
        assert deliver_pending(sessions, channels) == 1
        with sessions() as session:
            session.execute(OutboxMessage.__table__.update().values(sent_at=None))
            session.commit()
        assert deliver_pending(sessions, channels, now=utcnow() + 2 * CLAIM) == 1
    first, second = inbox.messages
    assert first["Message-ID"] == second["Message-ID"], "a receiver can tell the same mail sent twice"
    assert first["Message-ID"].endswith("@fulgur.example>")


def test_a_claim_written_though_its_commit_was_lost_is_still_the_claimer_s(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    sessions = database(app).sessions
    mail_id, planned = queue_mail(app)
    claim = utcnow() + CLAIM
    for _attempt in range(2):  # the second time, as after a commit whose answer never came
        with sessions.begin() as session:
            assert _claim(session, mail_id, planned, claim) is not None
    with sessions.begin() as session:
        assert _claim(session, mail_id, planned, claim + CLAIM) is None, "anyone else's claim is refused"


def test_a_mail_whose_sender_died_holding_it_goes_once_its_claim_lapses(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    sessions = database(app).sessions
    mail_id, planned = queue_mail(app)
    claimed_at = utcnow()
    with sessions.begin() as session:  # a sender claims it, then is killed (-9)
        assert _claim(session, mail_id, planned, claimed_at + CLAIM) is not None
    inbox = Inbox()
    with smtp_server(inbox) as channels:
        assert deliver_pending(sessions, channels, now=claimed_at + CLAIM / 2) == 0, "not while the claim holds"
        assert deliver_pending(sessions, channels, now=claimed_at + CLAIM) == 1
    assert len(inbox.messages) == 1


def test_the_periodic_jobs_outlive_a_database_out_of_reach(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    database(app).engine.dispose()
    # No server accepts writes (between the primary's loss and the standby's promotion).
    app.extensions["helpcenter.db"] = Database(multi_host(database_url, free_port()))
    results = JobRunner(app).run_due(every_job=True)
    assert results["outbox"].startswith("failed: OperationalError"), results
