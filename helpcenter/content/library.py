"""The loaded content: lookups with fallback, listings and translation status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .assets import AssetCatalogue
from .model import HOME_ID, Kind, Page, Problem
from .sources import Sources

OK, MISSING, STALE, ORPHAN = "ok", "missing", "stale", "orphan"


@dataclass(frozen=True)
class Resolved:
    """A page as served in a requested language.

    ``fallback`` is true when the page does not exist in ``lang`` and is shown
    from ``page.lang``, the first language of the fallback chain that has it.
    """

    page: Page
    lang: str

    @property
    def fallback(self) -> bool:
        """Whether the page is shown in another language than the one asked for."""
        return self.page.lang != self.lang


class Library:
    """All pages of all languages, as loaded from one content tree.

    A library never changes once loaded, so its listings are worked out once
    per language and kept: serving a page never walks every page.
    """

    def __init__(
        self,
        *,
        pages: dict[str, dict[str, Page]],
        languages: tuple[str, ...],
        source_language: str,
        fallback_chain: tuple[str, ...],
        problems: list[Problem],
        fingerprint: str,
        assets_dir: Path,
        modified: dt.datetime | None = None,
        assets: AssetCatalogue | None = None,
        sources: Sources | None = None,
    ) -> None:
        self._pages = pages
        self.languages = languages
        self.source_language = source_language
        self.fallback_chain = fallback_chain
        self.problems = problems
        self.fingerprint = fingerprint
        self.assets_dir = assets_dir
        #: The served files of ``assets_dir``, as read at load.
        self.assets = assets if assets is not None else AssetCatalogue((), languages)
        #: When a file or folder of the tree last changed (second precision): the pages' Last-Modified.
        self.modified = modified or dt.datetime.now(dt.UTC).replace(microsecond=0)
        #: The files the pages were loaded from, with their stamps (None for pages not loaded from a folder).
        self.sources = sources
        self._places: dict[tuple[str, str | None], list[str]] = {}
        for page_id, by_lang in pages.items():
            sample = next(iter(by_lang.values()))
            if sample.kind is Kind.ARTICLE and sample.section:
                self._places.setdefault((sample.section, None), []).append(page_id)
                if sample.product is not None:
                    self._places.setdefault((sample.section, sample.product), []).append(page_id)
        self._listings: dict[tuple, object] = {}

    def _listing(self, key: tuple, work):
        """The listing called ``key``, worked out by ``work()`` the first time."""
        try:
            return self._listings[key]
        except KeyError:
            return self._listings.setdefault(key, work())

    def __len__(self) -> int:
        return sum(len(by_lang) for by_lang in self._pages.values())

    @property
    def page_ids(self) -> list[str]:
        """Every page id present in at least one language, sorted."""
        return sorted(self._pages)

    def exact(self, lang: str, page_id: str) -> Page | None:
        """Return the page in exactly ``lang``, or None."""
        return self._pages.get(page_id, {}).get(lang)

    def resolve(self, lang: str, page_id: str) -> Resolved | None:
        """Return the page for a reader of ``lang``, falling back along the chain."""
        by_lang = self._pages.get(page_id)
        if not by_lang:
            return None
        for candidate in (lang, *self.fallback_chain):
            if candidate in by_lang:
                return Resolved(by_lang[candidate], lang)
        return None

    def translations(self, page_id: str) -> list[str]:
        """Languages that have a real translation of the page, in site order."""
        by_lang = self._pages.get(page_id, {})
        return [lang for lang in self.languages if lang in by_lang]

    def status(self, page_id: str, lang: str) -> str:
        """Translation status of a page in ``lang``: ok, missing, stale or orphan.

        The source language is always ``ok`` where it exists.  A translation
        is stale when its ``source_revision`` is absent or differs from the
        source's current revision.
        """
        by_lang = self._pages.get(page_id, {})
        page = by_lang.get(lang)
        source = by_lang.get(self.source_language)
        if page is None:
            return MISSING
        if lang == self.source_language:
            return OK
        if source is None:
            return ORPHAN
        return OK if page.source_revision == source.revision else STALE

    def translation_matrix(self) -> dict[str, dict[str, str]]:
        """The status of every page in every language: page id to language to status."""
        return {page_id: {lang: self.status(page_id, lang) for lang in self.languages} for page_id in self.page_ids}

    def home(self, lang: str) -> Resolved | None:
        """The home-page texts for ``lang`` (``_index.md``), if any."""
        return self.resolve(lang, HOME_ID)

    def section(self, lang: str, section: str) -> Resolved | None:
        """The ``_index.md`` of a section, if any."""
        return self.resolve(lang, f"{section}/_index")

    def articles(self, lang: str, section: str, product: str | None = None) -> list[Resolved]:
        """Articles of a section (and product) readable in ``lang``, in order."""

        def work() -> list[Resolved]:
            found = [self.resolve(lang, page_id) for page_id in self._places.get((section, product), ())]
            return sorted((item for item in found if item is not None), key=lambda item: item.page.sort_key)

        return list(self._listing(("articles", lang, section, product), work))

    def products(self, lang: str) -> list[tuple[str, Resolved | None]]:
        """Products with tutorials, with their ``_index.md`` where there is one."""

        def work() -> list[tuple[str, Resolved | None]]:
            slugs = {
                page.product
                for by_lang in self._pages.values()
                for page in by_lang.values()
                if page.product and self.resolve(lang, page.id) is not None
            }
            products = [(slug, self.resolve(lang, f"tutorials/{slug}/_index")) for slug in slugs]
            return sorted(products, key=lambda item: item[1].page.sort_key if item[1] else (10**6, item[0]))

        return list(self._listing(("products", lang), work))

    def faq_topics(self, lang: str) -> list[tuple[str | None, list[Resolved]]]:
        """Questions grouped by topic; topics alphabetical, questions without one last."""
        groups: dict[str | None, list[Resolved]] = {}
        for item in self.articles(lang, "faq"):
            groups.setdefault(item.page.topic, []).append(item)
        return sorted(groups.items(), key=lambda group: (group[0] is None, (group[0] or "").casefold()))

    def neighbours(self, lang: str, page: Page) -> tuple[Resolved | None, Resolved | None]:
        """The previous and next article of the same section (and product)."""
        section, product = page.section or "", page.product

        def work() -> tuple[list[Resolved], dict[str, int]]:
            siblings = self.articles(lang, section, product)
            return siblings, {item.page.id: index for index, item in enumerate(siblings)}

        siblings, positions = self._listing(("neighbours", lang, section, product), work)
        index = positions.get(page.id)
        if index is None:
            return None, None
        previous = siblings[index - 1] if index > 0 else None
        following = siblings[index + 1] if index + 1 < len(siblings) else None
        return previous, following

    def recently_updated(self, lang: str, limit: int = 5) -> list[Resolved]:
        """Dated articles readable in ``lang``, most recently updated first."""

        def work() -> list[Resolved]:
            items = [
                resolved
                for page_id, by_lang in self._pages.items()
                if next(iter(by_lang.values())).kind is Kind.ARTICLE
                and (resolved := self.resolve(lang, page_id)) is not None
                and resolved.page.updated is not None
            ]
            items.sort(key=lambda item: (item.page.updated, item.page.title), reverse=True)
            return items[:limit]

        return list(self._listing(("recent", lang, limit), work))

    def all_pages(self, languages: Iterable[str] | None = None) -> list[Page]:
        """Every loaded page, optionally only of some languages."""
        wanted = set(languages) if languages is not None else None
        return [
            page
            for by_lang in self._pages.values()
            for page in by_lang.values()
            if wanted is None or page.lang in wanted
        ]
