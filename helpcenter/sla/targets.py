"""Every SLA target of a ticket (first response, next responses, resolution) as seen at an instant.

Pure Python, no Flask. The rules (docs: DESIGN.md, "The support policy";
the policy file says which targets a contract has):

- **first response**: the deadline of :func:`.deadlines.first_response_due`,
  in elapsed time from creation; it does not pause: until someone has
  answered the customer, nothing is awaited from them;
- **next response** (where the policy sets one): once the customer has had
  a first response, a message from them that finds none of theirs waiting
  for an answer starts a target; the team's next reply to the customer
  meets it (an internal note does not), and resolving or closing the ticket
  ends it as well. A message written while the ticket is resolved or closed
  starts its target when the ticket is reopened. The window of the
  message's instant picks the time, as creation does for a first response;
- **resolution** (where the policy sets one): from creation until the ticket
  is resolved or closed; reopening runs the same clock on from where it
  stopped. The window decided for the ticket picks the time;
- next-response and resolution targets count their clock (elapsed or
  business time, as the policy declares) only while the ticket's clock runs
  (:mod:`.clock`): paused while the ticket waits on the customer, stopped
  while it is resolved or closed;
- a target is **breached** once more than its time has been counted (for
  good: a late answer does not mend it), **met** when it ended within its
  time, **paused** while its clock does not run, **pending** otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from .calendar import IN_HOURS, OUT_OF_HOURS, OutsideHours, outside_hours_reason
from .clock import (
    STOPPED,
    Period,
    clock_phases,
    phase_at,
    running_periods,
    time_counted,
    time_reached,
)
from .deadlines import BREACHED, MET, PENDING, as_utc, first_response_due
from .policy import (
    ELAPSED,
    FIRST_RESPONSE,
    NEXT_RESPONSE,
    RESOLUTION,
    BusinessCalendar,
    Policy,
)

#: A target whose clock does not run at the moment: the ticket waits on the customer (or is resolved).
PAUSED = "paused"
TARGET_STATES = (PENDING, PAUSED, MET, BREACHED)
#: The moments a target warns about: a share of its time counted, and the breach.
WARNING = "warning"
BREACH = "breach"
THRESHOLDS = (WARNING, BREACH)


@dataclass(frozen=True)
class TicketTimeline:
    """What a ticket's targets are computed from: plain data, whatever stored it.

    ``statuses`` are ``(instant, status entered)`` pairs in order, the first
    being the creation; ``customer_messages`` and ``staff_replies`` the
    instants of the customer's messages and of the team's replies to the
    customer (internal notes are not replies). ``window`` is the window
    decided for the ticket at creation (None: decided from ``created_at``);
    ``first_response_due``, when given, is the deadline recorded for the
    ticket (else it is computed from the policy). Instants are aware
    (``ValueError`` otherwise) and kept in UTC.
    """

    created_at: dt.datetime
    category: str
    priority: str | None
    statuses: tuple[tuple[dt.datetime, str], ...]
    customer_messages: tuple[dt.datetime, ...] = ()
    staff_replies: tuple[dt.datetime, ...] = ()
    window: str | None = None
    first_response_at: dt.datetime | None = None
    first_response_due: dt.datetime | None = None

    def __post_init__(self) -> None:
        # Frozen: normalising the instants needs object.__setattr__.
        created = as_utc(self.created_at, "created_at")
        statuses = tuple((as_utc(at, "status instant"), status) for at, status in self.statuses)
        object.__setattr__(self, "created_at", created)
        object.__setattr__(self, "statuses", statuses or ((created, "new"),))
        for name in ("customer_messages", "staff_replies"):
            object.__setattr__(self, name, tuple(sorted(as_utc(at, name) for at in getattr(self, name))))
        for name in ("first_response_at", "first_response_due"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value, name))


@dataclass(frozen=True)
class TargetClock:
    """One target of one ticket as seen at ``now``: its time, its clock, where it stands.

    ``counted`` is the clock's time counted from ``started_at`` up to
    ``ended_at`` (the reply, the resolution) or ``now``; ``left`` what
    remains (negative once breached). ``due`` is when the target is (or
    was) reached: in the past once breached; while pending, when it will be
    if the clock does not pause again; None while paused or once met.
    ``stopped_for`` is the elapsed time in which the clock did not run
    (the ticket waited on the customer, or was resolved). ``window`` and
    ``reason`` are those of ``started_at``.
    """

    kind: str
    policy_code: str
    policy_name: str
    priority: str
    clock: str
    target: dt.timedelta
    started_at: dt.datetime
    ended_at: dt.datetime | None
    window: str
    reason: OutsideHours | None
    state: str
    counted: dt.timedelta
    stopped_for: dt.timedelta
    due: dt.datetime | None
    now: dt.datetime
    calendar: BusinessCalendar = field(repr=False, compare=False)
    periods: tuple[Period, ...] = field(default=(), repr=False, compare=False)

    @property
    def left(self) -> dt.timedelta:
        """The clock's time still to run before the target is missed (negative once it is)."""
        return self.target - self.counted

    @property
    def running(self) -> bool:
        """Whether the target is still open (pending, paused, or breached and not yet answered or resolved)."""
        return self.ended_at is None

    def share_counted(self) -> float:
        """The share of the target's time already counted (1.0 at the deadline)."""
        return self.counted / self.target

    def reached_at(self, share: float) -> dt.datetime | None:
        """When ``share`` of the target's time is (or will be, without another pause) counted; None while paused."""
        return time_reached(self.periods, self.calendar, self.clock, self.target * share)


