"""The policy file: calendar, targets and contract policies, validated at load.

See ``policy.toml`` beside this module for the shipped policy and its format.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATEGORIES = ("technical", "general", "improvement")
PRIORITIES = ("high", "average", "low")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
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

    def target(self, category: str, priority: str | None) -> Target | None:
        """The target for a category and priority, or None where none is committed."""
        if priority is None:
            return None
        return self.targets.get((category, priority))


@dataclass(frozen=True)
class PolicySet:
    """The standard policy and the contract policies of one policy file."""

    default: Policy
    policies: dict[str, Policy]
    source: Path

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


def _targets(raw: Any, where: str) -> dict[tuple[str, str], Target]:
    targets = {}
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
            targets[(category, priority)] = Target(
                in_hours=parse_duration(windows["in_hours"], f"{spot}.in_hours"),
                out_of_hours=parse_duration(windows["out_of_hours"], f"{spot}.out_of_hours"),
            )
    return targets


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
        default_raw = _table(raw.get("default", {}), "default")
        default = Policy(
            code="default",
            name=str(default_raw.get("name", "Standard")),
            calendar=calendar,
            targets=_targets(default_raw.get("targets", {}), "default.targets"),
        )
        policies: dict[str, Policy] = {}
        seen: dict[str, str] = {}
        for code, body in _table(raw.get("policies", {}), "policies").items():
            body = _table(body, f"policies.{code}")
            contracts = frozenset(str(item).strip().upper() for item in body.get("contracts", []))
            for contract in contracts:
                if contract in seen:
                    raise PolicyError(f"policies.{code}: contract {contract} is already in policies.{seen[contract]}")
                seen[contract] = code
            own_calendar = body.get("calendar")
            policies[code] = Policy(
                code=code,
                name=str(body.get("name", code)),
                calendar=_calendar(_table(own_calendar, f"policies.{code}.calendar"), f"policies.{code}.calendar")
                if own_calendar is not None
                else calendar,
                targets=_targets(body.get("targets", {}), f"policies.{code}.targets"),
                contracts=contracts,
            )
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None
    return PolicySet(default=default, policies=policies, source=path)
