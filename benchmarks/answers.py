"""The answers to the search benchmark's queries, written down to compare two versions of the code.

``python -m benchmarks.answers --out answers.jsonl`` builds the tldr corpus's
index as ``make bench-search`` does (the same edited page, so the same
queries for a seed), then writes, for every query, the JSON answer of
``/api/v1/search`` and the results page ``/<lang>/search`` (without its
per-request nonce and form token), one JSON line per query.  Run it on two
branches and compare the files (``cmp``, ``diff``): a change that makes
search faster must leave them identical.

The benchmark's modules are imported by their package's name, so that this
file also runs as a script beside another tree's code, before that tree has
it: ``cd ../main && PYTHONPATH=. python ../wt-api/benchmarks/answers.py
--out main.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from benchmarks.corpus import unpack_as_content
from benchmarks.queries import make_queries
from benchmarks.search import api_client, index_command
from helpcenter.config import LANGUAGES
from helpcenter.content import load_library

#: What differs from one request to the next on a page: the script nonce and the form's token.
_PER_REQUEST = (re.compile(r'nonce="[^"]*"'), re.compile(r'name="csrf_token"[^>]*'))


def page_as_kept(html: str) -> str:
    """A results page without what each request makes anew."""
    for pattern in _PER_REQUEST:
        html = pattern.sub("", html)
    return html


def main(argv: list[str] | None = None) -> None:
    """Write the answers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="the file to write, one JSON line per query")
    parser.add_argument("--per-kind", type=int, default=50, help="queries of each kind per language")
    parser.add_argument("--seed", type=int, default=7, help="seed of the queries")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as tmp:
        root = Path(tmp)
        unpack_as_content(root / "content")
        index_command(root)
        library = load_library(root / "content", LANGUAGES, cache_dir=root / "cache")
        # The page the benchmark edits, edited alike: the queries are made from the edited text.
        edited = min((page for page in library.all_pages(["en"]) if page.kind.value == "article"), key=lambda p: p.id)
        with edited.path.open("a", encoding="utf-8") as file:
            file.write("\nEdited for the benchmark.\n")
        index_command(root)
        library = load_library(root / "content", LANGUAGES, cache_dir=root / "cache")
        client = api_client(root, library)
        with args.out.open("w", encoding="utf-8") as out:
            for query in make_queries(library, args.per_kind, seed=args.seed):
                params = {"q": query.text}
                answer = client.get("/api/v1/search", query_string={**params, "lang": query.lang})
                page = client.get(f"/{query.lang}/search", query_string=params)
                line = {
                    "lang": query.lang,
                    "q": query.text,
                    "api": [answer.status_code, answer.get_json()],
                    "page": [page.status_code, page_as_kept(page.get_data(as_text=True))],
                }
                out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        from helpcenter.library import search_tally

        search_tally(client.application).flush()  # while the database still exists
    print(f"answers written to {args.out}")


if __name__ == "__main__":
    main()
