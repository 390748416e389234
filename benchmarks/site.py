"""``make bench``: the site's pages against a minimal Flask page, under the same gunicorn.

For each content tree (the demo site, then the tldr corpus as ten thousand
articles), the help centre is started under gunicorn with two workers on
loopback, beside a minimal Flask app answering a fixed page under the same
settings.  wrk loads each page in turn (articles and searches cycle through
many different URLs) and the table gives requests per second, latency p50
and p99, and each page's ratio to the minimal page, measured in the same run.
Also printed: the time from starting gunicorn to answering, with the index
and the rendered pages already on disk (and without the rendered pages), and
the memory of each worker.

``--before REV`` (``make bench BEFORE=REV``) also serves the help centre as
it was at a git revision, over the same content, and loads each page on the
two in turn (``--rounds`` times each, so that the machine's other work
weighs on both alike): the table gains the earlier figures and the ratio of
now to then.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from helpcenter.config import LANGUAGES
from helpcenter.content import load_library, page_url

from .corpus import unpack_as_content

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TITLE = re.compile(r"^(?:title:\s*[\"']?(?P<front>.+?)[\"']?|#\s+(?P<heading>.+?))\s*$", re.MULTILINE)


@dataclass
class Load:
    """What wrk measured on one page."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    @classmethod
    def mean(cls, loads: list[Load]) -> Load:
        """The mean of several runs of one page (errors added up)."""
        count = len(loads)
        return cls(
            sum(load.rps for load in loads) / count,
            sum(load.p50_ms for load in loads) / count,
            sum(load.p99_ms for load in loads) / count,
            sum(load.errors for load in loads),
        )


@dataclass(frozen=True)
class Target:
    """A page of the table: the URLs wrk cycles through, and how it asks for them."""

    paths: list[str]
    app: bool = True
    cookie: bool = False
    unique: bool = False


def wrk(base: str, target: Target, seconds: int, connections: int, script_dir: Path) -> Load:
    """Load the target's paths in turn for ``seconds`` and return wrk's figures.

    With ``cookie`` every request carries a language cookie (a returning
    reader); with ``unique`` each search gets a number of its own as one
    more word, so that no answer can be kept from one request to the next
    (a parameter the page does not read would not do: it is not part of
    what is kept).
    """
    script = script_dir / "paths.lua"
    listed = ",\n".join('  "' + path.replace("\\", "\\\\").replace('"', '\\"') + '"' for path in target.paths)
    suffix = ' .. "+" .. n' if target.unique else ""
    script.write_text(
        "local paths = {\n"
        + listed
        + "\n}\nlocal i, n = 0, 0\n"
        + ('wrk.headers["Cookie"] = "hc_lang=en"\n' if target.cookie else "")
        + "request = function()\n  i = i % #paths + 1\n  n = n + 1\n"
        + f"  return wrk.format('GET', paths[i]{suffix})\nend\n"
    )
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return Load(rps, _ms(output, "50%"), _ms(output, "99%"), errors)


def _ms(output: str, share: str) -> float:
    value, unit = re.search(rf"^\s+{share}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


class Server:
    """gunicorn serving one WSGI app on a free loopback port with the settings of a project's tree."""

    def __init__(self, app: str, env: dict[str, str], port: int, log: Path, project: Path = PROJECT) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", "GUNICORN_ACCESSLOG": ""}
        self.app = app
        self.log = log
        self.project = project
        self.process: subprocess.Popen | None = None

    def start(self, ready_path: str) -> float:
        """Start gunicorn; return the seconds until it answered ``ready_path``."""
        started = time.perf_counter()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", str(self.project / "gunicorn.conf.py"), self.app],
                cwd=self.project,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + ready_path, timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)

    def worker_memory(self) -> list[tuple[float, float]]:
        """Resident and proportional memory (MB) of each worker: shared pages count once in PSS."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        memory = []
        for pid in children:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
            memory.append(tuple(int(fields[name].split()[0]) / 1024 for name in ("Rss", "Pss")))
        return memory

    def stop(self) -> None:
        """Stop gunicorn and wait for it."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def loading_scale(content: Path, work: Path) -> None:
    """Load a quarter, a half and all of a tree, rendering every page then from the cache: time per page."""
    files = sorted(content.rglob("*.md"))
    logging.getLogger("helpcenter.content").setLevel(logging.ERROR)  # the corpus's odd file names
    print("content loading (in this process)   pages   rendering   from the cache")
    for share in (4, 2, 1):
        tree = work / f"share-{share}"
        for path in files[::share]:
            target = tree / path.relative_to(content)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            library = load_library(tree, LANGUAGES, cache_dir=work / f"cache-{share}")
            timings.append(time.perf_counter() - started)
        pages = len(library)
        print(
            f"  1/{share} of the corpus {pages:>17}   {timings[0]:6.2f} s ({timings[0] / pages * 1000:.2f} ms a page)"
            f"   {timings[1]:5.2f} s ({timings[1] / pages * 1000:.3f} ms a page)"
        )


