"""The fields of a language's index, and how a page becomes a document."""

from __future__ import annotations

import hashlib

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from helpcenter.content import Kind, Page

from .analysis import SEGMENT_SEPARATOR, prefix_analyzer, text_analyzer, words

#: Bumped whenever the schema or the analysis changes: older indexes are rebuilt.
SCHEMA_VERSION = 6


def schema(lang: str) -> Schema:
    """The schema of the index of one language."""
    analyzer = text_analyzer(lang)
    return Schema(
        # Columns, read without unpickling stored fields when hits are listed.
        id=ID(stored=True, unique=True, sortable=True),
        section=ID(sortable=True),
        product=ID(sortable=True),
        # Title, lead and body in one field, each part with its weight.
        content=TEXT(analyzer=analyzer),
        # How many words the page's text has: ranking normalises by it.
        length=COLUMN(NumericColumn("I")),
        prefix=TEXT(analyzer=prefix_analyzer(lang), phrase=False),
        # The words of the page as written, so that an update can take them out
        # of the vocabulary of suggestions and typo tolerance.
        words=STORED,
    )


def searchable(page: Page) -> bool:
    """Only articles are search results; home, section and product pages are not."""
    return page.kind is Kind.ARTICLE


def lead_text(page: Page) -> str:
    """Headings, summary and tags: the words that say what an article is about."""
    return " ".join((page.summary, " ".join(page.headings), " ".join(page.tags)))


def document_digest(page: Page) -> str:
    """What the index holds of a page, hashed: a page whose digest changed is re-indexed."""
    digest = hashlib.sha256()
    for part in (page.title, lead_text(page), page.text, page.section or "", page.product or ""):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def document(page: Page) -> dict:
    """The fields of a page's document."""
    content = SEGMENT_SEPARATOR.join((page.title, lead_text(page), page.text))
    return {
        "id": page.id,
        "section": page.section or "",
        "product": page.product or "",
        "content": content,
        "length": len(words(page.text)),
        "prefix": f"{page.title} {' '.join(page.headings)} {' '.join(page.tags)}",
        "words": " ".join(page_words(page)),
    }


def page_words(page: Page) -> list[str]:
    """The distinct words of a page, as written (lowercase)."""
    return sorted(set(words(f"{page.title} {page.summary} {page.text}")))
