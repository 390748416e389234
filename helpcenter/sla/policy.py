"""The policy file: calendar, targets, contract policies, on-call and warnings, validated at load.

See ``policy.toml`` beside this module for the shipped policy and its format.
A policy has first-response targets (``targets``, elapsed time) and may add
next-response targets (``next_response``: after each customer message) and
resolution targets (``resolution``), each per category, priority and window
and each declaring its clock: ``elapsed`` (every minute counts) or
``business`` (only the calendar's business hours count).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CATEGORIES = ("technical", "general", "improvement")
PRIORITIES = ("high", "average", "low")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: How a target's time is counted: every minute, or only the minutes of business hours.
ELAPSED = "elapsed"
BUSINESS = "business"
CLOCKS = (ELAPSED, BUSINESS)
#: The targets a policy can set, in the order a ticket meets them.
FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"
TARGET_KINDS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
#: Unacknowledged on-call pages repeat this often unless the policy file says otherwise.
DEFAULT_PAGE_REPEAT = dt.timedelta(minutes=15)
#: Warnings go out at this share of a target unless the policy file says otherwise.
DEFAULT_WARNING_SHARE = 0.75
_DURATION = re.compile(r"^\s*(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m(?:in)?)?\s*$")


class PolicyError(ValueError):
    """The policy file is unusable; the message names the file and the setting."""


def default_policy_path() -> Path:
    """The policy file shipped with the package."""
    return Path(__file__).with_name("policy.toml")


@dataclass(frozen=True)
class Target:
    """First-response targets of one category and priority, in elapsed time."""

    in_hours: dt.timedelta
    out_of_hours: dt.timedelta


@dataclass(frozen=True)
class ClockTarget:
    """A next-response or resolution target of one category and priority: a time per window, and its clock.

    ``clock`` is :data:`ELAPSED` or :data:`BUSINESS`; ``in_hours`` and
    ``out_of_hours`` are amounts of that clock's time.
    """

    in_hours: dt.timedelta
    out_of_hours: dt.timedelta
    clock: str

    def for_window(self, window: str) -> dt.timedelta:
        """The amount of time that the window of the target's start gives (``in_hours`` or ``out_of_hours``)."""
        return self.in_hours if window == "in_hours" else self.out_of_hours


@dataclass(frozen=True)
class OnCall:
    """Who is paged outside business hours, and how often an unacknowledged page repeats.

    ``email`` and ``webhook_url`` are None when the file names none (the
    ``HELPCENTER_ONCALL_*`` settings win over both).
    """

    email: str | None = None
    webhook_url: str | None = None
    repeat: dt.timedelta = DEFAULT_PAGE_REPEAT


@dataclass(frozen=True)
class BusinessCalendar:
    """When the support office is open: weekly hours, holidays and closures."""

    timezone: str
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]]
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    closures: frozenset[dt.date] = frozenset()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The calendar's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Policy:
    """A named set of targets with its calendar."""

    code: str
    name: str
    calendar: BusinessCalendar
    targets: dict[tuple[str, str], Target]
    contracts: frozenset[str] = field(default_factory=frozenset)
    next_response: dict[tuple[str, str], ClockTarget] = field(default_factory=dict)
    resolution: dict[tuple[str, str], ClockTarget] = field(default_factory=dict)

    def target(self, category: str, priority: str | None) -> Target | None:
        """The target for a category and priority, or None where none is committed."""
        if priority is None:
            return None
        return self.targets.get((category, priority))

    def clock_target(self, kind: str, category: str, priority: str | None) -> ClockTarget | None:
        """The next-response or resolution target (``kind``) of a category and priority, or None."""
        if priority is None:
            return None
        table = {NEXT_RESPONSE: self.next_response, RESOLUTION: self.resolution}.get(kind)
        if table is None:
            raise ValueError(f"unknown target {kind!r} (use {NEXT_RESPONSE} or {RESOLUTION})")
        return table.get((category, priority))


@dataclass(frozen=True)
class PolicySet:
    """The standard policy and the contract policies of one policy file."""

    default: Policy
    policies: dict[str, Policy]
    source: Path
    oncall: OnCall = field(default_factory=OnCall)
    warning_share: float = DEFAULT_WARNING_SHARE

    def by_code(self, code: str | None) -> Policy:
        """The policy recorded on a ticket (its code); the standard one for an unknown or removed code."""
        return self.policies.get(code or "", self.default)

    def for_contract(self, contract: str | None) -> Policy:
        """The policy that a contract number selects; the standard one otherwise."""
        code = (contract or "").strip().upper()
        if code:
            for policy in self.policies.values():
                if code in policy.contracts:
                    return policy
        return self.default