def _clock(
    *,
    kind: str,
    policy: Policy,
    priority: str,
    clock: str,
    target: dt.timedelta,
    started_at: dt.datetime,
    ended_at: dt.datetime | None,
    window: str,
    reason: OutsideHours | None,
    periods: tuple[Period, ...],
    now: dt.datetime,
) -> TargetClock:
    until = min(ended_at, now) if ended_at is not None else now
    counted = time_counted(periods, policy.calendar, clock, until)
    running_elapsed = time_counted(periods, policy.calendar, ELAPSED, until)
    if counted > target:
        state = BREACHED
    elif ended_at is not None and ended_at <= now:
        state = MET
    elif periods and periods[-1][1] is None and periods[-1][0] <= now:
        state = PENDING
    else:
        state = PAUSED
    due = None if state in (MET, PAUSED) else time_reached(periods, policy.calendar, clock, target)
    return TargetClock(
        kind=kind,
        policy_code=policy.code,
        policy_name=policy.name,
        priority=priority,
        clock=clock,
        target=target,
        started_at=started_at,
        ended_at=ended_at if ended_at is not None and ended_at <= now else None,
        window=window,
        reason=reason,
        state=state,
        counted=counted,
        stopped_for=max(until - started_at - running_elapsed, dt.timedelta()),
        due=due,
        now=now,
        calendar=policy.calendar,
        periods=periods,
    )


def _window(policy: Policy, instant: dt.datetime, decided: str | None = None) -> tuple[str, OutsideHours | None]:
    reason = outside_hours_reason(policy.calendar, instant)
    window = decided or (IN_HOURS if reason is None else OUT_OF_HOURS)
    return window, reason if window == OUT_OF_HOURS else None


def first_response_clock(timeline: TicketTimeline, policy: Policy, now: dt.datetime) -> TargetClock | None:
    """The first-response target (elapsed time from creation, never paused), or None without one."""
    deadline = first_response_due(
        timeline.created_at, timeline.category, timeline.priority, policy, window=timeline.window
    )
    if deadline.due is None or deadline.window is None:
        return None
    due = timeline.first_response_due or deadline.due
    return _clock(
        kind=FIRST_RESPONSE,
        policy=policy,
        priority=timeline.priority or "",
        clock=ELAPSED,
        target=due - timeline.created_at,
        started_at=timeline.created_at,
        ended_at=timeline.first_response_at,
        window=deadline.window,
        reason=deadline.reason,
        periods=((timeline.created_at, None),),
        now=now,
    )


def _first_reply(timeline: TicketTimeline) -> dt.datetime | None:
    candidates = [at for at in (timeline.first_response_at, *timeline.staff_replies[:1]) if at is not None]
    return min(candidates, default=None)


