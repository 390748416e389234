"""``python -m drill``: the two-site failover drill (``make drill``)."""

from __future__ import annotations

import argparse
import sys

from .run import Plan, missing_prerequisites, run


def main(argv: list[str] | None = None) -> int:
    """Run the drill; exit 0 when every target is met, 1 when one is missed, 2 when it cannot run."""
    parser = argparse.ArgumentParser(prog="python -m drill", description=__doc__)
    parser.add_argument("--seconds", type=float, default=Plan.seconds, help="how long the load runs")
    parser.add_argument("--keep", action="store_true", help="keep the drill's folder (data, logs) afterwards")
    args = parser.parse_args(argv)
    reason = missing_prerequisites()
    if reason:
        print(f"drill: cannot run: {reason}", file=sys.stderr)
        return 2
    result = run(Plan(seconds=args.seconds), keep=args.keep, log=lambda line: print(line, file=sys.stderr, flush=True))
    return 0 if targets_met(result) else 1


def targets_met(result: dict) -> bool:
    """Whether the figures meet the drill's targets."""
    recovery = result["recovery_by_fault_s"]
    return (
        result["lost"] == 0
        and result["duplicate_tickets"] == 0
        and result["duplicate_mails"] == 0
        and result["mails_received"] == result["mails_expected"]
        and result["availability"] >= 99
        and recovery.get("database_failover", 0) < 30
        and recovery.get("app_server_killed", 0) < 5
        and result["jobs_running"] == 2
    )


if __name__ == "__main__":
    sys.exit(main())
