"""The content model: pages, table-of-contents entries and load problems.

Every page of the site that comes from Markdown is a :class:`Page`.  A page's
identity is its path below the language folder without ``.md``
(``guide/alerts``, ``tutorials/storm-map/_index``), so the same id in two
language folders is the same page in two languages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

#: The three sections of the help centre, in the order the site shows them.
SECTIONS = ("faq", "guide", "tutorials")

HOME_ID = "_index"


class Kind(StrEnum):
    """What a page is in the site's layout."""

    HOME = "home"
    SECTION = "section"
    PRODUCT = "product"
    ARTICLE = "article"


@dataclass(frozen=True)
class TocEntry:
    """One heading of an article: its level (2 or 3), anchor and text."""

    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Page:
    """One Markdown file of one language, parsed and rendered once at load."""

    id: str
    lang: str
    kind: Kind
    section: str | None
    product: str | None
    slug: str | None
    title: str
    summary: str
    html: str
    text: str
    revision: str
    path: Path
    order: int | None = None
    tags: tuple[str, ...] = ()
    topic: str | None = None
    updated: dt.date | None = None
    source_revision: str | None = None
    toc: tuple[TocEntry, ...] = ()
    links: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    headings: tuple[str, ...] = field(default=(), repr=False)

    @property
    def sort_key(self) -> tuple[int, str]:
        """Order within a list: explicit ``order`` first, then title."""
        return (self.order if self.order is not None else 10**6, self.title.casefold())


@dataclass(frozen=True)
class Problem:
    """Something wrong with a content file, for editors and the logs.

    ``severity`` is ``"error"`` when the file (or part of it) could not be
    used, ``"warning"`` when the site works but an editor should look.
    """

    path: str
    message: str
    severity: str = "error"
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"
