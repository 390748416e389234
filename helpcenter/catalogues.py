"""Checks of the interface message catalogues (``translations/*/LC_MESSAGES``)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted: ``%(name)s`` and ``{name}`` forms."""
    return sorted(match.group(0) for match in _PLACEHOLDER.finditer(text))


def catalogue_problems(path: Path) -> list[str]:
    """What is wrong with one ``.po`` file: untranslated, fuzzy or misplaced entries."""
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        label = f"{path}: {ids[0]!r}"
        if message.fuzzy:
            problems.append(f"{label} is fuzzy")
        if not all(strings):
            problems.append(f"{label} is not translated")
            continue
        expected = placeholders(ids[-1])
        for string in strings:
            # A plural form may leave out %(num)d (French "un article"), never add one.
            found = placeholders(string)
            if set(found) - set(expected) or (len(strings) == 1 and found != expected):
                problems.append(f"{label} has placeholders {found}, expected {expected}")
                break
    return problems
