"""The clock of a target: which time counts (elapsed or business), and when it stops counting.

Pure Python, no Flask. The rules:

- a ticket's clock *runs* while the ticket is in the support team's hands
  (``new``, ``open``, or any status this module does not know), is *paused*
  while the ticket waits on the customer (``waiting``) and is *stopped*
  while it is resolved or closed (``resolved``, ``closed``);
- a message from the customer ends a pause at its instant, whatever the
  status says (they answered: it is the team's turn again), so that a
  channel that leaves the status as it was still resumes the clock; the
  team's next reply pauses it again while the status still says the ticket
  waits on the customer; a message does not restart a stopped clock (a
  "thank you" does not reopen a ticket);
- elapsed time counts every second between two instants, in UTC, so a
  daylight-saving night counts the 23 or 25 hours it really lasts;
- business time counts only the seconds inside the calendar's business
  hours, decided in the calendar's own time zone (08:00 to 17:00 local is
  nine hours whatever the offset that day), without public holidays and
  closure dates.

Everything takes plain data: the ticket's statuses as ``(instant, status)``
pairs and the instants of the customer's messages and of the team's
replies, so that every way a status changes (the staff console, the
customer's pages, a remote service) counts the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from .calendar import holiday_name
from .policy import BUSINESS, ELAPSED, BusinessCalendar

RUNNING = "running"
PAUSED = "paused"
STOPPED = "stopped"

#: Statuses in which the ticket waits on the customer: the clock pauses.
PAUSING_STATUSES = frozenset({"waiting"})
#: Statuses in which the ticket is done: the clock stops (reopening starts it again).
STOPPING_STATUSES = frozenset({"resolved", "closed"})
#: How far business time is looked for before a calendar is judged to have none (ten years).
MAX_DAYS = 3660

# Markers of the events that are not status changes (never equal to a status word).
_MESSAGE, _REPLY = object(), object()

#: A stretch of time in which a clock runs: from an instant to another, or on (None).
Period = tuple[dt.datetime, dt.datetime | None]


def _utc(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no UTC offset; give an aware datetime")
    return value.astimezone(dt.UTC)


def phase_of(status: str) -> str:
    """The clock's phase in a status: ``paused``, ``stopped``, or ``running`` (any other status)."""
    if status in PAUSING_STATUSES:
        return PAUSED
    if status in STOPPING_STATUSES:
        return STOPPED
    return RUNNING


def clock_phases(
    statuses: Sequence[tuple[dt.datetime, str]],
    customer_messages: Iterable[dt.datetime] = (),
    staff_replies: Iterable[dt.datetime] = (),
) -> tuple[tuple[dt.datetime, str], ...]:
    """The ticket clock's phases: ``(instant, phase)`` at each change, the first at the first status.

    ``statuses`` are ``(instant, status entered)`` pairs, the first being the
    ticket's creation; ``customer_messages`` and ``staff_replies`` the
    instants of the customer's messages and of the team's replies to them.
    At one instant, a status change counts first, then a reply, then a
    message.
    """
    events = [(_utc(at, "status instant"), 0, status) for at, status in statuses]
    events += [(_utc(at, "reply instant"), 1, _REPLY) for at in staff_replies]
    events += [(_utc(at, "message instant"), 2, _MESSAGE) for at in customer_messages]
    events.sort(key=lambda event: (event[0], event[1]))
    phases: list[tuple[dt.datetime, str]] = []
    by_status: str | None = None
    for at, _rank, what in events:
        if what is _MESSAGE or what is _REPLY:
            if by_status != PAUSED:
                continue  # only a wait on the customer is ended by their message, and begun again by a reply
            phase = RUNNING if what is _MESSAGE else PAUSED
        else:
            phase = by_status = phase_of(what)
        if not phases or phases[-1][1] != phase:
            phases.append((at, phase))
    return tuple(phases)


def phase_at(phases: Sequence[tuple[dt.datetime, str]], instant: dt.datetime) -> str | None:
    """The phase at ``instant`` (the last change at or before it); None before the first."""
    current = None
    for at, phase in phases:
        if at > instant:
            break
        current = phase
    return current


