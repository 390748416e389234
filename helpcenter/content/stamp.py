"""Record in a translation which revision of the source it was translated from."""

from __future__ import annotations

import re
from pathlib import Path

from .frontmatter import split_front_matter

_REVISION_LINE = re.compile(r"^source_revision\s*:.*$", re.MULTILINE)


def stamp_text(text: str, revision: str) -> str:
    """Return ``text`` with ``source_revision: <revision>`` in its front matter.

    The line is replaced where it exists, added at the end of the front
    matter otherwise, and a front matter is created for a file without one.
    Everything else in the file is kept byte for byte.
    """
    split_front_matter(text)  # refuses a file whose front matter is broken
    newline = "\r\n" if "\r\n" in text else "\n"
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text.removeprefix("\ufeff")
    # An all-digit value would be read back by YAML as a number: quote it.
    line = f'source_revision: "{revision}"' if revision.isdigit() else f"source_revision: {revision}"
    lines = text.split(newline)
    if lines[0].rstrip() != "---":
        return bom + newline.join(["---", line, "---", *lines])
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    for index in range(1, end):
        if _REVISION_LINE.match(lines[index]):
            lines[index] = line
            return bom + newline.join(lines)
    lines.insert(end, line)
    return bom + newline.join(lines)


def stamp_file(path: Path, revision: str) -> bool:
    """Stamp one file; returns whether its content changed."""
    text = path.read_text(encoding="utf-8")
    stamped = stamp_text(text, revision)
    if stamped == text:
        return False
    path.write_text(stamped, encoding="utf-8", newline="")
    return True
