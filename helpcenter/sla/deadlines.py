"""First-response deadlines of tickets, under a support policy.

Pure Python, no Flask. The rules (docs: DESIGN.md, "The support policy"):

- the window that the ticket's creation instant falls in (in business hours
  or outside them) picks the target of the ticket's category and priority;
- the deadline is the creation instant plus that target in *elapsed* time,
  computed in UTC, so a daylight-saving change in between neither adds nor
  removes an hour; it runs on past closing time and through weekends
  (on-call staff work 24/7);
- where the policy commits to no target (general questions, suggestions, a
  technical ticket with no priority yet) there is no deadline;
- a priority change recomputes from the original creation instant and the
  window already decided for the ticket (``first_response_due`` with
  ``window=``), so a closure date added to the policy file since never
  moves an older ticket to another window;
- a response at or before the deadline met it; a later one breached it for
  good; without a response the target is pending up to and including the
  deadline instant, breached after it (``response_state``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .calendar import (
    AFTER_CLOSING,
    BEFORE_OPENING,
    CLOSURE,
    DAY_NAMES,
    HOLIDAY,
    IN_HOURS,
    OUT_OF_HOURS,
    WEEKEND,
    OutsideHours,
    describe_hours,
    first_opening,
    last_closing_before,
    local_time,
    outside_hours_reason,
)
from .policy import CATEGORIES, PRIORITIES, BusinessCalendar, Policy

CATEGORY_LABELS = {
    "technical": "Technical assistance",
    "general": "General question",
    "improvement": "Suggest an improvement",
}
PRIORITY_LABELS = {"high": "High", "average": "Average", "low": "Low"}
MONTH_NAMES = tuple("January February March April May June July August September October November December".split())

#: Where a ticket stands against a target (see ``response_state``).
NO_TARGET = "no_target"
MET = "met"
BREACHED = "breached"
PENDING = "pending"
RESPONSE_STATES = (NO_TARGET, MET, BREACHED, PENDING)


@dataclass(frozen=True)
class Deadline:
    """The first-response deadline of one ticket, with what it was computed from.

    ``window``, ``reason``, ``target`` and ``due`` are None where the policy
    commits to no target. ``reason`` is None in business hours too. Instants
    are aware and in UTC; ``due_local()`` gives the deadline in the calendar's
    zone.
    """

    created_at: dt.datetime
    category: str
    priority: str | None
    policy_code: str
    policy_name: str
    window: str | None
    reason: OutsideHours | None
    target: dt.timedelta | None
    due: dt.datetime | None
    calendar: BusinessCalendar = field(repr=False, compare=False)

    @property
    def target_minutes(self) -> int | None:
        """The target as whole minutes, or None without a target."""
        return None if self.target is None else int(self.target.total_seconds() // 60)

    def created_local(self) -> dt.datetime:
        """The creation instant in the calendar's time zone."""
        return self.created_at.astimezone(self.calendar.zone)

    def due_local(self) -> dt.datetime | None:
        """The deadline in the calendar's time zone (with its offset), or None."""
        return None if self.due is None else self.due.astimezone(self.calendar.zone)

    def explain(self) -> str:
        """Why the deadline is what it is, in one line of English."""
        if self.target is None or self.due is None:
            return _no_target_text(self.category, self.priority)
        due_local = self.due.astimezone(self.calendar.zone)
        return (
            f"{format_local(self.created_local())}: {self._window_text()}; "
            f"{self._target_label()}: {format_duration(self.target)}; due {format_local(due_local)}"
        )

    def _window_text(self) -> str:
        if self.window == IN_HOURS:
            return f"within business hours ({describe_hours(self.calendar)})"
        return f"{reason_text(self.calendar, self.created_at, self.reason)}, so outside business hours"

    def _target_label(self) -> str:
        label = PRIORITY_LABELS.get(self.priority or "", str(self.priority))
        return label if self.policy_code == "default" else f"{label} ({self.policy_name} policy)"


