"""The failover drill, shorter than ``make drill``: every fault, and the same targets."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drill.__main__ import targets_met
from drill.run import missing_prerequisites

ROOT = Path(__file__).resolve().parent.parent
LOAD_SECONDS = 75


def test_two_sites_lose_nothing_through_an_app_server_crash_and_a_database_failover():
    reason = missing_prerequisites()
    if reason:
        pytest.skip(reason)
    done = subprocess.run(
        [sys.executable, "-m", "drill", "--seconds", str(LOAD_SECONDS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    report = done.stdout + done.stderr[-2000:]

    assert result["acknowledged"] >= 30 and result["replies_acknowledged"] >= 5, report
    assert result["lost"] == 0 and result["missing_on_standby"] == 0, report
    assert result["duplicate_tickets"] == 0 and result["duplicate_replies"] == 0, report
    assert result["mails_received"] == result["mails_expected"] > 0, report
    assert result["duplicate_mails"] == 0, report
    assert result["availability"] >= 99, report
    recovery = result["recovery_by_fault_s"]
    assert set(recovery) == {"app_server_killed", "app_server_restarted", "database_failover", "database_rejoined"}
    assert recovery["database_failover"] < 30 and recovery["app_server_killed"] < 5, report
    assert result["jobs_running"] == 2, report
    assert targets_met(result) and done.returncode == 0, report
