"""One site's app server (gunicorn) and background jobs, with the settings both sites share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: The staff account the load logs in with.
AGENT_EMAIL = "agent@drill.example"
AGENT_PASSWORD = "drill-agent-password-1"
HELPDESK_EMAIL = "helpdesk@drill.example"


def jobs_command() -> list[str]:
    """The command that runs a site's background jobs for as long as the site runs.

    The one place that says how: the periodic jobs (outbox delivery and the
    rest) run on every site at once; each job takes a lock, so that one
    site runs it at a time, and each message still goes once.
    """
    return [str(BIN / "helpcenter"), "jobs", "run"]


def shared_settings(
    *, database_url: str, smtp_url: str, redis_url: str, secret_key: str, base_url: str
) -> dict[str, str]:
    """The settings of both sites: one database URL naming both databases, one Redis, one SMTP server."""
    return {
        "HELPCENTER_SECRET_KEY": secret_key,
        "HELPCENTER_DATABASE_URL": database_url,
        "HELPCENTER_CONTENT_DIR": str(PROJECT / "content"),
        "HELPCENTER_SMTP_URL": smtp_url,
        "HELPCENTER_HELPDESK_EMAIL": HELPDESK_EMAIL,
        "HELPCENTER_BASE_URL": base_url,
        # The balancer says who the client is (X-Forwarded-For).
        "HELPCENTER_PROXY_COUNT": "1",
        "HELPCENTER_RATELIMIT_STORAGE": redis_url,
        # Every client of the load comes from the same address: the limits are
        # there, shared by both sites through Redis, but generous.
        "HELPCENTER_TICKET_LIMIT": "6000 per minute",
        "HELPCENTER_SEARCH_API_LIMIT": "6000 per minute",
        "HELPCENTER_SEARCH_PAGE_LIMIT": "6000 per minute",
        "HELPCENTER_COOKIE_SECURE": "false",
    }


def helpcenter(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300) -> str:
    """Run a ``helpcenter`` command with these settings; its output."""
    done = subprocess.run(
        [str(BIN / "helpcenter"), *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"helpcenter {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Site:
    """The app side of one site: gunicorn on its own port, its search index, its jobs."""

    def __init__(self, name: str, root: Path, port: int, settings: dict[str, str]) -> None:
        self.name = name
        self.root = root
        self.port = port
        self.env = {
            **os.environ,
            **settings,
            "HELPCENTER_INDEX_DIR": str(root / "index"),
            "HELPCENTER_CACHE_DIR": str(root / "cache"),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
        }
        self.server: subprocess.Popen | None = None
        self.jobs: subprocess.Popen | None = None

    def deploy(self) -> None:
        """What a deploy does on each server: build the search index from ``content/``."""
        self.root.mkdir(parents=True, exist_ok=True)
        helpcenter(self.env, "index", "build")

    def _spawn(self, command: list[str], log_name: str) -> subprocess.Popen:
        with (self.root / log_name).open("ab") as log:
            # A session of its own, so that the whole process group can be killed as a machine would lose it.
            return subprocess.Popen(
                command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start_server(self, timeout: float = 60) -> float:
        """Start gunicorn; return the seconds until ``/readyz`` answered 200."""
        started = time.monotonic()
        self.server = self._spawn(
            [str(BIN / "gunicorn"), "--config", str(PROJECT / "gunicorn.conf.py")], "gunicorn.log"
        )
        while time.monotonic() - started < timeout:
            if self.server.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn stopped; see {self.root / 'gunicorn.log'}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: gunicorn not ready after {timeout:.0f} s")

    def kill_server(self) -> None:
        """``kill -9`` the app server: master and workers at once."""
        if self.server is not None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()
            self.server = None

    def start_jobs(self) -> None:
        """Start this site's background jobs."""
        self.jobs = self._spawn(jobs_command(), "jobs.log")

    def jobs_running(self) -> bool:
        """Whether this site's background jobs still run (nothing restarts them)."""
        return self.jobs is not None and self.jobs.poll() is None

    def stop(self) -> None:
        """Stop the app server (gracefully) and the jobs."""
        for process in (self.server, self.jobs):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.server, self.jobs):
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.server = self.jobs = None
