"""Long commands show how far they got on a terminal, and nothing anywhere else."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from helpcenter.progress import Progress

from .helpers import ROOT, TEST_CONTENT


class Terminal(io.StringIO):
    """What a terminal receives."""

    def isatty(self) -> bool:
        return True


def test_progress_is_one_line_redrawn_in_place_then_taken_away():
    screen = Terminal()
    with Progress("Loading content", "files", screen, interval=0) as progress:
        for done in range(1, 4):
            progress(done, 4)
        drawn = screen.getvalue()
        progress(4, 4)
    assert drawn.split("\r")[1:] == [
        "Loading content: 1/4 files (25%)",
        "Loading content: 2/4 files (50%)",
        "Loading content: 3/4 files (75%)",
    ]
    assert screen.getvalue().endswith("\r" + " " * len("Loading content: 3/4 files (75%)") + "\r"), "gone when done"


def test_progress_is_drawn_at_most_every_interval():
    screen = Terminal()
    progress = Progress("Checking content", "pages", screen, interval=3600)
    for done in range(1, 10_000):
        progress(done, 10_000)
    assert screen.getvalue().count("\r") == 1, "the first step only, within the hour"


def test_nothing_is_shown_where_no_one_watches(tmp_path):
    pipe = io.StringIO()
    with Progress("Loading content", "files", pipe) as progress:
        progress(1, 2)
    assert not progress.shown and pipe.getvalue() == ""
    with (tmp_path / "log").open("w") as log, Progress("Loading content", "files", log) as progress:
        progress(1, 2)
    assert not progress.shown and (tmp_path / "log").read_text() == ""


def run_check(tmp_path: Path, *, terminal: bool) -> tuple[str, str]:
    """``helpcenter content check --format json`` with standard error on a real terminal (a pty) or a pipe."""
    env = {
        **os.environ,
        "HELPCENTER_CONTENT_DIR": str(TEST_CONTENT),
        "HELPCENTER_CACHE_DIR": str(tmp_path / "cache"),
        "HELPCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    command = [str(Path(sys.executable).parent / "helpcenter"), "content", "check", "--format", "json"]
    if not terminal:
        result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        return result.stdout, result.stderr
    controller, follower = pty.openpty()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the command ended and closed its side
            break
        if not chunk:
            break
        seen += chunk
    stdout, _ = process.communicate(timeout=60)
    os.close(controller)
    return stdout.decode(), seen.decode(errors="replace")


def test_content_check_shows_progress_on_a_terminal_and_keeps_its_json_clean(tmp_path):
    stdout, terminal = run_check(tmp_path, terminal=True)
    assert re.search(r"Loading content: \d+/\d+ files", terminal) and "Checking content: 1/" in terminal
    assert json.loads(stdout)["languages"] == ["en", "fr", "de", "es", "it", "pt"], "standard output is the JSON alone"
    stdout, stderr = run_check(tmp_path, terminal=False)
    assert "Loading content" not in stderr and "Checking content" not in stderr
    assert json.loads(stdout)["problems"]
