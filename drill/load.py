"""The load: customers filing tickets, readers reading and searching, an agent replying.

Each client is a thread with a browser of its own (cookies, no automatic
redirects) that goes through the balancer the way a person would: it fetches
the form for its CSRF token, answers the suggestions page when one comes,
and, when a submission fails, waits a moment and submits the same request
again.  Every exchange is written in the :class:`Ledger`, with whether its
answer was the one intended.
"""

from __future__ import annotations

import html
import http.client
import http.cookiejar
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .sites import AGENT_EMAIL, AGENT_PASSWORD, PROJECT

TIMEOUT = 15
ATTEMPTS = 5
#: How long a person waits before trying again after an error page ("please try again shortly").
RETRY_PAUSE = 3.0
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
REFERENCE = re.compile(r"/tickets/(HC-\d{4}-\d+)\?")
#: Words that the articles answer (the suggestions page appears) and words they do not.
TOPICS = (
    "alert zone not received",
    "data API rate limit",
    "storm map does not load",
    "password reset link",
    "mobile app notification",
    "invoice address xylophone",
    "quarterly zebra paperwork",
)
#: Every customer's address ends so.
CUSTOMER_DOMAIN = "@customers.drill.example"
SEARCHES = ("alert", "lightning distance", "api key", "mot de passe", "Gewitter", "archive", "netwrok", "C++")


@dataclass
class Exchange:
    """One request and its answer (``status`` None: no answer at all)."""

    client: str
    kind: str
    started: float
    seconds: float
    status: int | None
    intended: bool


@dataclass
class TicketRequest:
    """A ticket a customer wants filed, and what became of it."""

    marker: str
    email: str
    reference: str | None = None
    acknowledged_at: float | None = None
    attempts: int = 0


@dataclass
class ReplyRequest:
    """A reply an agent wants sent, and what became of it."""

    marker: str
    reference: str
    acknowledged_at: float | None = None
    attempts: int = 0


