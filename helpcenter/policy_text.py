"""The support policy's words (categories, priorities, targets, deadlines), in the reader's language."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_timedelta
from babel.lists import format_list
from babel.units import format_unit
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .sla import BREACHED, BUSINESS, FIRST_RESPONSE, MET, NEXT_RESPONSE, PAUSED, Deadline, OutsideHours, TargetClock

CATEGORY_NAMES = {
    "technical": _l("Technical assistance"),
    "general": _l("General question"),
    "improvement": _l("Suggest an improvement"),
}

PRIORITY_NAMES = {
    "high": _l("High"),
    "average": _l("Average"),
    "low": _l("Low"),
}

PRIORITY_DESCRIPTIONS = {
    "high": _l("Immediate and significant impact on your business; productivity seriously disrupted."),
    "average": _l("Limited impact; the problem can be worked around."),
    "low": _l("Anomaly or non-blocking issue, not urgent."),
}


TARGET_NAMES = {
    "first_response": _l("First response"),
    "next_response": _l("Next response"),
    "resolution": _l("Resolution"),
}

#: Where a target stands (``TargetClock.state``).
TARGET_STATE_NAMES = {
    "pending": _l("On time"),
    "paused": _l("Paused"),
    "met": _l("Met"),
    "breached": _l("Breached"),
}


def format_duration(value: dt.timedelta) -> str:
    """A target duration in the reader's language, in the unit a policy states it.

    ``1h`` reads "1 hour" and ``24h`` "24 hours" (not "1 day"); whole days
    from two days on read as days; ``90m`` reads "1 hour and 30 minutes".
    """
    locale = str(get_locale())
    minutes = int(value.total_seconds() // 60)
    if minutes >= 2 * 1440 and minutes % 1440 == 0:
        # Babel's unit patterns lack days in some locales (it, pt); its timedelta has them.
        return format_timedelta(value, threshold=1, locale=locale)
    parts = []
    if minutes >= 60:
        parts.append(format_unit(minutes // 60, "duration-hour", "long", locale=locale))
    if minutes % 60 or not parts:
        parts.append(format_unit(minutes % 60, "duration-minute", "long", locale=locale))
    return format_list(parts, style="standard", locale=locale)


def explain_deadline(deadline: Deadline) -> str:
    """Why a ticket's first response is due when it is, in the reader's language."""
    created = format_datetime(deadline.created_at, "full")
    if deadline.due is None:
        return _(
            "Created %(created)s. %(category)s: no committed first-response time.",
            created=created,
            category=CATEGORY_NAMES[deadline.category],
        )
    return _(
        "Created %(created)s, %(window)s. %(priority)s: %(target)s. Due %(due)s.",
        created=created,
        window=window_words(deadline.window, deadline.reason),
        priority=PRIORITY_NAMES.get(deadline.priority or "", ""),
        target=format_duration(deadline.target),
        due=format_datetime(deadline.due, "full"),
    )


def window_words(window: str | None, reason: OutsideHours | None) -> str:
    """``within business hours``, or outside them and why, in the reader's language."""
    if window == "in_hours":
        return _("within business hours")
    kind = reason.kind if reason else ""
    return {
        "weekend": _("outside business hours (weekend)"),
        "holiday": _("outside business hours (public holiday: %(name)s)", name=reason.name if reason else ""),
        "closure": _("outside business hours (the support office is closed that day)"),
        "before_opening": _("outside business hours (before opening time)"),
        "after_closing": _("outside business hours (after closing time)"),
    }.get(kind, _("outside business hours"))


def explain_target(target: TargetClock) -> str:
    """Why a target is due when it is, and where it stands, in the reader's language (for staff).

    Says what started it and in which window, the time the policy gives and
    how it counts, how long the clock stood still, and what is left (or by
    how much it was missed).
    """
    start = format_datetime(target.started_at, "full")
    window = window_words(target.window, target.reason)
    if target.kind == NEXT_RESPONSE:
        started = _("Started by the customer's message of %(start)s, %(window)s.", start=start, window=window)
    else:
        started = _("Started when the ticket was created, %(start)s, %(window)s.", start=start, window=window)
    words = {"priority": PRIORITY_NAMES.get(target.priority, target.priority), "policy": target.policy_name}
    if target.clock == BUSINESS:
        given = _(
            "%(priority)s, %(policy)s policy: %(time)s, counted in business hours only.",
            time=format_duration(target.target),
            **words,
        )
    else:
        given = _("%(priority)s, %(policy)s policy: %(time)s.", time=format_duration(target.target), **words)
    parts = [started, given]
    if target.stopped_for >= dt.timedelta(minutes=1):
        parts.append(
            _(
                "The clock stood still for %(time)s while the ticket waited on the customer or was resolved.",
                time=format_duration(target.stopped_for),
            )
        )
    parts.append(target_standing(target))
    return " ".join(parts)


def target_standing(target: TargetClock) -> str:
    """Where a target stands, in one sentence of the reader's language: time left, paused, met or missed."""
    if target.state == BREACHED:
        over = format_duration(-target.left)
        if target.ended_at is not None:
            return _("Missed by %(time)s.", time=over)
        return _("Missed since %(due)s (%(time)s over).", due=format_datetime(target.due, "full"), time=over)
    if target.state == MET:
        return _("Met on %(at)s.", at=format_datetime(target.ended_at, "full"))
    left = format_duration(target.left)
    if target.state == PAUSED:
        return _("Paused while the ticket waits on the customer; %(time)s left when the clock resumes.", time=left)
    if target.kind == FIRST_RESPONSE:
        return _("%(time)s left; due %(due)s.", time=left, due=format_datetime(target.due, "full"))
    return _(
        "%(time)s left; due %(due)s unless the ticket waits on the customer meanwhile.",
        time=left,
        due=format_datetime(target.due, "full"),
    )