def sample_pages(content: Path, count: int) -> tuple[list[str], list[str]]:
    """Article URLs spread over the languages, and searches for their titles' first words."""
    files = sorted(path for path in content.glob("*/*/**/*.md") if path.name != "_index.md")
    chosen = random.Random(8).sample(files, min(count, len(files)))
    articles, searches = [], []
    for path in chosen:
        lang, *rest = path.relative_to(content).with_suffix("").parts
        articles.append(quote(page_url(lang, "/".join(rest))))
        match = TITLE.search(path.read_text(encoding="utf-8"))
        words = (match.group("front") or match.group("heading")).split()[:3] if match else [path.stem]
        searches.append(f"/{lang}/search?q=" + quote(" ".join(words)))
    return articles, searches


def checkout(revision: str, work: Path) -> Path:
    """The project's tree at ``revision``, unpacked under ``work`` with its message catalogues compiled."""
    tree = work / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=PROJECT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    subprocess.run(
        [str(BIN / "pybabel"), "compile", "-d", str(tree / "translations"), "-D", "messages"],
        check=True,
        capture_output=True,
    )
    return tree


def prepare(content: Path, instance: Path, project: Path = PROJECT) -> dict[str, str]:
    """Environment for an app of ``project`` over ``content``: database migrated, index built, pages rendered."""
    instance.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(project),
        "HELPCENTER_CONTENT_DIR": str(content),
        "HELPCENTER_INDEX_DIR": str(instance / "index"),
        "HELPCENTER_CACHE_DIR": str(instance / "cache"),
        "HELPCENTER_DATABASE_URL": f"sqlite:///{instance / 'helpcenter.sqlite3'}",
        "HELPCENTER_SECRET_KEY": "benchmark-only-secret",
        "HELPCENTER_COOKIE_SECURE": "false",
        # wrk is one client standing for many readers: the limit is checked (its cost counts), never reached
        "HELPCENTER_SEARCH_PAGE_LIMIT": "1000000 per minute",
    }
    for command in (["db", "upgrade"], ["index", "build"]):
        subprocess.run([str(BIN / "helpcenter"), *command], env=env, cwd=project, check=True, capture_output=True)
    return env


