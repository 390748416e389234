"""The support policy's words (categories, priorities, targets, deadlines), in the reader's language."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_timedelta
from babel.lists import format_list
from babel.units import format_unit
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .sla import Deadline

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
    if deadline.window == "in_hours":
        window = _("within business hours")
    else:
        reason = deadline.reason.kind if deadline.reason else ""
        window = {
            "weekend": _("outside business hours (weekend)"),
            "holiday": _(
                "outside business hours (public holiday: %(name)s)",
                name=deadline.reason.name if deadline.reason else "",
            ),
            "closure": _("outside business hours (the support office is closed that day)"),
            "before_opening": _("outside business hours (before opening time)"),
            "after_closing": _("outside business hours (after closing time)"),
        }.get(reason, _("outside business hours"))
    return _(
        "Created %(created)s, %(window)s. %(priority)s: %(target)s. Due %(due)s.",
        created=created,
        window=window,
        priority=PRIORITY_NAMES.get(deadline.priority or "", ""),
        target=format_duration(deadline.target),
        due=format_datetime(deadline.due, "full"),
    )
