"""The drill from start to end: two sites set up fresh, the load, the faults, the verdict."""

from __future__ import annotations

import concurrent.futures
import secrets
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from helpcenter.outbox.delivery import CLAIM

from .faults import SCHEDULE
from .haproxy import LoadBalancer, haproxy_binary
from .load import Agent, Customer, Ledger, Reader
from .mailsink import MailSink
from .postgres import APP_DATABASE, APP_ROLE, Cluster, postgres_bin_dir
from .report import FaultRecord, StoredState, figures, json_line, table, timeline
from .sites import AGENT_EMAIL, AGENT_PASSWORD, Site, helpcenter, shared_settings

REDIS_URL = "redis://127.0.0.1:6379/12"
#: How long the outbox may take to empty once the load has stopped: a mail
#: claimed by a sender that was killed waits out the claim.
MAIL_DRAIN_SECONDS = CLAIM.total_seconds() + 30


@dataclass(frozen=True)
class Plan:
    """How long the load runs and how many people make it."""

    seconds: float = 150
    customers: int = 3
    readers: int = 3
    agents: int = 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_prerequisites() -> str | None:
    """Why the drill cannot run here, or None."""
    if postgres_bin_dir() is None:
        return "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)"
    if haproxy_binary() is None:
        return "haproxy is not installed (apt-get install haproxy)"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: cannot run, saying why
        return f"no Redis answers at {REDIS_URL}: {exc}"
    return None


def database_url(*clusters: Cluster) -> str:
    """One URL naming every site's database, asking for the one that accepts writes."""
    hosts = "&".join(f"host=127.0.0.1:{cluster.port}" for cluster in clusters)
    return f"postgresql+psycopg://{APP_ROLE}@/{APP_DATABASE}?{hosts}&target_session_attrs=read-write&connect_timeout=3"