def bench_tree(name: str, content: Path, work: Path, args: argparse.Namespace, port: int) -> None:
    """Start the servers over one content tree (ports ``port`` to ``port + 2``), load every page, print the table."""
    instance = work / f"instance-{name.split()[0]}"
    env = prepare(content, instance)
    articles, searches = sample_pages(content, args.pages)
    floor = Target(["/"], app=False)
    pages = {
        "minimal page": floor,
        "article": Target(articles),
        "home": Target([f"/{lang}/" for lang in LANGUAGES]),
        "search results": Target(searches),
        "ticket form": Target([f"/{lang}/tickets/new" for lang in LANGUAGES]),
        "article, cookie": Target(articles, cookie=True),
        "home, cookie": Target([f"/{lang}/" for lang in LANGUAGES], cookie=True),
        "search, new": Target(searches, unique=True),
    }
    minimal = Server("benchmarks.minimal:app", env, port, instance / "minimal.log")
    app = Server("helpcenter.wsgi:app", env, port + 1, instance / "app.log")
    before = None
    if args.before_tree:
        before_env = prepare(content, instance / "before", args.before_tree)
        before = Server("helpcenter.wsgi:app", before_env, port + 2, instance / "before.log", args.before_tree)

    shutil.rmtree(instance / "cache")
    cold = app.start("/readyz")
    app.stop()
    warm = app.start("/readyz")
    minimal.start("/")
    if before:
        before.start("/readyz")
    servers = [app, before] if before else [app]
    try:
        for target in pages.values():
            if target.app:
                answered = [path for path in target.paths if _status(app.base + path) == 200]
                if len(answered) < len(target.paths):
                    print(
                        f"left out {len(target.paths) - len(answered)} of {len(target.paths)} URLs that do not answer 200"
                    )
                target.paths[:] = answered
        results: dict[str, Load] = {}
        earlier: dict[str, Load] = {}
        floors: list[Load] = []
        for label, target in [*pages.items(), ("minimal page", floor)]:
            if not target.app:
                wrk(minimal.base, target, args.warmup, args.connections, instance)
                floors.append(wrk(minimal.base, target, args.seconds, args.connections, instance))
                continue
            for server in servers:
                wrk(server.base, target, args.warmup, args.connections, instance)
            loads: dict[Server, list[Load]] = {server: [] for server in servers}
            for round_ in range(args.rounds if before else 1):
                for server in servers if round_ % 2 == 0 else servers[::-1]:  # neither always goes first
                    loads[server].append(wrk(server.base, target, args.seconds, args.connections, instance))
            results[label] = Load.mean(loads[app])
            if before:
                earlier[label] = Load.mean(loads[before])
        memory = app.worker_memory()
    finally:
        for server in (app, minimal, before):
            if server:
                server.stop()

    base_rps = sum(load.rps for load in floors) / len(floors)
    print(f"\n{name}: {args.seconds} s per page, wrk -t1 -c{args.connections}, gunicorn 2 sync workers")
    compared = f"{'before':>8}{'now/then':>10}" if before else ""
    print(f"{'page':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'errors':>8}{compared}")
    for label, load in [("minimal page", Load(base_rps, floors[0].p50_ms, floors[0].p99_ms, 0)), *results.items()]:
        then = earlier.get(label)
        compared = f"{then.rps:>8.0f}{load.rps / then.rps:>10.0%}" if then else ""
        print(
            f"{label:<16}{load.rps:>10.0f}{load.p50_ms:>9.2f}{load.p99_ms:>9.2f}{load.rps / base_rps:>8.0%}{load.errors:>8}"
            + compared
        )
    if before:
        print(f"before: {args.before} (req/s, mean of {args.rounds} runs taken in turn with the current tree's)")
    print(f"minimal page before / after: {floors[0].rps:.0f} / {floors[-1].rps:.0f} req/s")
    print("cookie: a returning reader's request, answered by Flask from the pages it keeps;")
    print("search, new: every request a search never asked before (nothing kept can answer it)")
    print(
        f"start-up to first answer: {warm:.2f} s (index and rendered pages on disk); {cold:.2f} s rendering every page"
    )
    print("memory per worker: " + ", ".join(f"RSS {rss:.0f} MB (PSS {pss:.0f} MB)" for rss, pss in memory))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark over the demo site and the tldr corpus."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="load time per page")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up time per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--pages", type=int, default=300, help="different articles and searches to cycle through")
    parser.add_argument("--tree", choices=("demo", "tldr", "both"), default="both")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--before", metavar="REV", help="also load the help centre as it was at this git revision")
    parser.add_argument("--rounds", type=int, default=3, help="with --before: runs of each page on each tree")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        work = Path(tmp)
        args.before_tree = checkout(args.before, work) if args.before else None
        if args.tree in ("demo", "both"):
            bench_tree("demo site", PROJECT / "content", work, args, args.port)
        if args.tree in ("tldr", "both"):
            counts = unpack_as_content(work / "tldr")
            print(f"\ntldr corpus: {sum(counts.values())} pages {counts}")
            bench_tree("tldr corpus", work / "tldr", work, args, args.port + 3)
            loading_scale(work / "tldr", work)


if __name__ == "__main__":
    main()
