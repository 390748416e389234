"""``make bench-search``: the project's search beside SQLite FTS5, on the tldr corpus.

Both engines index the same pages and answer the same known-item queries in
the same run, so the ratios hold on a shared, noisy machine.  Prints:

- the time of ``helpcenter index build`` on a fresh copy of the corpus
  (content loading and rendering included), after one page is edited, and
  when nothing changed, beside FTS5 filling its tables, and the floor of an
  update (:func:`floor_seconds`);
- query latency (p50/p95/p99), each query seen for the first time: through
  ``/api/v1/search`` with snippets and the total, the framework's own
  overhead subtracted (the same request without a query), beside FTS5
  returning the ten best with a snippet each and the count; and the engine
  alone, with and without snippets;
- mean reciprocal rank at 10 per language and kind of query (see
  :mod:`benchmarks.queries`), ours as the API answers and FTS5's;
- search memory per worker.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from helpcenter.config import LANGUAGES
from helpcenter.content import load_library
from helpcenter.search.engine import WhooshSearchEngine
from helpcenter.search.results import SearchRequest

from .corpus import unpack_as_content
from .fts5 import Fts5Baseline
from .queries import KINDS, Query, make_queries

SHARES = (0.5, 0.95, 0.99)


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def reciprocal_rank(ids: list[str], target: str) -> float:
    """1/rank of the target in the first ten ids, 0 when absent."""
    return 1.0 / (ids.index(target) + 1) if target in ids[:10] else 0.0


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory of this process, in MB: all of it, or only ``RssFile`` (mapped files)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_probe(index_dir: str, queries_file: str) -> None:
    """In a fresh process: open the six searchers, run the queries, print the memory they took.

    Also how much of it is index files mapped in memory: pages of the
    system's cache, shared by the workers.
    """
    queries = [Query(**item) for item in json.loads(Path(queries_file).read_text())]
    before, mapped = rss_mb(), rss_mb("RssFile")
    engine = WhooshSearchEngine(Path(index_dir), LANGUAGES)
    for query in queries:
        engine.search(SearchRequest(query.text, query.lang), None)
    print(json.dumps({"search_mb": rss_mb() - before, "mapped_mb": rss_mb("RssFile") - mapped}))


def index_command(root: Path, *extra: str) -> tuple[float, str]:
    """Run ``helpcenter index build`` over the corpus in ``root``; its wall time and last line."""
    env = {
        **os.environ,
        "HELPCENTER_CONTENT_DIR": str(root / "content"),
        "HELPCENTER_INDEX_DIR": str(root / "index"),
        "HELPCENTER_CACHE_DIR": str(root / "cache"),
        "HELPCENTER_DATABASE_URL": f"sqlite:///{root / 'bench.sqlite3'}",
        "HELPCENTER_SECRET_KEY": "bench",
    }
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("helpcenter")), "index", "build", *extra],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def floor_seconds(content_dir: Path) -> float:
    """The wall time of a process that does only what any update of the index must do.

    It starts Python, imports the libraries that read, render and index a
    page (Whoosh, Python-Markdown, PyYAML, nh3) and takes one ``stat`` of each
    Markdown file, the only way to see which were saved: what is left of the
    edited page's time above it is the project's own work.
    """
    code = (
        "import os, nh3, markdown, yaml, whoosh.codec.whoosh3, whoosh.fields, whoosh.index, whoosh.writing\n"
        f"pending = [{str(content_dir)!r}]\n"
        "while pending:\n"
        "    folder = pending.pop()\n"
        "    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)\n"
        "    with os.scandir(descriptor) as entries:\n"
        "        for entry in entries:\n"
        "            if entry.name.endswith('.md'): entry.stat()\n"
        "            elif entry.is_dir(): pending.append(folder + '/' + entry.name)\n"
        "    os.close(descriptor)\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def api_client(root: Path, library):
    """A test client of the app over the corpus, its index already built, rate limits off."""
    from helpcenter import create_app
    from helpcenter.db import upgrade
    from helpcenter.library import content_store

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite3'}",
            "CONTENT_DIR": str(root / "content"),
            "INDEX_DIR": str(root / "index"),
            "CACHE_DIR": str(root / "cache"),
            "RATELIMIT_ENABLED": False,
        }
    )
    upgrade(app)
    content_store(app).use(library)
    return app.test_client()


def timed_get(client, path: str, params: dict) -> tuple[float, dict]:
    """One request's time and its JSON answer."""
    started = time.perf_counter()
    response = client.get(path, query_string=params)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)
    return elapsed, response.get_json()


