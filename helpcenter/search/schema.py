"""The fields of a language's index, and how a page becomes a document."""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.formats import Format

from helpcenter.content import Kind, Page
from helpcenter.content.cache import rendering_version
from helpcenter.content.render import html_text

from .analysis import (
    SEGMENT_SEPARATOR,
    prefix_analyzer,
    read_page,
    sequence_value,
    text_analyzer,
    weighted_terms,
)

#: Bumped whenever the schema or the analysis changes: older indexes are rebuilt.
SCHEMA_VERSION = 16


class Weights(Format):
    """Postings that hold a term's weight in each document and nothing else.

    The weight adds up the boosts of the term's occurrences (the part of the
    page each is in).  No value is stored per posting, so a block of
    postings is read without decoding one.
    """

    posting_size = 0

    def word_values(self, value, analyzer, **kwargs):
        """Each term of ``value`` with its frequency and weight."""
        boost = self.field_boost
        terms = weighted_terms(analyzer, value)
        return ((text, frequency, weight * boost, b"") for text, (frequency, weight) in terms.items())

    def decode_frequency(self, value) -> int:
        """Not kept: one."""
        return 1

    def decode_weight(self, value) -> float:
        """Not kept in the value (it is in the posting): the field's boost."""
        return self.field_boost


class WeightedText(TEXT):
    """A text field whose postings hold weights only (see :class:`Weights`).

    Whoosh keeps no field lengths for it: ranking has its own length column.
    """

    def __init__(self, analyzer) -> None:
        super().__init__(analyzer=analyzer, phrase=False)
        self.format = Weights()
        self.scorable = False


def schema(lang: str) -> Schema:
    """The schema of the index of one language."""
    return Schema(
        # Columns, read without unpickling stored fields when hits are listed.
        id=ID(stored=True, unique=True, sortable=True),
        section=ID(sortable=True),
        product=ID(sortable=True),
        # Title, lead and body in one field, each part with its weight.
        content=WeightedText(text_analyzer(lang)),
        # The page's words in order, part by part: phrases and words typed together are found there.
        sequence=COLUMN(VarBytesColumn()),
        # How many words the page's text has: ranking normalises by it.
        length=COLUMN(NumericColumn("I")),
        prefix=WeightedText(prefix_analyzer(lang)),
        # The words of the page as written (title, lead and text), so that an update can take them out
        # of the vocabulary of suggestions and typo tolerance.
        words=STORED,
    )


def searchable(page: Page) -> bool:
    """Only articles are search results; home, section and product pages are not."""
    return page.kind is Kind.ARTICLE


def lead_text(page: Page) -> str:
    """Summary, headings and tags: the words that say what an article is about.

    A page without a ``summary`` says what it is about in its first
    paragraph, which stands for the summary.
    """
    return " ".join((page.summary or first_paragraph(page), " ".join(page.headings), " ".join(page.tags)))


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def first_paragraph(page: Page) -> str:
    """The text of the page's first paragraph (empty when it has none)."""
    found = _PARAGRAPH.search(page.html)
    return html_text(found.group(1)) if found else ""


class IndexedPage(NamedTuple):
    """What the index holds of a page: plain values, cheap to hand to another process."""

    lang: str
    id: str
    section: str
    product: str
    title: str
    lead: str
    text: str
    prefix: str
    summary: str


def page_digest(page: Page) -> str:
    """What the index holds of a page, hashed: a page whose digest changed is re-indexed.

    Made of what the index is made from (the revision of the Markdown body,
    the front matter it reads, the place) and of the version of the code that
    renders Markdown, not of the rendered text: working that out for every
    page made updating one page slow.
    """
    digest = hashlib.sha256()
    for part in (
        rendering_version(),
        page.revision,
        page.title,
        page.summary,
        "\x1f".join(page.tags),
        page.section or "",
        page.product or "",
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def indexed_page(page: Page) -> IndexedPage:
    """What the index holds of ``page``."""
    return IndexedPage(
        lang=page.lang,
        id=page.id,
        section=page.section or "",
        product=page.product or "",
        title=page.title,
        lead=lead_text(page),
        text=page.text,
        prefix=f"{page.title} {' '.join(page.headings)} {' '.join(page.tags)}",
        summary=page.summary,
    )


def document(page: IndexedPage) -> dict:
    """The fields of a page's document."""
    return read_document(page)[0]


def read_document(page: IndexedPage) -> tuple[dict, dict[str, tuple[int, float]]]:
    """The fields of a page's document, and the terms of its ``content`` (read in the same pass).

    The terms are what the field's analyser gives its text, frequency and weight.
    """
    parts = [page.title, page.lead, page.text]
    read = read_page(page.lang, parts)
    fields = {
        "id": page.id,
        "section": page.section,
        "product": page.product,
        "content": SEGMENT_SEPARATOR.join(parts),
        "sequence": sequence_value(read.sequence),
        "length": read.length,
        "prefix": page.prefix,
        # The page's words as written, for suggestions and typo tolerance.
        "words": " ".join(sorted(read.written)),
    }
    return fields, read.terms
