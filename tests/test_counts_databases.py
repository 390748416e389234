"""Counts (searches, the deflection funnel) added to on SQLite and on PostgreSQL, also at once from several threads."""

import datetime as dt
import threading

from sqlalchemy import select

from helpcenter.articles.models import SearchCount
from helpcenter.articles.operations import record_searches
from helpcenter.db import database, utcnow
from helpcenter.tickets.models import DeflectionCount
from helpcenter.tickets.operations import count_funnel


def search_counts(app) -> dict:
    with database(app).sessions() as session:
        return {(row.lang, row.query, row.found): row.count for row in session.scalars(select(SearchCount))}


def test_counts_are_created_then_added_to(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    before = utcnow()
    with database(app).sessions() as session:
        record_searches(session, {("en", "reset password", True): 2, ("fr", "facture", False): 1})
        record_searches(session, {("en", "reset password", True): 3, ("en", "invoice", True): 1})
        record_searches(session, {})
    assert search_counts(app) == {
        ("en", "reset password", True): 5,
        ("fr", "facture", False): 1,
        ("en", "invoice", True): 1,
    }
    with database(app).sessions() as session:
        seen = session.scalars(select(SearchCount.last_seen)).all()
    assert all(before - dt.timedelta(seconds=1) <= instant <= utcnow() for instant in seen), "aware, in UTC"

    with database(app).sessions() as session:
        for stage in ("shown", "shown", "opened"):
            count_funnel(session, lang="fr", product="alerts", stage=stage, day=dt.date(2026, 5, 14))
    with database(app).sessions() as session:
        rows = {(row.day, row.stage): row.count for row in session.scalars(select(DeflectionCount))}
    assert rows == {(dt.date(2026, 5, 14), "shown"): 2, (dt.date(2026, 5, 14), "opened"): 1}


def test_counts_written_at_once_by_several_writers_are_all_kept(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    counts = {("en", "reset password", True): 1, ("de", "rechnung", False): 2}
    failures = []

    def write() -> None:
        try:
            with database(app).sessions() as session:
                record_searches(session, counts)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    writers = [threading.Thread(target=write) for _ in range(8)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert failures == []
    assert search_counts(app) == {("en", "reset password", True): 8, ("de", "rechnung", False): 16}