def latency_row(name: str, values: list[float], base: list[float] | None) -> str:
    """One line of the latency table, with the ratios to ``base``."""
    row = [percentile(values, share) * 1000 for share in SHARES]
    text = f"{name:<34}" + "".join(f"{value:9.2f}" for value in row)
    if base:
        ratios = (value / (percentile(base, share) * 1000) for value, share in zip(row, SHARES, strict=True))
        text += "   " + " / ".join(f"{ratio:.1f}x" for ratio in ratios)
    return text


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-kind", type=int, default=50, help="queries of each kind per language")
    parser.add_argument("--seed", type=int, default=7, help="seed of the queries")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--failures", type=Path, help="write the queries ours ranks below FTS5 to this file")
    parser.add_argument("--memory-probe", nargs=2, metavar=("INDEX_DIR", "QUERIES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        memory_probe(*args.memory_probe)
        return
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        root = Path(tmp)
        counts = unpack_as_content(root / "content")
        print(f"corpus: tldr-pages, {sum(counts.values())} pages {counts}")

        # The command as on a fresh clone: nothing rendered, no index.
        full_seconds, full_line = index_command(root)
        library = load_library(root / "content", LANGUAGES, cache_dir=root / "cache")
        # The same page every run (the order of the pages follows the file system's): the edit changes
        # the words the queries are made from, so another page would make other queries.
        edited = min((page for page in library.all_pages(["en"]) if page.kind.value == "article"), key=lambda p: p.id)
        with edited.path.open("a", encoding="utf-8") as file:
            file.write("\nEdited for the benchmark.\n")
        edit_seconds, edit_line = index_command(root)
        same_seconds, _ = index_command(root)
        floor = floor_seconds(root / "content")
        library = load_library(root / "content", LANGUAGES, cache_dir=root / "cache")

        fts = Fts5Baseline(root / "fts5.sqlite3")
        started = time.perf_counter()
        fts.build(library)
        fts_build = time.perf_counter() - started

        queries = make_queries(library, args.per_kind, seed=args.seed)
        client = api_client(root, library)
        engine = WhooshSearchEngine(root / "index", LANGUAGES)
        text_of = lambda lang, page_id: library.exact(lang, page_id).text  # noqa: E731
        # Warm both up on queries that are not measured (opening files, first reads).
        for warm in make_queries(library, 2, seed=args.seed + 1000):
            timed_get(client, "/api/v1/search", {"q": warm.text, "lang": warm.lang})
            fts.search(warm.lang, warm.text, snippets=True)
        empty = {"q": "", "lang": "en"}
        overhead = statistics.median(timed_get(client, "/api/v1/search", empty)[0] for _ in range(300))
        # As the production entry point does once the content is loaded (helpcenter/wsgi.py): what
        # lives as long as the process is kept out of the collector's sight.
        gc.collect()
        gc.freeze()

        timings: dict[str, list[float]] = defaultdict(list)
        ranks: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        failures = []
        seen: set[tuple[str, str]] = set()
        for query in queries:
            first = (query.lang, query.text) not in seen
            seen.add((query.lang, query.text))
            elapsed, answer = timed_get(client, "/api/v1/search", {"q": query.text, "lang": query.lang})
            started = time.perf_counter()
            fts_ids, _ = fts.search(query.lang, query.text, snippets=True)
            fts_elapsed = time.perf_counter() - started
            if first:
                timings["api"].append(max(0.0, elapsed - overhead))
                timings["fts5+snippets"].append(fts_elapsed)
                for name, snippets in (("engine", None), ("engine+snippets", text_of)):
                    started = time.perf_counter()
                    engine.search(SearchRequest(query.text, query.lang), snippets)
                    timings[name].append(time.perf_counter() - started)
                started = time.perf_counter()
                fts.search(query.lang, query.text)
                timings["fts5"].append(time.perf_counter() - started)
            ours_ids = [hit["id"] for hit in answer["results"] if hit["lang"] == query.lang]
            ours, base = reciprocal_rank(ours_ids, query.target), reciprocal_rank(fts_ids, query.target)
            ranks[("ours", query.lang, query.kind)].append(ours)
            ranks[("fts5", query.lang, query.kind)].append(base)
            if ours < base:
                failures.append({**dataclasses.asdict(query), "ours": ours_ids, "fts5": fts_ids})

        from helpcenter.library import search_tally  # here: the memory probe loads this module too

        search_tally(client.application).flush()  # the counts are written while their database still exists
        queries_file = root / "queries.json"
        queries_file.write_text(json.dumps([dataclasses.asdict(query) for query in queries]))
        probe = subprocess.run(
            [sys.executable, "-m", "benchmarks.search", "--memory-probe", str(root / "index"), str(queries_file)],
            capture_output=True,
            text=True,
            check=True,
        )
        memory = json.loads(probe.stdout)

    print(
        f"\n{len(queries)} queries ({len(timings['api'])} distinct), seed {args.seed}: "
        + ", ".join(f"{kind} {sum(q.kind == kind for q in queries)}" for kind in KINDS)
    )
    print("\nlatency (ms), each query seen once   p50      p95      p99   ratio to FTS5 (p50 / p95 / p99)")
    print(f"(API overhead subtracted: {overhead * 1000:.2f} ms, the same request without a query)")
    print(latency_row("fts5: 10 best, snippets, count", timings["fts5+snippets"], None))
    print(latency_row("ours: API, snippets, total", timings["api"], timings["fts5+snippets"]))
    print(latency_row("fts5: 10 best, count", timings["fts5"], None))
    print(latency_row("ours: engine, no snippets", timings["engine"], timings["fts5"]))
    print(latency_row("ours: engine, snippets", timings["engine+snippets"], timings["fts5+snippets"]))

    print("\nMRR@10, ours / fts5 (* where ours is below)")
    print(f"{'kind':<20}" + "".join(f"{lang:>16}" for lang in LANGUAGES))
    mrr: dict[str, dict[str, list[float]]] = defaultdict(dict)
    for kind in KINDS:
        cells = []
        for lang in LANGUAGES:
            ours, base = ranks.get(("ours", lang, kind)), ranks.get(("fts5", lang, kind))
            if not ours:
                cells.append("-")
                continue
            pair = [statistics.mean(ours), statistics.mean(base)]
            mrr[kind][lang] = pair
            mark = "*" if round(pair[0], 3) < round(pair[1], 3) else " "
            cells.append(f"{pair[0]:.3f}/{pair[1]:.3f}{mark}")
        print(f"{kind:<20}" + "".join(f"{cell:>16}" for cell in cells))

    print("\nbuild (helpcenter index build, a fresh copy of the corpus: loading and rendering included)")
    print(f"full build      ours {full_seconds:6.2f} s   fts5 {fts_build:6.2f} s (tables only)   [{full_line}]")
    share = edit_seconds / full_seconds
    print(f"one page edited ours {edit_seconds:6.2f} s   ({share:.1%} of the full build)   [{edit_line}]")
    print(f"nothing changed ours {same_seconds:6.2f} s")
    print(
        f"floor           {floor:9.2f} s   ({floor / full_seconds:.1%} of the full build): starting Python, "
        "importing Whoosh, Python-Markdown, PyYAML and nh3, one stat a file"
    )
    print(
        f"search memory per worker (six searchers, after the queries): {memory['search_mb']:.1f} MB, "
        f"of which mapped files (the index's pages, shared by the workers): {memory['mapped_mb']:.1f} MB"
    )

    if args.json:
        figures = {
            "seed": args.seed,
            "latency_ms": {
                name: [percentile(values, share) * 1000 for share in SHARES] for name, values in timings.items()
            },
            "mrr": mrr,
            "build_s": {
                "full": full_seconds,
                "edit": edit_seconds,
                "same": same_seconds,
                "floor": floor,
                "fts5": fts_build,
            },
        }
        args.json.write_text(json.dumps(figures, indent=1))
    if args.failures:
        args.failures.write_text(json.dumps(failures, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