def next_response_spans(
    timeline: TicketTimeline, phases: Sequence[tuple[dt.datetime, str]]
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """When each next-response target started, and when it ended (None: not yet), in order."""
    first = _first_reply(timeline)
    if first is None:
        return []
    # At one instant: the status first (a reply reopens, then counts), then replies, then messages.
    events = [(at, 0, phase) for at, phase in phases if at > first]
    events += [(at, 1, "reply") for at in timeline.staff_replies if at > first]
    events += [(at, 2, "message") for at in timeline.customer_messages if at > first]
    events.sort(key=lambda event: (event[0], event[1]))
    spans: list[tuple[dt.datetime, dt.datetime | None]] = []
    phase = phase_at(phases, first)
    opened: dt.datetime | None = None
    deferred = False
    for at, _rank, what in events:
        if what == "reply":
            if opened is not None:
                spans.append((opened, at))
            opened, deferred = None, False
        elif what == "message":
            if opened is None and phase == STOPPED:
                deferred = True
            elif opened is None:
                opened = at
        else:
            if what == STOPPED and opened is not None:
                spans.append((opened, at))
                opened = None
            elif what != STOPPED and deferred:
                opened, deferred = at, False
            phase = what
    if opened is not None:
        spans.append((opened, None))
    return spans


def next_response_clocks(
    timeline: TicketTimeline, policy: Policy, now: dt.datetime, phases: Sequence[tuple[dt.datetime, str]]
) -> list[TargetClock]:
    """The next-response targets of the ticket, oldest first (none when the policy sets no such target)."""
    target = policy.clock_target(NEXT_RESPONSE, timeline.category, timeline.priority)
    if target is None:
        return []
    clocks = []
    for started, ended in next_response_spans(timeline, phases):
        if started > now:
            break
        window, reason = _window(policy, started)
        clocks.append(
            _clock(
                kind=NEXT_RESPONSE,
                policy=policy,
                priority=timeline.priority or "",
                clock=target.clock,
                target=target.for_window(window),
                started_at=started,
                ended_at=ended,
                window=window,
                reason=reason,
                periods=running_periods(phases, started, ended),
                now=now,
            )
        )
    return clocks


def resolution_clock(
    timeline: TicketTimeline, policy: Policy, now: dt.datetime, phases: Sequence[tuple[dt.datetime, str]]
) -> TargetClock | None:
    """The resolution target of the ticket, or None when the policy sets none."""
    target = policy.clock_target(RESOLUTION, timeline.category, timeline.priority)
    if target is None:
        return None
    seen = [(at, phase) for at, phase in phases if at <= now]
    ended = seen[-1][0] if seen and seen[-1][1] == STOPPED else None
    window, reason = _window(policy, timeline.created_at, timeline.window)
    return _clock(
        kind=RESOLUTION,
        policy=policy,
        priority=timeline.priority or "",
        clock=target.clock,
        target=target.for_window(window),
        started_at=timeline.created_at,
        ended_at=ended,
        window=window,
        reason=reason,
        periods=running_periods(phases, timeline.created_at, ended),
        now=now,
    )


def ticket_targets(timeline: TicketTimeline, policy: Policy, now: dt.datetime) -> tuple[TargetClock, ...]:
    """Every target of the ticket under ``policy`` as seen at ``now``: first response, next responses, resolution.

    Targets the policy does not set are left out; next-response targets come
    in the order they started. ``now`` must be aware (``ValueError``).
    """
    now = as_utc(now, "now")
    phases = clock_phases(
        [(at, status) for at, status in timeline.statuses if at <= now],
        [at for at in timeline.customer_messages if at <= now],
        [at for at in timeline.staff_replies if at <= now],
    )
    found: list[TargetClock] = []
    if (first := first_response_clock(timeline, policy, now)) is not None:
        found.append(first)
    found += next_response_clocks(timeline, policy, now, phases)
    if (resolution := resolution_clock(timeline, policy, now, phases)) is not None:
        found.append(resolution)
    return tuple(found)


def running_targets(targets: Sequence[TargetClock]) -> list[TargetClock]:
    """The targets still open (pending, paused, or breached and not yet answered or resolved)."""
    return [target for target in targets if target.running]


def thresholds_passed(target: TargetClock, share: float) -> tuple[str, ...]:
    """The thresholds an open target has passed: ``warning`` once ``share`` of its time is counted, ``breach`` after.

    A target that ended (answered, resolved) or is paused passes none: a
    warning would come too late, or while the customer holds the ticket.
    Once breached, both have passed (the warning then comes too late to be
    worth sending on its own).
    """
    if not target.running:
        return ()
    if target.state == BREACHED:
        return (WARNING, BREACH)
    if target.state == PENDING and target.counted >= target.target * share:
        return (WARNING,)
    return ()


def most_urgent(targets: Sequence[TargetClock]) -> TargetClock | None:
    """The open target that needs attention first: a breached one (missed longest ago first), then the one
    due soonest, then a paused one (least time left first); None when no target is open."""
    order = {BREACHED: 0, PENDING: 1, PAUSED: 2}

    def urgency(target: TargetClock) -> tuple:
        return (order[target.state], target.due or target.now, target.left)

    return min((target for target in targets if target.running and target.state in order), key=urgency, default=None)


def target_of(targets: Sequence[TargetClock], kind: str) -> TargetClock | None:
    """The last target of ``kind`` (the current next response, the resolution), or None."""
    return next((target for target in reversed(targets) if target.kind == kind), None)


__all__ = [
    "BREACH",
    "PAUSED",
    "TARGET_STATES",
    "THRESHOLDS",
    "WARNING",
    "TargetClock",
    "TicketTimeline",
    "first_response_clock",
    "most_urgent",
    "next_response_clocks",
    "next_response_spans",
    "resolution_clock",
    "running_targets",
    "target_of",
    "thresholds_passed",
    "ticket_targets",
]
