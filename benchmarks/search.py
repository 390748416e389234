"""``make bench-search``: the project's search beside SQLite FTS5, on the tldr corpus.

Both engines index the same pages and answer the same known-item queries in
the same run, so the ratios hold on a shared, noisy machine.  Prints build
times, query latency (p50/p95/p99), mean reciprocal rank at 10 per language
and kind, search memory per worker and the time to update one changed page.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from helpcenter.config import LANGUAGES
from helpcenter.content import Library, load_library
from helpcenter.search.engine import WhooshSearchEngine
from helpcenter.search.results import SearchRequest
from helpcenter.search.store import build

from .corpus import unpack_as_content
from .fts5 import Fts5Baseline
from .queries import KINDS, Query, make_queries


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def reciprocal_rank(ids: list[str], target: str) -> float:
    """1/rank of the target in the first ten ids, 0 when absent."""
    return 1.0 / (ids.index(target) + 1) if target in ids[:10] else 0.0


def rss_mb() -> float:
    """Resident memory of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_probe(index_dir: str, queries_file: str) -> None:
    """In a fresh process: open the six searchers, run the queries, print the memory they took."""
    queries = [Query(**item) for item in json.loads(Path(queries_file).read_text())]
    before = rss_mb()
    engine = WhooshSearchEngine(Path(index_dir), LANGUAGES)
    for query in queries:
        engine.search(SearchRequest(query.text, query.lang), None)
    print(json.dumps({"search_mb": rss_mb() - before}))


def changed_library(library: Library, page_id: str) -> Library:
    """The same library with one English page's text changed, as after an edit."""
    pages = {pid: dict(by_lang) for pid, by_lang in library._pages.items()}
    page = pages[page_id]["en"]
    pages[page_id]["en"] = dataclasses.replace(page, text=page.text + " Edited for the benchmark.")
    return Library(
        pages=pages,
        languages=library.languages,
        source_language=library.source_language,
        fallback_chain=library.fallback_chain,
        problems=library.problems,
        fingerprint="changed",
        assets_dir=library.assets_dir,
    )


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-kind", type=int, default=50, help="queries of each kind per language")
    parser.add_argument("--memory-probe", nargs=2, metavar=("INDEX_DIR", "QUERIES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        memory_probe(*args.memory_probe)
        return
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        root = Path(tmp)
        counts = unpack_as_content(root / "content")
        started = time.perf_counter()
        library = load_library(root / "content", LANGUAGES)
        print(f"corpus: tldr-pages, {sum(counts.values())} pages {counts}; loaded in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        build(library, root / "index", full=True)
        ours_build = time.perf_counter() - started
        fts = Fts5Baseline(root / "fts5.sqlite3")
        started = time.perf_counter()
        fts.build(library)
        fts_build = time.perf_counter() - started

        queries = make_queries(library, args.per_kind)
        engine = WhooshSearchEngine(root / "index", LANGUAGES)
        text_of = lambda lang, page_id: library.exact(lang, page_id).text  # noqa: E731
        for query in queries[:50]:  # warm both up
            engine.search(SearchRequest(query.text, query.lang), None)
            fts.search(query.lang, query.text)

        timings: dict[str, list[float]] = defaultdict(list)
        by_kind: dict[str, list[float]] = defaultdict(list)
        ranks: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        for query in queries:
            started = time.perf_counter()
            found = engine.search(SearchRequest(query.text, query.lang), None)
            timings["ours"].append(time.perf_counter() - started)
            by_kind[query.kind].append(timings["ours"][-1])
            started = time.perf_counter()
            engine.search(SearchRequest(query.text, query.lang), text_of)
            timings["ours+snippets"].append(time.perf_counter() - started)
            started = time.perf_counter()
            fts_ids, _ = fts.search(query.lang, query.text)
            timings["fts5"].append(time.perf_counter() - started)
            ours_ids = [hit.id for hit in found.hits]
            ranks[("ours", query.lang, query.kind)].append(reciprocal_rank(ours_ids, query.target))
            ranks[("fts5", query.lang, query.kind)].append(reciprocal_rank(fts_ids, query.target))

        queries_file = root / "queries.json"
        queries_file.write_text(json.dumps([dataclasses.asdict(query) for query in queries]))
        probe = subprocess.run(
            [sys.executable, "-m", "benchmarks.search", "--memory-probe", str(root / "index"), str(queries_file)],
            capture_output=True,
            text=True,
            check=True,
        )
        memory = json.loads(probe.stdout)["search_mb"]

        edited = changed_library(library, next(page.id for page in library.all_pages(["en"])))
        update = build(edited, root / "index")

    print(f"\n{len(queries)} queries: " + ", ".join(f"{kind} {sum(q.kind == kind for q in queries)}" for kind in KINDS))
    print("\nlatency (ms)        p50      p95      p99")
    fts_ms = {share: percentile(timings["fts5"], share) * 1000 for share in (0.5, 0.95, 0.99)}
    for name in ("fts5", "ours", "ours+snippets"):
        row = [percentile(timings[name], share) * 1000 for share in (0.5, 0.95, 0.99)]
        ratio = "" if name == "fts5" else "   ratio " + " / ".join(
            f"{value / fts_ms[share]:.1f}x" for value, share in zip(row, (0.5, 0.95, 0.99))
        )
        print(f"{name:<16}" + "".join(f"{value:9.2f}" for value in row) + ratio)

    print("ours, p95 by kind: " + ", ".join(f"{kind} {percentile(by_kind[kind], 0.95) * 1000:.2f} ms" for kind in KINDS))

    print("\nMRR@10 by language (ours / fts5)")
    print("lang " + "".join(f"{kind:>20}" for kind in KINDS))
    for lang in LANGUAGES:
        cells = []
        for kind in KINDS:
            ours, base = ranks.get(("ours", lang, kind)), ranks.get(("fts5", lang, kind))
            cells.append(f"{statistics.mean(ours):.3f} / {statistics.mean(base):.3f}" if ours else "-")
        print(f"{lang:<5}" + "".join(f"{cell:>20}" for cell in cells))

    print("\nbuild and memory")
    print(f"full build      ours {ours_build:6.2f} s   fts5 {fts_build:6.2f} s   ratio {ours_build / fts_build:.1f}x")
    print(f"one page edited ours {update.seconds:6.3f} s   ({update.seconds / ours_build:.1%} of the full build)")
    print(f"search memory per worker (six searchers, after the queries): {memory:.1f} MB")


if __name__ == "__main__":
    main()