class Drill:
    """Both sites, the balancer and the mail sink, made fresh in a folder of their own."""

    def __init__(self, root: Path, plan: Plan, log=print) -> None:
        self.root = root
        self.plan = plan
        self.log = log
        bin_dir = postgres_bin_dir()
        self.clusters = [Cluster(name, root / name / "postgres", free_port(), bin_dir) for name in ("site_a", "site_b")]
        self.primary, self.standby = self.clusters
        self.sink = MailSink(free_port())
        balancer_port = free_port()
        settings = shared_settings(
            database_url=database_url(*self.clusters),
            smtp_url=self.sink.url,
            redis_url=REDIS_URL,
            secret_key=secrets.token_hex(32),
            base_url=f"http://127.0.0.1:{balancer_port}",
        )
        self.sites = [Site(name, root / name / "app", free_port(), settings) for name in ("site_a", "site_b")]
        self.balancer = LoadBalancer(root, balancer_port, {site.name: site.port for site in self.sites})
        self.ledger = Ledger()
        self.faults: list[FaultRecord] = []

    # -- set-up and tear-down ------------------------------------------------------

    def set_up(self) -> None:
        """Primary, then its synchronous standby; the schema, a staff account; app servers, jobs, balancer."""
        self.log("setting up: search indexes at both sites (deploy), primary database at site A")
        with concurrent.futures.ThreadPoolExecutor(len(self.sites)) as pool:
            deploys = [pool.submit(site.deploy) for site in self.sites]
            self._set_up_databases()
            for deploy in deploys:
                deploy.result()
            self.sink.start()
            self.log("setting up: app servers and jobs at both sites, HAProxy")
            for _seconds in pool.map(Site.start_server, self.sites):
                pass
        for site in self.sites:
            site.start_jobs()
        self.balancer.start()
        deadline = time.monotonic() + 30
        while set(self.balancer.server_states().values()) != {"UP"}:
            if time.monotonic() > deadline:
                raise RuntimeError(f"HAProxy does not see both servers up: {self.balancer.server_states()}")
            time.sleep(0.2)

    def _set_up_databases(self) -> None:
        self.primary.initdb()
        self.primary.start()
        self.primary.create_app_database()
        site_a = self.sites[0]
        helpcenter(site_a.env, "db", "upgrade")
        helpcenter(
            site_a.env,
            "staff",
            "create",
            "--email",
            AGENT_EMAIL,
            "--name",
            "Drill Agent",
            "--role",
            "agent",
            stdin=AGENT_PASSWORD + "\n",
        )
        self.log("setting up: standby at site B (pg_basebackup), synchronous")
        self.standby.base_backup_from(self.primary)
        self.standby.start()
        self.primary.wait_for_standby(self.standby.name)
        self.primary.require_synchronous_standby(self.standby.name)

    def tear_down(self) -> None:
        """Stop everything this drill started."""
        for stop in (*(site.stop for site in self.sites), self.balancer.stop, self.sink.stop):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - tear down the rest regardless
                self.log(f"tear-down: {exc}")
        for cluster in self.clusters:
            if cluster.data.exists():
                cluster.stop("immediate")

    # -- the drill ---------------------------------------------------------------------

    def run_load_and_faults(self) -> float:
        """The load, with the faults at their times; returns how long the load ran."""
        stop = threading.Event()
        base = self.balancer.base
        clients = [
            *(Customer(f"customer{n}", base, self.ledger, stop, n) for n in range(self.plan.customers)),
            *(Reader(f"reader{n}", base, self.ledger, stop, 100 + n) for n in range(self.plan.readers)),
            *(Agent(f"agent{n}", base, self.ledger, stop, 200 + n) for n in range(self.plan.agents)),
        ]
        self.ledger.started = time.monotonic()
        for client in clients:
            client.start()
        try:
            for fault in SCHEDULE:
                self._sleep_until(fault.at * self.plan.seconds)
                started = self.ledger.now()
                self.log(f"{started:6.1f} s  {fault.title}")
                outcome = fault.act(self)
                self.faults.append(FaultRecord(fault.key, fault.title, started, self.ledger.now() - started, outcome))
                self.log(f"{self.ledger.now():6.1f} s    {outcome}")
            self._sleep_until(self.plan.seconds)
        finally:
            stop.set()
            load_seconds = self.ledger.now()
            for client in clients:
                client.join(120)
        failures = [f"{client.name}: {client.failure!r}" for client in clients if client.failure]
        if failures:
            raise RuntimeError("load clients failed: " + "; ".join(failures))
        return load_seconds

    def _sleep_until(self, at: float) -> None:
        time.sleep(max(0.0, at - self.ledger.now()))

    def drain_mail(self) -> None:
        """Wait until the outbox is empty (the jobs keep running), for at most MAIL_DRAIN_SECONDS."""
        deadline = time.monotonic() + MAIL_DRAIN_SECONDS
        while time.monotonic() < deadline:
            if self._unsent_mail() == 0:
                return
            time.sleep(1)

    def _unsent_mail(self) -> int:
        [(unsent,)] = self.primary.query_all(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND abandoned_at IS NULL"
        )
        return unsent

    def stored(self, cluster: Cluster) -> StoredState:
        """What ``cluster`` holds of the tickets and replies."""
        return StoredState.from_rows(
            cluster.query_all("SELECT reference, description FROM ticket"),
            cluster.query_all("SELECT body FROM ticket_message WHERE author = 'staff'"),
            *cluster.query_all(
                "SELECT count(*) FILTER (WHERE sent_at IS NULL AND abandoned_at IS NULL),"
                " coalesce(extract(epoch FROM max(sent_at - created_at)), 0) FROM outbox"
            )[0],
        )

    def verdict(self, load_seconds: float) -> dict:
        """The figures: the new primary read, the standby caught up and read too."""
        self.primary.wait_for_standby(self.standby.name)
        result = figures(
            self.ledger,
            self.stored(self.primary),
            self.stored(self.standby),
            self.sink.received(),
            self.faults,
            load_seconds,
        )
        result["jobs_running"] = sum(site.jobs_running() for site in self.sites)
        return result


def run(plan: Plan, *, keep: bool = False, log=print) -> dict:
    """Run the whole drill; print the table and the JSON line; return the figures."""
    root = Path(tempfile.mkdtemp(prefix="helpcenter-drill-"))
    root.chmod(0o755)
    drill = Drill(root, plan, log)
    try:
        drill.set_up()
        people = f"{plan.customers} customers, {plan.readers} readers, {plan.agents} agent(s)"
        log(f"load: {people} for {plan.seconds:.0f} s")
        load_seconds = drill.run_load_and_faults()
        log("load stopped; waiting for the outbox to empty")
        drill.drain_mail()
        result = drill.verdict(load_seconds)
    finally:
        drill.tear_down()
        if keep:
            (root / "timeline.csv").write_text(timeline(drill.ledger))
            log(f"kept: {root} (logs, data directories, timeline.csv)")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(table(result, drill.ledger, drill.faults))
    print(json_line(result), flush=True)
    return result
