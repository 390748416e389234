"""Optional YAML front matter between ``---`` lines at the top of a file."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

KNOWN_KEYS = ("title", "summary", "order", "tags", "topic", "updated", "source_revision")
_REVISION = re.compile(r"^[0-9a-f]{12}$")


class FrontMatterError(ValueError):
    """The front matter cannot be read; the file cannot be used."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class FrontMatter:
    """Validated front-matter fields, the body that follows, and what was wrong."""

    fields: dict[str, Any]
    body: str
    body_line: int
    warnings: list[tuple[str, int | None]] = field(default_factory=list)


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """Split ``text`` into its raw front-matter mapping, body and body's first line.

    A file without an opening ``---`` line has no front matter.  Raises
    :class:`FrontMatterError` when the block is never closed, is not valid
    YAML or is not a mapping.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return {}, text, 1
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise FrontMatterError("front matter opened with '---' is never closed", line=1)
    try:
        raw = yaml.safe_load("\n".join(lines[1:end]))
    except RecursionError:
        # PyYAML recurses once per level of nesting: ``[[[[…]]]]`` a thousand deep.
        raise FrontMatterError("front matter is not valid YAML: it is nested too deeply", line=1) from None
    except (yaml.YAMLError, ValueError) as exc:
        # A well-formed but impossible date (2026-02-30) raises ValueError.
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(f"front matter is not valid YAML: {problem}", line=line) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise FrontMatterError("front matter must be a mapping of keys to values", line=2)
    return raw, "\n".join(lines[end + 1 :]), end + 2


def parse_front_matter(text: str) -> FrontMatter:
    """Read and validate the front matter of ``text``.

    Unknown keys and values of the wrong type are reported as warnings and
    ignored; the rest of the file stays usable.
    """
    raw, body, body_line = split_front_matter(text)
    result = FrontMatter(fields={}, body=body, body_line=body_line)
    key_lines = _key_lines(text)
    for key, value in raw.items():
        line = key_lines.get(str(key))
        if key not in KNOWN_KEYS:
            known = ", ".join(KNOWN_KEYS)
            result.warnings.append((f"unknown front-matter key '{key}' (known: {known})", line))
            continue
        try:
            result.fields[key] = _VALIDATORS[key](value)
        except (TypeError, ValueError) as exc:
            result.warnings.append((f"front-matter '{key}' ignored: {exc}", line))
        except RecursionError:
            result.warnings.append((f"front-matter '{key}' ignored: it is nested too deeply", line))
    return result


def _key_lines(text: str) -> dict[str, int]:
    """Map each top-level front-matter key to its line number in the file."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n")[1:], start=2):
        if line.rstrip() in ("---", "..."):
            break
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)) or value is None:
        raise TypeError("expected a text")
    text = " ".join(str(value).split())
    if not text:
        raise ValueError("it is empty")
    return text


def _order(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected a whole number")
    return value


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise TypeError("expected a list of words")
    return tuple(dict.fromkeys(str(tag).strip() for tag in value if str(tag).strip()))


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError("expected a date as YYYY-MM-DD")


def _revision(value: Any) -> str:
    if isinstance(value, int):
        # YAML reads an all-digit revision as a number and drops leading zeros.
        raise TypeError('an all-digit revision must be quoted: source_revision: "012345678901"')
    text = str(value).strip().lower()
    if not _REVISION.match(text):
        raise ValueError("expected 12 hexadecimal digits")
    return text


_VALIDATORS = {
    "title": _text,
    "summary": _text,
    "topic": _text,
    "order": _order,
    "tags": _tags,
    "updated": _date,
    "source_revision": _revision,
}