@dataclass
class Ledger:
    """Everything the load did and was told, shared by the clients."""

    started: float = field(default_factory=time.monotonic)
    exchanges: list[Exchange] = field(default_factory=list)
    tickets: list[TicketRequest] = field(default_factory=list)
    replies: list[ReplyRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        """Seconds since the drill started."""
        return time.monotonic() - self.started

    def record(self, exchange: Exchange) -> None:
        with self.lock:
            self.exchanges.append(exchange)

    def acknowledged_references(self) -> list[str]:
        with self.lock:
            return [ticket.reference for ticket in self.tickets if ticket.reference]


@dataclass
class Answer:
    status: int
    location: str
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: cookies kept, redirects seen rather than followed."""

    def __init__(self, name: str, base: str, ledger: Ledger) -> None:
        self.name = name
        self.base = base
        self.ledger = ledger
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )

    def go(
        self, kind: str, path: str, data: dict | None = None, *, intended: tuple[int, ...] = (200,)
    ) -> Answer | None:
        """GET ``path`` (POST ``data`` if given); the answer, or None when none came.

        The exchange is recorded as intended when its status is one of ``intended``.
        """
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = self.ledger.now()
        answer = None
        try:
            with self.opener.open(self.base + path, data=body, timeout=TIMEOUT) as response:
                answer = Answer(response.status, response.headers.get("Location", ""), response.read().decode())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers.get("Location", ""), error.read().decode(errors="replace"))
        except (OSError, http.client.HTTPException):
            answer = None
        status = answer.status if answer else None
        self.ledger.record(Exchange(self.name, kind, started, self.ledger.now() - started, status, status in intended))
        return answer


def form_fields(page: str, form_class: str | None = None) -> dict[str, str]:
    """The hidden fields of a page's form (the one with ``form_class``, else the whole page)."""
    if form_class is not None:
        start = page.find(f'class="{form_class}"')
        page = page[start : page.find("</form>", start)] if start >= 0 else ""
    fields = {}
    for tag in INPUT.findall(page):
        attributes = {name: html.unescape(value) for name, value in ATTRIBUTE.findall(tag)}
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


class Client(threading.Thread):
    """A person of the load, acting every ``pause`` seconds or so until told to stop."""

    pause = 1.0

    def __init__(self, name: str, base: str, ledger: Ledger, stop: threading.Event, seed: int) -> None:
        super().__init__(name=name, daemon=True)
        self.browser = Browser(name, base, ledger)
        self.ledger = ledger
        self.stopping = stop
        self.random = random.Random(seed)
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.act()
                self.stopping.wait(self.pause * self.random.uniform(0.5, 1.5))
        except BaseException as exc:  # noqa: BLE001 - reported by the drill, which then fails
            self.failure = exc

    def act(self) -> None:
        raise NotImplementedError


class Customer(Client):
    """Files tickets through the form; a failed submission is submitted again, as a person would."""

    pause = 1.5

    def act(self) -> None:
        number = len(self.ledger.tickets) + 1
        wanted = TicketRequest(marker=f"drill-{uuid.uuid4().hex}", email=f"{self.name}.{number}{CUSTOMER_DOMAIN}")
        with self.ledger.lock:
            self.ledger.tickets.append(wanted)
        topic = self.random.choice(TOPICS)
        category = self.random.choice(("technical", "general"))
        fields = {
            "category": category,
            "product": self.random.choice(("", "alerts", "data-api")),
            "subject": f"{topic.capitalize()} ({self.name} #{number})",
            "description": f"Since this morning: {topic}. Reference for our records: {wanted.marker}.",
            "name": f"Customer {self.name}",
            "email": wanted.email,
            "impact": self.random.choice(("high", "average", "low")) if category == "technical" else "",
            "language": self.random.choice(("en", "fr")),
            # With JavaScript, suggestions are shown while the customer types and
            # the form says so; without, the first submit shows them on a page.
            "suggestions_seen": self.random.choice(("1", "")),
        }
        for attempt in range(1, ATTEMPTS + 1):
            wanted.attempts = attempt
            if self._submit(wanted, fields):
                return
            time.sleep(RETRY_PAUSE)

    def _submit(self, wanted: TicketRequest, fields: dict) -> bool:
        """Send the form as the customer has it; True once told the ticket's reference.

        After a failure the customer sends the same form again (the error page
        keeps it, the browser resends it), the form's own identity included.
        """
        if "csrf_token" not in fields:
            form = self.browser.go("ticket form", "/en/tickets/new")
            if form is None or form.status != 200:
                return False
            hidden = form_fields(form.text)
            fields.update(csrf_token=hidden.get("csrf_token", ""), submission=hidden.get("submission", ""))
        answer = self.browser.go("ticket submit", "/en/tickets/new", fields, intended=(200, 303))
        if answer is not None and answer.status == 200 and 'class="confirm-ticket"' in answer.text:
            fields.clear()
            fields.update(form_fields(answer.text, "confirm-ticket"))
            answer = self.browser.go("ticket submit", "/en/tickets/new", fields, intended=(303,))
        if answer is None or answer.status != 303 or not (found := REFERENCE.search(answer.location)):
            return False
        wanted.reference, wanted.acknowledged_at = found.group(1), self.ledger.now()
        self.browser.go("ticket page", urllib.parse.urlsplit(answer.location)._replace(scheme="", netloc="").geturl())
        return True


def article_paths(content: Path = PROJECT / "content") -> list[str]:
    """The site's article addresses in three languages (missing translations fall back)."""
    paths = []
    for source in sorted((content / "en").rglob("*.md")):
        relative = source.relative_to(content / "en").with_suffix("")
        if relative.name != "_index":
            paths.extend(f"/{lang}/{relative.as_posix()}" for lang in ("en", "fr", "de"))
    return paths


class Reader(Client):
    """Reads articles, searches the site and its API, now and then follows a dead link."""

    pause = 0.5

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.articles = article_paths()

    def act(self) -> None:
        roll = self.random.random()
        query = urllib.parse.quote(self.random.choice(SEARCHES))
        if roll < 0.55:
            self.browser.go("article", self.random.choice(self.articles))
        elif roll < 0.75:
            self.browser.go("search page", f"/en/search?q={query}")
        elif roll < 0.95:
            self.browser.go("search API", f"/api/v1/search?q={query}&lang={self.random.choice(('en', 'fr', 'de'))}")
        else:
            self.browser.go("dead link", "/en/faq/no-such-question", intended=(404,))


class Agent(Client):
    """A support agent: logs in, opens tickets that customers were told exist, and answers them."""

    pause = 2.0

    def act(self) -> None:
        references = self.ledger.acknowledged_references()
        if not references:
            return
        wanted = ReplyRequest(marker=f"drill-reply-{uuid.uuid4().hex}", reference=self.random.choice(references))
        with self.ledger.lock:
            self.ledger.replies.append(wanted)
        for attempt in range(1, ATTEMPTS + 1):
            wanted.attempts = attempt
            if self._reply(wanted):
                return
            time.sleep(RETRY_PAUSE)

    def _reply(self, wanted: ReplyRequest) -> bool:
        page = self.browser.go("staff ticket", f"/staff/tickets/{wanted.reference}", intended=(200, 302))
        if page is not None and page.status == 302:
            self._log_in()
            page = self.browser.go("staff ticket", f"/staff/tickets/{wanted.reference}")
        if page is None or page.status != 200:
            return False
        if wanted.attempts > 1 and wanted.marker in page.text:
            # An earlier attempt went through though its answer was lost: the
            # agent sees the reply on the ticket and does not send it again.
            wanted.acknowledged_at = self.ledger.now()
            return True
        data = {
            "csrf_token": form_fields(page.text).get("csrf_token", ""),
            "body": f"Here is our answer. {wanted.marker}",
        }
        answer = self.browser.go("staff reply", f"/staff/tickets/{wanted.reference}/reply", data, intended=(302,))
        if answer is None or answer.status != 302:
            return False
        wanted.acknowledged_at = self.ledger.now()
        return True

    def _log_in(self) -> None:
        form = self.browser.go("staff login form", "/staff/login")
        if form is None or form.status != 200:
            return
        data = {
            "csrf_token": form_fields(form.text).get("csrf_token", ""),
            "email": AGENT_EMAIL,
            "password": AGENT_PASSWORD,
        }
        self.browser.go("staff login", "/staff/login", data, intended=(302,))
