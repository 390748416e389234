"""The faults, in the order an operator would meet them, and what is done about each.

1. One app server dies (``kill -9`` of gunicorn and its workers): HAProxy
   sends its traffic to the other site, first by retrying refused
   connections, then because ``/readyz`` no longer answers.
2. It is started again and comes back into rotation once ready.
3. The primary database is lost (stopped as a crash would).  After the
   failover manager's patience (a few failed probes), the standby is
   promoted, and runs alone: it no longer waits for a synchronous standby,
   since there is none to wait for.
4. The lost site comes back as the new primary's standby: pg_rewind takes
   back what it wrote that never reached the other site (a fresh base
   backup if rewinding fails), it streams again, and commits wait for it
   again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .postgres import ClusterError

if TYPE_CHECKING:
    from .run import Drill

#: How many probes, PROBE_INTERVAL apart, must fail before the standby is
#: promoted: the failover manager's patience.  Every second of it is a second
#: in which tickets cannot be filed (a failover manager's defaults are tens
#: of seconds, to ride out a blip of the network between the sites).
FAILED_PROBES_BEFORE_PROMOTION = 3
PROBE_INTERVAL = 0.5


@dataclass(frozen=True)
class Fault:
    """A step of the schedule, at a share of the load's duration."""

    key: str
    title: str
    at: float
    act: Callable[[Drill], str]


def kill_app_server(drill: Drill) -> str:
    site = drill.sites[0]
    site.kill_server()
    return f"gunicorn of {site.name} killed with SIGKILL"


def restart_app_server(drill: Drill) -> str:
    site = drill.sites[0]
    seconds = site.start_server()
    return f"{site.name} ready again after {seconds:.1f} s"


def fail_over_database(drill: Drill) -> str:
    lost, standby = drill.primary, drill.standby
    lost.stop("immediate")
    failed = 0
    while failed < FAILED_PROBES_BEFORE_PROMOTION:
        try:
            lost.query_one("SELECT 1")
            failed = 0
        except Exception:  # noqa: BLE001 - any failure to answer counts as a failed probe
            failed += 1
        time.sleep(PROBE_INTERVAL)
    standby.promote()
    # Alone, the new primary cannot wait for a standby: commits would block.
    standby.require_synchronous_standby(None)
    drill.primary, drill.standby = standby, lost
    return f"{lost.name} lost; {standby.name} promoted after {FAILED_PROBES_BEFORE_PROMOTION} failed probes, alone"


def rejoin_as_standby(drill: Drill) -> str:
    former, primary = drill.standby, drill.primary
    try:
        former.rewind_from(primary)
        how = "rewound"
    except ClusterError:
        former.base_backup_from(primary)
        how = "copied afresh (pg_basebackup)"
    former.start()
    primary.wait_for_standby(former.name)
    primary.require_synchronous_standby(former.name)
    return f"{former.name} {how}, streaming from {primary.name}; commits wait for it again"


SCHEDULE = (
    Fault("app_server_killed", "app server of site A killed (-9)", 0.12, kill_app_server),
    Fault("app_server_restarted", "app server of site A restarted", 0.25, restart_app_server),
    Fault("database_failover", "primary (site A) lost, site B promoted", 0.40, fail_over_database),
    Fault("database_rejoined", "site A rejoins as site B's standby", 0.70, rejoin_as_standby),
)
