"""The baseline: SQLite FTS5 (bm25, ``unicode61 remove_diacritics 2``) over the same pages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from helpcenter.content import Library
from helpcenter.search.query import clean, parse
from helpcenter.search.schema import searchable


class Fts5Baseline:
    """One FTS5 table per language: title and body, title weighted like ours."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path)

    def build(self, library: Library) -> None:
        """Create and fill the tables."""
        connection = self.connection
        for lang in library.languages:
            connection.execute(
                f"CREATE VIRTUAL TABLE pages_{lang} USING fts5("
                "id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
            )
            connection.executemany(
                f"INSERT INTO pages_{lang} (id, title, body) VALUES (?, ?, ?)",
                [(page.id, page.title, page.text) for page in library.all_pages([lang]) if searchable(page)],
            )
        connection.commit()

    def search(self, lang: str, text: str, *, snippets: bool = False) -> tuple[list[str], int]:
        """Top 10 ids and the total for the words (all of them, else any) and phrases.

        With ``snippets``, each of the ten also gets its snippet (the passage
        of its body with the most matches, matches marked), as a results page
        shows them.
        """
        parsed = parse(clean(text))
        terms = ['"' + word.replace('"', "") + '"' for word in parsed.words]
        terms += ['"' + " ".join(phrase).replace('"', "") + '"' for phrase in parsed.phrases]
        if not terms:
            return [], 0
        for joiner in (" ", " OR "):
            expression = joiner.join(terms)
            shown = f", snippet(pages_{lang}, 2, '<mark>', '</mark>', ' … ', 32)" if snippets else ""
            ids = [
                row[0]
                for row in self.connection.execute(
                    f"SELECT id{shown} FROM pages_{lang} WHERE pages_{lang} MATCH ? "
                    f"ORDER BY bm25(pages_{lang}, 0.0, 4.0, 1.0) LIMIT 10",
                    (expression,),
                )
            ]
            if ids:
                (total,) = self.connection.execute(
                    f"SELECT count(*) FROM pages_{lang} WHERE pages_{lang} MATCH ?", (expression,)
                ).fetchone()
                return ids, total
            if len(terms) == 1:
                break
        return [], 0
