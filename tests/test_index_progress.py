"""``helpcenter index build`` shows how far it is on a terminal, and nothing when output is not one.

The command runs as a real process: once with standard error on a
pseudo-terminal, once on a pipe.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TEST_CONTENT

HELPCENTER = Path(sys.executable).with_name("helpcenter")


@pytest.fixture
def environment(tmp_path):
    """A fresh copy of the test content, with nothing rendered or indexed yet."""
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    return {
        **os.environ,
        "HELPCENTER_CONTENT_DIR": str(content),
        "HELPCENTER_INDEX_DIR": str(tmp_path / "index"),
        "HELPCENTER_CACHE_DIR": str(tmp_path / "cache"),
        "HELPCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HELPCENTER_SECRET_KEY": "test-secret",
    }


def run_on_terminal(environment: dict) -> tuple[int, str, str]:
    """Run the command with standard error on a pseudo-terminal: exit status, stdout, what the terminal got."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(HELPCENTER), "index", "build"],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    received = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            pytest.fail("the command wrote nothing for a minute")
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    stdout = process.stdout.read().decode()
    process.stdout.close()
    return process.wait(), stdout, received.decode()


PROGRESS = re.compile(r"(?:Loading content|Indexing): [^\r\n]*")


def test_on_a_terminal_loading_and_indexing_are_shown_on_one_line(environment):
    status, stdout, terminal = run_on_terminal(environment)
    assert status == 0, terminal
    assert "Search indexes built" in stdout
    shown = [match.group(0).rstrip() for match in PROGRESS.finditer(terminal)]
    assert any(re.fullmatch(r"Loading content: [\d,]+/[\d,]+ files \([\d,]+ rendered\)", text) for text in shown), shown
    indexing = [text for text in shown if text.startswith("Indexing: ")]
    assert indexing and all(re.fullmatch(r"Indexing: \d/6 languages \([a-z, ]+\)", text) for text in indexing), shown
    for match in PROGRESS.finditer(terminal):
        # Each state is written over the one before, from the start of the line, and never ends a line.
        assert terminal[match.start() - 1] == "\r" and terminal[match.end()] == "\r", match.group(0)
    assert terminal.endswith("\r"), "the line is left empty at the end"
    # What loading reports about broken files comes on lines of its own.
    assert "\ncontent: en/faq/broken-yaml.md:3: error" in terminal.replace("\r\n", "\n")


def test_when_output_is_not_a_terminal_nothing_is_shown(environment):
    done = subprocess.run(
        [str(HELPCENTER), "index", "build"], env=environment, capture_output=True, text=True, check=True
    )
    assert "Search indexes built" in done.stdout
    assert "Loading content" not in done.stderr and "Indexing" not in done.stderr and "\r" not in done.stderr
