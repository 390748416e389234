"""Earlier versions of a source article, from the git history of ``content/``.

A stale translation records the revision of the source it was translated
from; if git still has that version, editors see exactly what changed since.
"""

from __future__ import annotations

import difflib
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .frontmatter import FrontMatterError, split_front_matter
from .revision import body_revision

log = logging.getLogger(__name__)
MAX_COMMITS = 200
NO_HISTORY, NOT_FOUND = "no_history", "not_found"
TIMEOUT = 10


@dataclass(frozen=True)
class SourceDiff:
    """What changed in a source since a revision, or why that cannot be shown.

    ``reason`` is :data:`NO_HISTORY` (no git repository or no git) or
    :data:`NOT_FOUND` (the revision is in none of the recent commits).
    """

    lines: tuple[str, ...]
    commit: str | None
    reason: str | None = None

    @property
    def known(self) -> bool:
        """Whether the earlier version was found."""
        return self.reason is None


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=TIMEOUT, check=True
    ).stdout


def source_diff(source: Path, revision: str, current_body: str) -> SourceDiff:
    """The unified diff of ``source``'s body from ``revision`` to ``current_body``."""
    folder = source.parent
    try:
        top = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
        relative = source.resolve().relative_to(top.resolve()).as_posix()
        commits = _git(top, "log", f"--max-count={MAX_COMMITS}", "--format=%H", "--", relative).split()
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        log.info("no git history for %s: %s", source, exc)
        return SourceDiff((), None, NO_HISTORY)
    for commit in commits:
        try:
            text = _git(top, "show", f"{commit}:{relative}")
            _meta, body, _line = split_front_matter(text)
        except (subprocess.SubprocessError, FrontMatterError):
            continue
        if body_revision(body) == revision:
            old, new = body.strip().splitlines(), current_body.strip().splitlines()
            lines = difflib.unified_diff(old, new, fromfile=f"{revision}", tofile="current", lineterm="")
            return SourceDiff(tuple(lines), commit)
    return SourceDiff((), None, NOT_FOUND)
