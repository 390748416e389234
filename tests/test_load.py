"""A bounded burst against gunicorn on loopback, with PostgreSQL and Redis, as in production."""

import concurrent.futures
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from .helpers import POSTGRES_ADMIN_URL, PROJECT_CONTENT, TICKET_FIELDS, gunicorn_server, postgres_unavailable

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/15"
TICKETS = 40
SEARCHES = 60
SEARCH_LIMIT = 25


def _redis_available() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:  # no server, or not one that answers: skip, saying why
        return f"no Redis answers at {REDIS_URL}: {exc}"
    return None


@pytest.fixture
def server(tmp_path):
    """gunicorn with two workers over PostgreSQL, rate limits in Redis, the demo content."""
    for reason in (postgres_unavailable(), _redis_available()):
        if reason:
            pytest.skip(reason)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    settings = {
        "HELPCENTER_DATABASE_URL": database_url,
        "HELPCENTER_CONTENT_DIR": str(PROJECT_CONTENT),
        "HELPCENTER_RATELIMIT_STORAGE": REDIS_URL,
        "HELPCENTER_TICKET_LIMIT": "1000 per minute",
        "HELPCENTER_SEARCH_API_LIMIT": f"{SEARCH_LIMIT} per minute",
    }
    try:
        with gunicorn_server(tmp_path, settings, workers=2) as (base, _log):
            yield base, database_url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def file_ticket(base: str, number: int) -> tuple[int, str]:
    """One customer: fetch the form (its cookie and CSRF token), post a ticket."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(f"{base}/en/tickets/new", timeout=30) as page:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
    data = urllib.parse.urlencode(
        {
            **TICKET_FIELDS,
            "csrf_token": token,
            "subject": f"Load ticket {number}",
            "description": "A ticket sent during the load test.",
            "name": "Load Tester",
            "email": f"load{number}@example.org",
            "impact": "low",
        }
    ).encode()
    try:
        with opener.open(f"{base}/en/tickets/new", data=data, timeout=30) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def search(base: str, number: int) -> int:
    try:
        with urllib.request.urlopen(f"{base}/api/v1/search?q=alert+{number}", timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_burst_of_tickets_and_searches(server):
    base, database_url = server
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        tickets = [pool.submit(file_ticket, base, number) for number in range(TICKETS)]
        searches = [pool.submit(search, base, number) for number in range(SEARCHES)]
        ticket_answers = [future.result(timeout=120) for future in tickets]
        search_answers = [future.result(timeout=120) for future in searches]

    accepted = [location for status, location in ticket_answers if status == 303]
    assert len(accepted) == TICKETS, ticket_answers
    references = [location.split("/")[3].split("?")[0] for location in accepted]
    assert len(set(references)) == TICKETS

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT reference, subject FROM ticket")).all()
    engine.dispose()
    assert sorted(reference for reference, _subject in rows) == sorted(references), "every ticket stored exactly once"
    assert {subject for _reference, subject in rows} == {f"Load ticket {n}" for n in range(TICKETS)}

    # Two workers, one limit: Redis counts every worker's searches together.
    assert search_answers.count(200) == SEARCH_LIMIT
    assert search_answers.count(429) == SEARCHES - SEARCH_LIMIT
    assert set(search_answers) == {200, 429}