def as_utc(value: dt.datetime, what: str) -> dt.datetime:
    """``value`` in UTC; a naive datetime raises ``ValueError`` naming ``what`` (it names no instant)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} {value.isoformat()} has no UTC offset; give an aware datetime "
            "(for example 2026-05-14T16:30+02:00 or 2026-05-14T14:30Z)"
        )
    return value.astimezone(dt.UTC)


def _check_words(category: str, priority: str | None) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r} (use {', '.join(CATEGORIES)})")
    if priority is not None and priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r} (use {', '.join(PRIORITIES)})")


def first_response_due(
    created_at: dt.datetime, category: str, priority: str | None, policy: Policy, *, window: str | None = None
) -> Deadline:
    """The first-response deadline of a ticket created at ``created_at``.

    ``created_at`` must be aware (a naive datetime raises ``ValueError``: it
    names no instant). The creation instant's window in ``policy.calendar``
    picks the target; ``due`` is ``created_at + target`` in elapsed time.

    ``window`` is the window already decided for the ticket, kept as it is
    when its priority changes (a closure date added to the policy file since
    does not move it); without one (a new ticket, or one that had no target
    yet), the window is decided now from the creation instant.
    """
    created = as_utc(created_at, "created_at")
    _check_words(category, priority)
    if window is not None and window not in (IN_HOURS, OUT_OF_HOURS):
        raise ValueError(f"unknown window {window!r} (use {IN_HOURS} or {OUT_OF_HOURS})")
    if policy.target(category, priority) is None:
        return _deadline(created, category, priority, policy, None, None)
    reason = outside_hours_reason(policy.calendar, created)
    if window is None:
        window = IN_HOURS if reason is None else OUT_OF_HOURS
    return _deadline(created, category, priority, policy, window, reason if window == OUT_OF_HOURS else None)


def _deadline(
    created: dt.datetime,
    category: str,
    priority: str | None,
    policy: Policy,
    window: str | None,
    reason: OutsideHours | None,
) -> Deadline:
    target = policy.target(category, priority)
    span = None
    if target is not None and window is not None:
        span = target.in_hours if window == IN_HOURS else target.out_of_hours
    return Deadline(
        created_at=created,
        category=category,
        priority=priority,
        policy_code=policy.code,
        policy_name=policy.name,
        window=window if span is not None else None,
        reason=reason if span is not None else None,
        target=span,
        # Both sides in UTC: adding to a zoned datetime would add wall-clock
        # time and be an hour off across a daylight-saving change.
        due=None if span is None else created + span,
        calendar=policy.calendar,
    )


def response_state(due: dt.datetime | None, responded_at: dt.datetime | None, now: dt.datetime) -> str:
    """Where a response stands against its deadline ``due``, as seen at ``now``.

    ``no_target`` without a deadline; ``met`` when the response came at or
    before it; ``breached`` when it came later (whatever ``now`` is) or has
    not come and the deadline has passed; ``pending`` otherwise, up to and
    including the deadline instant. Instants must be aware (``ValueError``).
    """
    if due is None:
        return NO_TARGET
    due = as_utc(due, "due")
    if responded_at is not None:
        return MET if as_utc(responded_at, "responded_at") <= due else BREACHED
    return BREACHED if as_utc(now, "now") > due else PENDING


def format_local(moment: dt.datetime) -> str:
    """An aware datetime as ``Thursday 14 May 2026 16:30 CEST`` (seconds only when not zero).

    English names whatever the process locale.
    """
    clock = "%H:%M:%S" if moment.second or moment.microsecond else "%H:%M"
    return (
        f"{DAY_NAMES[moment.weekday()]} {moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year} "
        f"{moment.strftime(clock)} {moment.tzname()}"
    )


def format_duration(span: dt.timedelta) -> str:
    """A target as people say it: ``1 hour``, ``24 hours``, ``30 minutes``, ``1 hour 30 minutes``."""
    hours, minutes = divmod(int(span.total_seconds() // 60), 60)
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts)


def reason_text(calendar: BusinessCalendar, instant: dt.datetime, reason: OutsideHours | None) -> str:
    """Why an instant is outside business hours, in English (``Ascension Day, a public holiday``)."""
    if reason is None:
        return "outside business hours"
    local = local_time(calendar, instant)
    if reason.kind == HOLIDAY:
        return f"{reason.name}, a public holiday"
    if reason.kind == CLOSURE:
        return "a closure day of the support office"
    if reason.kind == WEEKEND:
        day = DAY_NAMES[local.weekday()]
        return "weekend" if local.weekday() >= 5 else f"no business hours on {day}s"
    if reason.kind == BEFORE_OPENING:
        opening = first_opening(calendar, instant)
        return f"before opening time ({opening:%H:%M})" if opening else "before opening time"
    if reason.kind == AFTER_CLOSING:
        closing = last_closing_before(calendar, instant)
        return f"after closing time ({closing:%H:%M})" if closing else "after closing time"
    return reason.kind.replace("_", " ")


def _no_target_text(category: str, priority: str | None) -> str:
    label = CATEGORY_LABELS.get(category, category)
    if category == "technical" and priority is None:
        return f"{label}: no priority set yet, so no committed first-response time"
    return f"{label}: no committed first-response time"
