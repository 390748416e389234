"""HAProxy in front of both sites, sending traffic only to app servers whose ``/readyz`` answers 200."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

CONFIG = """\
global
    maxconn 512
    stats socket {root}/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout check 2s
    # A server that refuses the connection (it died) is retried on the other
    # one; so is a GET that a dying server closed without answering.  A POST
    # that reached a server is never sent twice (see the frontend).
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response
    option forwardfor

frontend help_centre
    bind 127.0.0.1:{port}
    http-request disable-l7-retry unless METH_GET
    # While no server is ready (the database has no primary for a few
    # seconds), the servers that are alive still serve what needs no
    # database: articles, search, and a "try again" page for tickets.
    use_backend alive_servers if {{ nbsrv(ready_servers) eq 0 }}
    default_backend ready_servers

{ready_servers}
{alive_servers}"""


BACKEND = """\
backend {name}
    balance roundrobin
    option httpchk
    http-check send meth GET uri {check} ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""


def haproxy_binary() -> str | None:
    """The ``haproxy`` program, or None when it is not installed."""
    return shutil.which("haproxy", path=f"{os.environ.get('PATH', '')}:/usr/sbin")


class LoadBalancer:
    """HAProxy with one server per site."""

    def __init__(self, root: Path, port: int, servers: dict[str, int]) -> None:
        self.root = root
        self.port = port
        self.config = root / "haproxy.cfg"
        listed = "\n".join(f"    server {name} 127.0.0.1:{server_port} check" for name, server_port in servers.items())
        self.config.write_text(
            CONFIG.format(
                root=root,
                port=port,
                ready_servers=BACKEND.format(name="ready_servers", check="/readyz", servers=listed),
                alive_servers=BACKEND.format(name="alive_servers", check="/healthz", servers=listed),
            )
        )
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        """The help centre's address, as customers reach it."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Check the configuration, start HAProxy in the foreground and wait until it listens."""
        binary = haproxy_binary()
        subprocess.run([binary, "-c", "-q", "-f", str(self.config)], check=True)
        with (self.root / "haproxy.log").open("ab") as log:
            self.process = subprocess.Popen(
                [binary, "-db", "-f", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("HAProxy did not start listening")

    def server_states(self) -> dict[str, str]:
        """Each server's state as HAProxy sees it (UP, DOWN, ...)."""
        with socket.socket(socket.AF_UNIX) as admin:
            admin.connect(str(self.root / "haproxy.sock"))
            admin.sendall(b"show stat\n")
            data = b""
            while chunk := admin.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "ready_servers" and row.get("svname") not in ("BACKEND", "FRONTEND"):
                states[row["svname"]] = row["status"]
        return states

    def stop(self) -> None:
        """Stop HAProxy."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
