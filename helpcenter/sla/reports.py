"""SLA compliance figures over a period: per priority and window, response times, breaches.

Pure Python, no Flask and no database: everything takes plain data
(``TicketFacts``, or any object with a ticket's attributes) and returns plain
data, so the staff console's page, chart and CSV export and the tests share
the same computations.

The rules (docs: DESIGN.md, "The support policy"):

- only tickets created in the half-open period ``[start, end)`` count;
- a ticket with a first-response deadline is met, breached or pending as
  :func:`helpcenter.sla.response_state` says, as seen at the report's ``now``;
- tickets without a committed target (general questions, suggestions, a
  technical ticket with no priority yet) count in the period's total only;
- next-response and resolution targets (:mod:`.targets`) are counted per
  target and priority as met, breached, pending or paused; every breached
  target, the first response's included, is listed with how far it is over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .calendar import IN_HOURS, OUT_OF_HOURS
from .deadlines import BREACHED, MET, NO_TARGET, PENDING, as_utc, response_state
from .policy import NEXT_RESPONSE, PRIORITIES, RESOLUTION
from .targets import PAUSED, TargetClock

__all__ = [
    "ComplianceRow",
    "Rating",
    "Satisfaction",
    "SatisfactionRow",
    "satisfaction",
    "SlaReport",
    "TargetBreach",
    "TargetRow",
    "TargetsReport",
    "TicketFacts",
    "TicketTargets",
    "WINDOWS",
    "shown_share",
    "sla_report",
    "targets_report",
    "tickets_in_period",
]

WINDOWS = (IN_HOURS, OUT_OF_HOURS)


@dataclass(frozen=True)
class TicketFacts:
    """What the SLA report needs to know about one ticket.

    Instants are aware; they are stored converted to UTC (a naive datetime
    raises ``ValueError``: it names no instant). ``priority`` and ``window``
    are the policy's words (``high``/``average``/``low``,
    ``in_hours``/``out_of_hours``), None where no target applies.
    """

    reference: str
    category: str
    priority: str | None
    window: str | None
    created_at: dt.datetime
    first_response_due: dt.datetime | None
    first_response_at: dt.datetime | None
    subject: str

    def __post_init__(self) -> None:
        # Frozen: normalising the instants needs object.__setattr__.
        object.__setattr__(self, "created_at", as_utc(self.created_at, "created_at"))
        for name in ("first_response_due", "first_response_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value, name))

    @classmethod
    def from_ticket(cls, ticket: object) -> TicketFacts:
        """The facts of any object carrying a ticket's attributes (the ``Ticket`` model, a row, a namespace).

        A missing reference or subject (None) becomes the empty string.
        """
        return cls(
            reference=ticket.reference or "",
            category=ticket.category,
            priority=ticket.priority,
            window=ticket.window,
            created_at=ticket.created_at,
            first_response_due=ticket.first_response_due,
            first_response_at=ticket.first_response_at,
            subject=ticket.subject or "",
        )

    def state(self, now: dt.datetime) -> str:
        """``met``, ``breached``, ``pending`` or ``no_target``, as seen at ``now``."""
        return response_state(self.first_response_due, self.first_response_at, now)

    @property
    def response_time(self) -> dt.timedelta | None:
        """Elapsed time from creation to the first response, or None before any response."""
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.created_at


@dataclass(frozen=True)
class ComplianceRow:
    """The SLA figures of one priority and window.

    ``compliance`` is ``met / (met + breached)`` (pending tickets are not
    decided yet), None when nothing is decided.
    """

    priority: str
    window: str
    tickets: int
    met: int
    breached: int
    pending: int
    compliance: float | None


@dataclass(frozen=True)
class SlaReport:
    """SLA compliance over the tickets created in ``[start, end)``, as seen at ``now``.

    ``total`` counts every ticket of the period; ``with_target`` those with
    a first-response deadline, which alone make the other figures. ``rows``
    always holds the six priority × window rows, in the order high, average,
    low × in hours, out of hours. Response times are measured from creation,
    over the period's tickets with a target that have been answered
    (``p90`` by the nearest-rank method). ``breaches`` is sorted by deadline.
    """

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    total: int
    with_target: int
    rows: tuple[ComplianceRow, ...]
    met: int
    breached: int
    pending: int
    compliance: float | None
    median_first_response: dt.timedelta | None
    p90_first_response: dt.timedelta | None
    breaches: tuple[TicketFacts, ...]

    def row(self, priority: str, window: str) -> ComplianceRow:
        """The row of one priority and window (``KeyError`` for words the policy does not use)."""
        for row in self.rows:
            if row.priority == priority and row.window == window:
                return row
        raise KeyError((priority, window))


def _as_facts(ticket: object) -> TicketFacts:
    return ticket if isinstance(ticket, TicketFacts) else TicketFacts.from_ticket(ticket)


def tickets_in_period(tickets: Iterable[object], start: dt.datetime, end: dt.datetime) -> list[TicketFacts]:
    """The facts of the tickets created in ``[start, end)``, in creation order."""
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end < start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    chosen = [facts for facts in map(_as_facts, tickets) if start <= facts.created_at < end]
    chosen.sort(key=lambda facts: (facts.created_at, facts.reference))
    return chosen


def _share(met: int, breached: int) -> float | None:
    decided = met + breached
    return None if decided == 0 else met / decided


def _median(values: list[dt.timedelta]) -> dt.timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _nearest_rank(values: list[dt.timedelta], percent: int) -> dt.timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    # ceil(percent/100 * n) in integers: in floats 0.9 * n can land a hair
    # above a whole number and pick the next rank.
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


def sla_report(tickets: Iterable[object], *, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> SlaReport:
    """SLA compliance of the tickets created in ``[start, end)``, as seen at ``now``.

    ``tickets`` may hold ``TicketFacts`` or any objects with a ticket's
    attributes; tickets outside the period are ignored. Every instant must be
    aware (``ValueError`` otherwise, or when ``end`` is before ``start``).
    See ``SlaReport`` for what each figure means.
    """
    now = as_utc(now, "now")
    period = tickets_in_period(tickets, start, end)
    counts = {(priority, window): {MET: 0, BREACHED: 0, PENDING: 0} for priority in PRIORITIES for window in WINDOWS}
    overall = {MET: 0, BREACHED: 0, PENDING: 0}
    breaches: list[TicketFacts] = []
    response_times: list[dt.timedelta] = []
    with_target = 0
    for facts in period:
        status = facts.state(now)
        if status == NO_TARGET:
            continue
        with_target += 1
        overall[status] += 1
        # The policy only gives deadlines to the three priorities in one of
        # the two windows; anything else still counts in the overall figures.
        if (facts.priority, facts.window) in counts:
            counts[facts.priority, facts.window][status] += 1
        if status == BREACHED:
            breaches.append(facts)
        if facts.response_time is not None:
            response_times.append(facts.response_time)
    rows = tuple(
        ComplianceRow(
            priority=priority,
            window=window,
            tickets=sum(figures.values()),
            met=figures[MET],
            breached=figures[BREACHED],
            pending=figures[PENDING],
            compliance=_share(figures[MET], figures[BREACHED]),
        )
        for (priority, window), figures in counts.items()
    )
    breaches.sort(key=lambda facts: (facts.first_response_due, facts.created_at, facts.reference))
    return SlaReport(
        start=as_utc(start, "start"),
        end=as_utc(end, "end"),
        now=now,
        total=len(period),
        with_target=with_target,
        rows=rows,
        met=overall[MET],
        breached=overall[BREACHED],
        pending=overall[PENDING],
        compliance=_share(overall[MET], overall[BREACHED]),
        median_first_response=_median(response_times),
        p90_first_response=_nearest_rank(response_times, 90),
        breaches=tuple(breaches),
    )


def shown_share(share: float) -> float:
    """A share (0 to 1) rounded to a tenth of a percent for showing: ``0.6666`` gives ``0.667``.

    Never rounds a share below one up to 100% nor a share above zero down
    to 0%, so a breached target never reads as fully met.
    """
    tenths = int(share * 1000 + 0.5)
    if tenths >= 1000 and share < 1:
        tenths = 999
    elif tenths <= 0 and share > 0:
        tenths = 1
    return tenths / 1000


@dataclass(frozen=True)
class Rating:
    """One customer's rating of a resolved ticket: its priority (or None), who answered it, the score (1 to 5)."""

    priority: str | None
    agent: str
    score: int