def parse_duration(value: Any, where: str) -> dt.timedelta:
    """Read a duration: minutes as a number, or text such as ``1h``, ``90m``, ``1d 2h``."""
    if isinstance(value, bool):
        raise PolicyError(f"{where}: expected a duration such as '2h' or a number of minutes")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and (match := _DURATION.match(value)) and any(match.groupdict().values()):
        parts = {key: int(number or 0) for key, number in match.groupdict().items()}
        minutes = parts["d"] * 1440 + parts["h"] * 60 + parts["m"]
    else:
        raise PolicyError(f"{where}: expected a duration such as '2h' or a number of minutes, got {value!r}")
    if minutes <= 0:
        raise PolicyError(f"{where}: a target must be longer than zero")
    return dt.timedelta(minutes=minutes)


def _time(value: Any, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}: expected a time as HH:MM, got {value!r}") from None


def _table(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: expected a table")
    return value


def _calendar(raw: dict, where: str) -> BusinessCalendar:
    timezone = raw.get("timezone", "Europe/Paris")
    try:
        zoneinfo.ZoneInfo(str(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"{where}.timezone: unknown time zone {timezone!r}") from None
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
    for day, span in _table(raw.get("hours", {}), f"{where}.hours").items():
        if day not in WEEKDAYS:
            raise PolicyError(f"{where}.hours: unknown day {day!r} (use {', '.join(WEEKDAYS)})")
        spans = span if span and isinstance(span[0], list) else [span]
        parsed = []
        for item in spans:
            if not isinstance(item, list) or len(item) != 2:
                raise PolicyError(f'{where}.hours.{day}: expected ["HH:MM", "HH:MM"]')
            start, end = _time(item[0], f"{where}.hours.{day}"), _time(item[1], f"{where}.hours.{day}")
            if end <= start:
                raise PolicyError(f"{where}.hours.{day}: the end {item[1]} is not after the start {item[0]}")
            parsed.append((start, end))
        hours[WEEKDAYS.index(day)] = tuple(sorted(parsed))
    closures = set()
    for value in raw.get("closures", []):
        try:
            closures.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError:
            raise PolicyError(f"{where}.closures: expected dates as YYYY-MM-DD, got {value!r}") from None
    return BusinessCalendar(
        timezone=str(timezone),
        hours=hours,
        holidays_country=str(raw.get("holidays_country") or "") or None,
        holidays_subdivision=str(raw.get("holidays_subdivision") or "") or None,
        closures=frozenset(closures),
    )


def _windows(raw: Any, where: str) -> Iterator[tuple[tuple[str, str], dict, str]]:
    """Each (category, priority) of a targets table, with its table of windows and where it is."""
    for category, by_priority in _table(raw, where).items():
        if category not in CATEGORIES:
            raise PolicyError(f"{where}: unknown category {category!r} (use {', '.join(CATEGORIES)})")
        for priority, windows in _table(by_priority, f"{where}.{category}").items():
            if priority not in PRIORITIES:
                raise PolicyError(f"{where}.{category}: unknown priority {priority!r} (use {', '.join(PRIORITIES)})")
            spot = f"{where}.{category}.{priority}"
            windows = _table(windows, spot)
            missing = {"in_hours", "out_of_hours"} - set(windows)
            if missing:
                raise PolicyError(f"{spot}: missing {', '.join(sorted(missing))}")
            yield (category, priority), windows, spot


def _targets(raw: Any, where: str) -> dict[tuple[str, str], Target]:
    targets = {}
    for key, windows, spot in _windows(raw, where):
        if windows.get("clock", ELAPSED) != ELAPSED:
            # The published first-response times run in elapsed time (on-call staff work 24/7).
            raise PolicyError(f"{spot}.clock: first-response targets run in elapsed time only")
        targets[key] = Target(
            in_hours=parse_duration(windows["in_hours"], f"{spot}.in_hours"),
            out_of_hours=parse_duration(windows["out_of_hours"], f"{spot}.out_of_hours"),
        )
    return targets


def _clock_targets(raw: Any, where: str, calendar: BusinessCalendar) -> dict[tuple[str, str], ClockTarget]:
    targets = {}
    for key, windows, spot in _windows(raw, where):
        clock = windows.get("clock")
        if clock not in CLOCKS:
            raise PolicyError(f"{spot}.clock: say how the time counts, {ELAPSED!r} or {BUSINESS!r} (got {clock!r})")
        if clock == BUSINESS and not calendar.hours:
            raise PolicyError(f"{spot}.clock: business time needs a calendar with business hours")
        targets[key] = ClockTarget(
            in_hours=parse_duration(windows["in_hours"], f"{spot}.in_hours"),
            out_of_hours=parse_duration(windows["out_of_hours"], f"{spot}.out_of_hours"),
            clock=clock,
        )
    return targets


def _policy(code: str, body: dict, where: str, calendar: BusinessCalendar, contracts: frozenset[str]) -> Policy:
    """One policy (the standard one, or a contract's) with all its targets."""
    own_calendar = body.get("calendar")
    if own_calendar is not None:
        calendar = _calendar(_table(own_calendar, f"{where}.calendar"), f"{where}.calendar")
    return Policy(
        code=code,
        name=str(body.get("name", "Standard" if code == "default" else code)),
        calendar=calendar,
        targets=_targets(body.get("targets", {}), f"{where}.targets"),
        contracts=contracts,
        next_response=_clock_targets(body.get(NEXT_RESPONSE, {}), f"{where}.{NEXT_RESPONSE}", calendar),
        resolution=_clock_targets(body.get(RESOLUTION, {}), f"{where}.{RESOLUTION}", calendar),
    )


def _address(value: Any, where: str) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if "@" not in text or any(char.isspace() for char in text):
        raise PolicyError(f"{where}: expected an e-mail address, got {value!r}")
    return text


def webhook_address(value: Any, where: str) -> str | None:
    """A webhook's URL (``http://`` or ``https://`` with a host), None when empty; ``PolicyError`` otherwise."""
    text = str(value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PolicyError(f"{where}: expected an http:// or https:// address, got {value!r}")
    return text


def parse_share(value: Any, where: str) -> float:
    """A share of a target: ``"75%"`` or ``0.75``, strictly between 0 and 1."""
    share: float | None = None
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            share = float(value.strip()[:-1]) / 100
        except ValueError:
            share = None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        share = float(value)
    if share is None or not 0 < share < 1:
        raise PolicyError(f"{where}: expected a share of the target such as '75%' (between 0% and 100%), got {value!r}")
    return share


def _oncall(raw: dict) -> OnCall:
    return OnCall(
        email=_address(raw.get("email"), "oncall.email"),
        webhook_url=webhook_address(raw.get("webhook_url"), "oncall.webhook_url"),
        repeat=parse_duration(raw["repeat"], "oncall.repeat") if "repeat" in raw else DEFAULT_PAGE_REPEAT,
    )


def load_policy_set(path: Path | str | None = None) -> PolicySet:
    """Load and validate a policy file (default: the one shipped with the package)."""
    path = Path(path) if path else default_policy_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot be read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid TOML ({exc})") from None
    try:
        calendar = _calendar(_table(raw.get("calendar", {}), "calendar"), "calendar")
        default = _policy("default", _table(raw.get("default", {}), "default"), "default", calendar, frozenset())
        oncall = _oncall(_table(raw.get("oncall", {}), "oncall"))
        warnings = _table(raw.get("warnings", {}), "warnings")
        share = parse_share(warnings["share"], "warnings.share") if "share" in warnings else DEFAULT_WARNING_SHARE
        policies: dict[str, Policy] = {}
        seen: dict[str, str] = {}
        for code, body in _table(raw.get("policies", {}), "policies").items():
            body = _table(body, f"policies.{code}")
            if code == "default":
                raise PolicyError("policies.default: the name 'default' is the standard policy's ([default])")
            contracts = frozenset(str(item).strip().upper() for item in body.get("contracts", []))
            for contract in contracts:
                if contract in seen:
                    raise PolicyError(f"policies.{code}: contract {contract} is already in policies.{seen[contract]}")
                seen[contract] = code
            policies[code] = _policy(code, body, f"policies.{code}", calendar, contracts)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None
    return PolicySet(default=default, policies=policies, source=path, oncall=oncall, warning_share=share)
