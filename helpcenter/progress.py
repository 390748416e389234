"""How far a long command has got, shown on a terminal and nowhere else.

A person waiting at a terminal sees one line that updates in place
(``Loading content: 5,210/14,192 files (37%)``) and disappears when the
work is done; a script, a pipe or a log file gets nothing, so that what a
command prints stays what it promises (``content check --format json``
stays one JSON document).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: Redrawing more often than this costs time and shows nothing more.
INTERVAL = 0.1


class Progress:
    """One line of progress on ``stream`` (standard error by default), drawn only when it is a terminal.

    Use it as a context manager and call it with the work done and the
    work to do: ``with Progress("Loading content", "files") as progress: progress(done, total)``.
    """

    def __init__(self, label: str, unit: str, stream: TextIO | None = None, *, interval: float = INTERVAL) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.shown = _is_terminal(self.stream)
        self.interval = interval
        self._drawn_at: float | None = None  # the first step is always drawn
        self._width = 0

    def __call__(self, done: int, total: int, detail: str | None = None) -> None:
        """Say that ``done`` of ``total`` are done (drawn at most every ``interval`` seconds, and at the end).

        ``detail`` replaces the percentage in brackets (``12 rendered``, the languages done).
        """
        if not self.shown:
            return
        now = time.monotonic()
        if done < total and self._drawn_at is not None and now - self._drawn_at < self.interval:
            return
        self._drawn_at = now
        if done >= total:
            self._clear()  # done: whatever is printed next starts on a clean line
            return
        self._draw(f"{self.label}: {done:,}/{total:,} {self.unit} ({detail or f'{done * 100 // total}%'})")

    def _draw(self, text: str) -> None:
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def __enter__(self) -> Progress:
        return self

    def _clear(self) -> None:
        if self.shown and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __exit__(self, *exc_info) -> None:
        """Take the line away (work that stopped early leaves none behind either)."""
        self._clear()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or a closed file
        return False