@dataclass(frozen=True)
class SatisfactionRow:
    """Ratings of one group: how many, their mean, and the share of 4 and 5 ("satisfied")."""

    key: str
    ratings: int
    mean: float | None
    satisfied: float | None


@dataclass(frozen=True)
class Satisfaction:
    """Customer satisfaction of a period: overall, per priority (the policy's order, then none) and per agent."""

    overall: SatisfactionRow
    by_priority: tuple[SatisfactionRow, ...]
    by_agent: tuple[SatisfactionRow, ...]


def _row(key: str, scores: list[int]) -> SatisfactionRow:
    if not scores:
        return SatisfactionRow(key, 0, None, None)
    return SatisfactionRow(
        key, len(scores), sum(scores) / len(scores), sum(score >= 4 for score in scores) / len(scores)
    )


def satisfaction(ratings: Iterable[Rating]) -> Satisfaction:
    """Satisfaction per priority (``high``, ``average``, ``low``, then ``none``) and per agent (by name)."""
    ratings = list(ratings)
    priorities = [*PRIORITIES, "none"]
    by_priority = tuple(
        _row(priority, [rating.score for rating in ratings if (rating.priority or "none") == priority])
        for priority in priorities
    )
    agents = sorted({rating.agent for rating in ratings})
    by_agent = tuple(_row(agent, [rating.score for rating in ratings if rating.agent == agent]) for agent in agents)
    return Satisfaction(_row("all", [rating.score for rating in ratings]), by_priority, by_agent)


