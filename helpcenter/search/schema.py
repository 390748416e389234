"""The fields of a language's index, and how a page becomes a document."""

from __future__ import annotations

import hashlib
import re

from collections import defaultdict

from whoosh.analysis import unstopped
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.formats import Format

from helpcenter.content import Kind, Page
from helpcenter.content.render import html_text

from .analysis import SEGMENT_SEPARATOR, prefix_analyzer, sequence_value, text_analyzer, words

#: Bumped whenever the schema or the analysis changes: older indexes are rebuilt.
SCHEMA_VERSION = 12


class Weights(Format):
    """Postings that hold a term's weight in each document and nothing else.

    The weight adds up the boosts of the term's occurrences (the part of the
    page each is in).  No value is stored per posting, so a block of
    postings is read without decoding one.
    """

    posting_size = 0

    def word_values(self, value, analyzer, **kwargs):
        """Each term of ``value`` with its frequency and weight."""
        kwargs["boosts"] = True
        frequencies: dict[str, int] = defaultdict(int)
        weights: dict[str, float] = defaultdict(float)
        for token in unstopped(analyzer(value, **kwargs)):
            frequencies[token.text] += 1
            weights[token.text] += token.boost
        return ((text, frequency, weights[text] * self.field_boost, b"") for text, frequency in frequencies.items())

    def decode_frequency(self, value) -> int:
        """Not kept: one."""
        return 1

    def decode_weight(self, value) -> float:
        """Not kept in the value (it is in the posting): the field's boost."""
        return self.field_boost


class WeightedText(TEXT):
    """A text field whose postings hold weights only (see :class:`Weights`)."""

    def __init__(self, analyzer) -> None:
        super().__init__(analyzer=analyzer, phrase=False)
        self.format = Weights()


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
        # The words of the page as written, so that an update can take them out
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


def document_digest(page: Page) -> str:
    """What the index holds of a page, hashed: a page whose digest changed is re-indexed."""
    digest = hashlib.sha256()
    for part in (page.title, lead_text(page), page.text, page.section or "", page.product or ""):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def document(page: Page) -> dict:
    """The fields of a page's document."""
    parts = [page.title, lead_text(page), page.text]
    return {
        "id": page.id,
        "section": page.section or "",
        "product": page.product or "",
        "content": SEGMENT_SEPARATOR.join(parts),
        "sequence": sequence_value(page.lang, parts),
        "length": len(words(page.text)),
        "prefix": f"{page.title} {' '.join(page.headings)} {' '.join(page.tags)}",
        "words": " ".join(page_words(page)),
    }


def page_words(page: Page) -> list[str]:
    """The distinct words of a page, as written (lowercase)."""
    return sorted(set(words(f"{page.title} {page.summary} {page.text}")))
