"""Business hours: whether the support office is open at an instant, and why not.

Pure Python, no Flask. Every decision is taken in the calendar's own time
zone: the instant is converted there first, so the same moment gives the same
answer whatever offset it was written with. Weekly hours are half-open (the
opening time is inside, the closing time is outside). Public holidays come
from the ``holidays`` package; closure dates from the policy file.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .policy import WEEKDAYS, BusinessCalendar, PolicyError

IN_HOURS = "in_hours"
OUT_OF_HOURS = "out_of_hours"

WEEKEND = "weekend"
HOLIDAY = "holiday"
CLOSURE = "closure"
BEFORE_OPENING = "before_opening"
AFTER_CLOSING = "after_closing"

DAY_NAMES = tuple(day.capitalize() for day in WEEKDAYS)
_HOLIDAY_LANGUAGE = "en_US"


@dataclass(frozen=True)
class OutsideHours:
    """Why an instant falls outside business hours.

    ``kind`` is one of ``weekend`` (no hours on that day of the week),
    ``holiday`` (with the holiday's English ``name``), ``closure`` (a closure
    date of the policy file), ``before_opening`` or ``after_closing``.
    """

    kind: str
    name: str | None = None


def local_time(calendar: BusinessCalendar, instant: dt.datetime) -> dt.datetime:
    """The instant in the calendar's time zone; a naive datetime is refused."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"{instant.isoformat()} has no UTC offset: business hours need an aware datetime "
            "(an instant, such as 2026-05-14T16:30+02:00)"
        )
    return instant.astimezone(calendar.zone)


@functools.lru_cache(maxsize=256)
def public_holidays(country: str, subdivision: str | None, year: int) -> Mapping[dt.date, str]:
    """The public holidays of a country (and subdivision) in one year: date to English name.

    Cached per (country, subdivision, year); the mapping is read-only.
    """
    # Imported on first use: the package's calendars take longer to import than
    # most commands that import the policy take to run.
    import holidays

    try:
        # The language is fixed: left unset, the package picks it from the
        # process locale, so names would change from one server to another.
        found = holidays.country_holidays(country, subdiv=subdivision, years=year, language=_HOLIDAY_LANGUAGE)
    except NotImplementedError as exc:
        raise PolicyError(f"calendar: no public holidays known for {country!r}/{subdivision!r} ({exc})") from None
    return MappingProxyType(dict(found))


def holiday_name(calendar: BusinessCalendar, day: dt.date) -> str | None:
    """The name of the public holiday on a local date, or None if it is not one."""
    if not calendar.holidays_country:
        return None
    return public_holidays(calendar.holidays_country, calendar.holidays_subdivision, day.year).get(day)


def outside_hours_reason(calendar: BusinessCalendar, instant: dt.datetime) -> OutsideHours | None:
    """Why the instant is outside business hours, or None when it is inside them.

    A holiday or closure is named even on a day without hours: it is the more
    specific reason (and a calendar may open on Saturdays).
    """
    local = local_time(calendar, instant)
    day = local.date()
    if name := holiday_name(calendar, day):
        return OutsideHours(HOLIDAY, name)
    if day in calendar.closures:
        return OutsideHours(CLOSURE)
    spans = calendar.hours.get(local.weekday(), ())
    if not spans:
        return OutsideHours(WEEKEND)
    now = local.time().replace(tzinfo=None)
    if any(start <= now < end for start, end in spans):
        return None
    if now < spans[0][0]:
        return OutsideHours(BEFORE_OPENING)
    # Past the last closing, or in a break between two spans (e.g. lunch).
    return OutsideHours(AFTER_CLOSING)


def is_business_time(calendar: BusinessCalendar, instant: dt.datetime) -> bool:
    """True when the support office is open at this instant (half-open windows)."""
    return outside_hours_reason(calendar, instant) is None


def business_window(calendar: BusinessCalendar, instant: dt.datetime) -> str:
    """The window an instant falls in: ``in_hours`` or ``out_of_hours``."""
    return IN_HOURS if is_business_time(calendar, instant) else OUT_OF_HOURS


def last_closing_before(calendar: BusinessCalendar, instant: dt.datetime) -> dt.time | None:
    """The closing time that the instant's local time is past, on the same day, if any."""
    local = local_time(calendar, instant)
    now = local.time().replace(tzinfo=None)
    return max((end for _, end in calendar.hours.get(local.weekday(), ()) if end <= now), default=None)


def first_opening(calendar: BusinessCalendar, instant: dt.datetime) -> dt.time | None:
    """The first opening time of the instant's local day, if the office opens that day."""
    spans = calendar.hours.get(local_time(calendar, instant).weekday(), ())
    return spans[0][0] if spans else None


def describe_hours(calendar: BusinessCalendar) -> str:
    """The weekly hours in English, e.g. ``Monday to Friday 08:00–17:00 Europe/Paris``."""
    groups: list[tuple[int, int, tuple[tuple[dt.time, dt.time], ...]]] = []
    for weekday in sorted(calendar.hours):
        spans = calendar.hours[weekday]
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == spans:
            groups[-1] = (groups[-1][0], weekday, spans)
        else:
            groups.append((weekday, weekday, spans))
    if not groups:
        return f"no business hours ({calendar.timezone})"
    parts = []
    for first, last, spans in groups:
        days = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]} to {DAY_NAMES[last]}"
        times = " and ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in spans)
        parts.append(f"{days} {times}")
    return f"{', '.join(parts)} {calendar.timezone}"