def running_periods(
    phases: Sequence[tuple[dt.datetime, str]], start: dt.datetime, end: dt.datetime | None = None
) -> tuple[Period, ...]:
    """The periods from ``start`` (to ``end``, or on) in which the ticket's clock runs, in order.

    The last period is open (``(instant, None)``) when the clock still runs
    and no ``end`` is given.
    """
    start = _utc(start, "start")
    end = None if end is None else _utc(end, "end")
    periods: list[Period] = []
    for index, (at, phase) in enumerate(phases):
        if phase != RUNNING:
            continue
        following = phases[index + 1][0] if index + 1 < len(phases) else None
        begin = max(at, start)
        finish = following if end is None else end if following is None else min(following, end)
        if finish is not None and finish <= begin:
            continue
        periods.append((begin, finish))
    return tuple(periods)


def business_spans(
    calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime | None = None
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The spans of business hours from ``start`` (to ``end``, or on), in UTC and in order.

    Each day's hours are taken in the calendar's zone; public holidays and
    closure dates have none. ``ValueError`` when the calendar has no hours
    at all, or none in :data:`MAX_DAYS` days from ``start``.
    """
    if not calendar.hours:
        raise ValueError("the calendar has no business hours, so business time never passes")
    start = _utc(start, "start")
    zone = calendar.zone
    day = start.astimezone(zone).date()
    last = None if end is None else _utc(end, "end").astimezone(zone).date()
    days_without = 0
    while last is None or day <= last:
        if days_without > MAX_DAYS:
            raise ValueError(f"no business hours in the {MAX_DAYS} days from {day - dt.timedelta(days=MAX_DAYS)}")
        days_without += 1
        if day not in calendar.closures and holiday_name(calendar, day) is None:
            for opening, closing in calendar.hours.get(day.weekday(), ()):
                begin = max(dt.datetime.combine(day, opening, zone).astimezone(dt.UTC), start)
                finish = dt.datetime.combine(day, closing, zone).astimezone(dt.UTC)
                if end is not None:
                    finish = min(finish, end)
                if begin < finish:
                    days_without = 0
                    yield begin, finish
        day += dt.timedelta(days=1)


def business_time(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The business time between two instants (none when ``end`` is not after ``start``)."""
    if end <= start:
        return dt.timedelta()
    return sum((finish - begin for begin, finish in business_spans(calendar, start, end)), dt.timedelta())


def add_business_time(calendar: BusinessCalendar, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The instant at which ``amount`` of business time has passed since ``start`` (UTC).

    With nothing to count, ``start`` itself; otherwise the instant falls
    inside business hours or at a closing time (``17:00`` when the last
    hour of the day completes it).
    """
    start = _utc(start, "start")
    left = amount
    if left <= dt.timedelta():
        return start
    for begin, finish in business_spans(calendar, start):
        if finish - begin >= left:
            return begin + left
        left -= finish - begin
    raise AssertionError("business_spans runs on until it raises")  # pragma: no cover


def counted_between(calendar: BusinessCalendar, clock: str, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The time ``clock`` (elapsed or business) counts from ``start`` to ``end``."""
    if clock == ELAPSED:
        return max(end - start, dt.timedelta())
    if clock == BUSINESS:
        return business_time(calendar, start, end)
    raise ValueError(f"unknown clock {clock!r} (use {ELAPSED} or {BUSINESS})")


def advance(calendar: BusinessCalendar, clock: str, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The instant at which ``clock`` has counted ``amount`` from ``start``, running without pause."""
    if clock == ELAPSED:
        # In UTC: a zoned datetime would add wall-clock time across a DST change.
        return _utc(start, "start") + amount
    if clock == BUSINESS:
        return add_business_time(calendar, start, amount)
    raise ValueError(f"unknown clock {clock!r} (use {ELAPSED} or {BUSINESS})")


def time_counted(periods: Iterable[Period], calendar: BusinessCalendar, clock: str, until: dt.datetime) -> dt.timedelta:
    """The time ``clock`` has counted over ``periods`` up to ``until``."""
    total = dt.timedelta()
    for begin, finish in periods:
        if begin >= until:
            break
        total += counted_between(calendar, clock, begin, until if finish is None or finish > until else finish)
    return total


def time_reached(
    periods: Iterable[Period], calendar: BusinessCalendar, clock: str, amount: dt.timedelta
) -> dt.datetime | None:
    """The instant at which ``clock`` has counted ``amount`` over ``periods``; None if they end before.

    An open last period runs on: the instant is then where the clock would
    reach the amount if nothing paused it again.
    """
    left = amount
    for begin, finish in periods:
        if finish is None:
            return advance(calendar, clock, begin, left)
        span = counted_between(calendar, clock, begin, finish)
        if span >= left:
            return advance(calendar, clock, begin, left)
        left -= span
    return None
