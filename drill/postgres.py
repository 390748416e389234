"""One site's PostgreSQL: a cluster of its own, made fresh, run on a loopback port.

The two sites run Debian's PostgreSQL binaries on one data directory each.
Their configuration files are the same, as on two real machines; what
differs between the sites (the port, the socket folder) is given on the
command line, so that a base backup or a rewind, which copy the
configuration from the other site, change nothing that matters.

Run as root, the clusters run as the ``postgres`` account, which owns their
data directories.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
APP_ROLE = "helpcenter"
APP_DATABASE = "helpcenter"

#: Settings of both sites (streaming replication, rewind after a failover).
SETTINGS = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 8
wal_keep_size = '256MB'
hot_standby = on
# A standby that asks for the primary's feedback keeps its queries from being cancelled.
hot_standby_feedback = on
wal_log_hints = on
synchronous_commit = on
# Set on the primary once its replica streams (see Cluster.require_synchronous_standby).
synchronous_standby_names = ''
wal_sender_timeout = '10s'
wal_receiver_timeout = '10s'
wal_retrieve_retry_interval = '1s'
max_connections = 60
shared_buffers = '32MB'
fsync = on
log_min_messages = warning
log_connections = off
"""

HBA = """
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


class ClusterError(RuntimeError):
    """A PostgreSQL command failed; the message has its output."""


def postgres_bin_dir() -> Path | None:
    """Where Debian's PostgreSQL server binaries are (the newest version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _server_account() -> str | None:
    """The account the clusters run as: ``postgres`` when running as root, else the current user."""
    return SUPERUSER if os.geteuid() == 0 else None


class Cluster:
    """The PostgreSQL of one site: its data directory, port, and the commands an operator runs on it."""

    def __init__(self, name: str, root: Path, port: int, bin_dir: Path) -> None:
        self.name = name
        self.root = root
        self.data = root / "data"
        self.port = port
        self.bin = bin_dir
        self.log = root / "server.log"
        self.account = _server_account()

    # -- running commands as the server's account ---------------------------------

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        done = subprocess.run(
            command, user=self.account, capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if check and done.returncode != 0:
            raise ClusterError(f"{self.name}: {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def _own(self, *paths: Path) -> None:
        if self.account is None:
            return
        entry = pwd.getpwnam(self.account)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def prepare_root(self) -> None:
        """Make the site's folder, owned by the server's account."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        self._own(self.root)

    # -- life cycle ------------------------------------------------------------------

    def initdb(self) -> None:
        """A new, empty cluster with the drill's settings."""
        self.prepare_root()
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-instructions")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS)
        (self.data / "pg_hba.conf").write_text(HBA)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root}"
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (clean) or ``immediate`` (as a crash would)."""
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.data), check=False)

    def running(self) -> bool:
        """Whether the server process is up."""
        return self._run("pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def promote(self) -> None:
        """Make this standby the primary, and wait until it accepts writes."""
        self._run("pg_ctl", "promote", "-w", "-t", "60", "-D", str(self.data))

    # -- replication -----------------------------------------------------------------

    def conninfo(self, dbname: str = "postgres", user: str = SUPERUSER, application_name: str | None = None) -> str:
        """A libpq connection string to this site (``application_name``: the name a standby streams under)."""
        named = f" application_name={application_name}" if application_name else ""
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname} connect_timeout=3{named}"

    def base_backup_from(self, primary: Cluster) -> None:
        """Make this site a copy of ``primary`` (its data directory replaced), set to stream from it under its name."""
        self.prepare_root()
        if self.data.exists():
            shutil.rmtree(self.data)
        self._run(
            "pg_basebackup",
            "-d",
            primary.conninfo(application_name=self.name),
            "-D",
            str(self.data),
            "-X",
            "stream",
            "-c",
            "fast",
            "--write-recovery-conf",
            "--no-sync",
            timeout=300,
        )

    def rewind_from(self, primary: Cluster) -> None:
        """Undo what this former primary wrote after the fork, and set it to stream from ``primary``.

        pg_rewind first finishes the crash recovery of a server that was not
        shut down cleanly, then copies what differs from the new primary.
        It reads the new primary's timeline from its control file, which a
        promotion updates only at its next checkpoint: hence the CHECKPOINT.
        """
        primary.execute("CHECKPOINT")
        self._run(
            "pg_rewind",
            "--target-pgdata",
            str(self.data),
            "--source-server",
            primary.conninfo(application_name=self.name),
            "--write-recovery-conf",
            timeout=300,
        )

    def require_synchronous_standby(self, standby: str | None) -> None:
        """Make every commit wait for ``standby`` to have it on disk; None: wait for no standby."""
        names = standby or ""
        self.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'", "SELECT pg_reload_conf()")

    def wait_for_standby(self, standby: str, timeout: float = 60) -> None:
        """Wait until ``standby`` streams from this primary and has replayed up to its current WAL."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.query_one(
                "SELECT state, replay_lsn >= pg_current_wal_lsn() FROM pg_stat_replication WHERE application_name = %s",
                (standby,),
            )
            if row and row[0] == "streaming" and row[1]:
                return
            time.sleep(0.2)
        raise ClusterError(f"{standby} did not catch up with {self.name} within {timeout:.0f} s")

    def in_recovery(self) -> bool:
        """Whether this site is a standby."""
        return bool(self.query_one("SELECT pg_is_in_recovery()")[0])

    # -- SQL ---------------------------------------------------------------------------

    def connect(self, dbname: str = "postgres", user: str = SUPERUSER) -> psycopg.Connection:
        """A connection to this site (autocommit)."""
        return psycopg.connect(self.conninfo(dbname, user), autocommit=True)

    def execute(self, *statements: str, dbname: str = "postgres") -> None:
        """Run statements one after the other, outside any transaction."""
        with self.connect(dbname) as connection:
            for statement in statements:
                connection.execute(statement)

    def query_one(self, sql: str, params: tuple = (), dbname: str = "postgres") -> tuple | None:
        """The first row of a query."""
        with self.connect(dbname) as connection:
            return connection.execute(sql, params).fetchone()

    def query_all(self, sql: str, params: tuple = (), dbname: str = APP_DATABASE) -> list[tuple]:
        """Every row of a query (in the help centre's database by default)."""
        with self.connect(dbname) as connection:
            return connection.execute(sql, params).fetchall()

    def create_app_database(self) -> None:
        """The help centre's role and database, owned by that role."""
        self.execute(f"CREATE ROLE {APP_ROLE} LOGIN", f"CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE}")