#: The targets beyond the first response that the report counts.
LATER_TARGETS = (NEXT_RESPONSE, RESOLUTION)


@dataclass(frozen=True)
class TicketTargets:
    """What the report reads of one ticket's targets (computed by :func:`helpcenter.sla.ticket_targets`)."""

    reference: str
    subject: str
    created_at: dt.datetime
    targets: tuple[TargetClock, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", as_utc(self.created_at, "created_at"))


@dataclass(frozen=True)
class TargetRow:
    """The figures of one kind of target (``next_response``, ``resolution``) and one priority.

    ``targets`` counts targets, not tickets (a ticket has one next-response
    target per customer message that waited for an answer); ``compliance``
    is ``met / (met + breached)``, None when nothing is decided.
    """

    kind: str
    priority: str
    targets: int
    met: int
    breached: int
    pending: int
    paused: int
    compliance: float | None


@dataclass(frozen=True)
class TargetBreach:
    """One missed target of one ticket; ``over`` is how much more than its time was counted."""

    reference: str
    subject: str
    target: TargetClock

    @property
    def over(self) -> dt.timedelta:
        """How far past its time the target is (or was, when it ended)."""
        return -self.target.left


@dataclass(frozen=True)
class TargetsReport:
    """Next-response and resolution figures, and every breach, over the tickets created in ``[start, end)``.

    ``rows`` holds a row per kind of :data:`LATER_TARGETS` and priority, in
    that order, whether or not any policy sets such a target (``counted``
    says whether any ticket had one). ``breaches`` lists every breached
    target (first responses included) by the instant it was missed.
    """

    start: dt.datetime
    end: dt.datetime
    rows: tuple[TargetRow, ...]
    breaches: tuple[TargetBreach, ...]

    @property
    def counted(self) -> bool:
        """Whether any ticket of the period had a next-response or resolution target."""
        return any(row.targets for row in self.rows)


def targets_report(tickets: Iterable[TicketTargets], *, start: dt.datetime, end: dt.datetime) -> TargetsReport:
    """The figures of next-response and resolution targets of the tickets created in ``[start, end)``, and every breach.

    Each target counts as it stood when it was computed (its own ``now``).
    """
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end < start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    states = (MET, BREACHED, PENDING, PAUSED)
    counts = {(kind, priority): dict.fromkeys(states, 0) for kind in LATER_TARGETS for priority in PRIORITIES}
    breaches: list[TargetBreach] = []
    for ticket in tickets:
        if not start <= ticket.created_at < end:
            continue
        for target in ticket.targets:
            if (target.kind, target.priority) in counts:
                counts[target.kind, target.priority][target.state] += 1
            if target.state == BREACHED:
                breaches.append(TargetBreach(ticket.reference, ticket.subject, target))
    rows = tuple(
        TargetRow(
            kind=kind,
            priority=priority,
            targets=sum(figures.values()),
            met=figures[MET],
            breached=figures[BREACHED],
            pending=figures[PENDING],
            paused=figures[PAUSED],
            compliance=_share(figures[MET], figures[BREACHED]),
        )
        for (kind, priority), figures in counts.items()
    )
    breaches.sort(key=lambda breach: (breach.target.due or breach.target.started_at, breach.reference))
    return TargetsReport(start=start, end=end, rows=rows, breaches=tuple(breaches))
