"""Ranking one language's documents for a query, read straight from the postings.

Whoosh's query objects look a term up several times per search (whether it
exists, its statistics, its postings, the size of its clause) and build a
tree of matchers; for the few rare words of a help-centre query that
bookkeeping costs more than the postings themselves.  Here each term is
looked up once per search, its postings are read whole, a block at a time,
the documents that have every word are found with set operations, and only
those are scored, with BM25 over the document's length in words.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh.reading import TermNotFound

#: BM25's term frequency saturation and length normalisation.
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Clause:
    """What one typed word or quoted phrase matches.

    A document matches a word's clause when it has any of ``terms`` (a
    field, a term and its weight), and a ``phrase`` clause when it has all
    of them at consecutive positions, in order.  It matches the clause
    *as typed* when it has one of the ``exact`` terms (a phrase: always).
    """

    terms: tuple[tuple[str, str, float], ...]
    phrase: bool = False
    exact: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Term:
    """A term some document has: how many documents do, and where its postings are."""

    fieldname: str
    text: str
    frequency: int
    #: Per segment holding the term: the segment's number in the view and the term's entry.
    entries: tuple[tuple[int, object], ...]


@dataclass
class Postings:
    """The documents that have a term (numbers across segments), with its weight in each."""

    weights: dict[int, float]
    positions: dict[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    """How many documents match, and the best ones with their scores, best first."""

    total: int
    hits: list[tuple[int, float]]


class IndexView:
    """The postings and document lengths of one language's searcher, for one thread.

    Term lookups are remembered until :meth:`forget`: the typo check and the
    ranking of a search share them.  ``lengths`` gives each document's
    length in words.
    """

    def __init__(self, searcher, lengths: list[int]) -> None:
        self.searcher = searcher
        self.lengths = lengths
        self.average_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        self.document_count = searcher.doc_count_all()
        self._leaves = []
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
            self._leaves.append((reader, offset, deleted))
        self._terms: dict[tuple[str, str], Term | None] = {}

    def forget(self) -> None:
        """Drop the remembered terms (after each search, to bound memory)."""
        self._terms.clear()

    def term(self, fieldname: str, text: str) -> Term | None:
        """A term's entry, or None when no document has it."""
        key = (fieldname, text)
        if key not in self._terms:
            entries = []
            for number, (reader, _, _) in enumerate(self._leaves):
                try:
                    entries.append((number, reader.term_info(fieldname, text)))
                except TermNotFound:
                    continue
            frequency = sum(entry.doc_frequency() for _, entry in entries)
            self._terms[key] = Term(fieldname, text, frequency, tuple(entries)) if entries else None
        return self._terms[key]

    def postings(self, term: Term, *, within: set[int] | None = None, positions: bool = False) -> Postings:
        """The postings of a term, only of the documents ``within`` when given."""
        weights: dict[int, float] = {}
        values: dict[int, bytes] = {}
        for number, entry in term.entries:
            reader, offset, deleted = self._leaves[number]
            wanted = None
            if within is not None:
                end = offset + reader.doc_count_all()
                wanted = sorted(docnum - offset for docnum in within if offset <= docnum < end)
                if not wanted:
                    continue
            ids, leaf_weights, leaf_values = _leaf_postings(reader, term.fieldname, entry, positions, wanted)
            for index, docnum in enumerate(ids):
                if docnum in deleted:
                    continue
                weights[offset + docnum] = leaf_weights[index]
                if positions:
                    values[offset + docnum] = leaf_values[index]
        return Postings(weights, values)

    def decode_positions(self, fieldname: str, value: bytes) -> list[int]:
        """The positions held in a posting's value."""
        return self.searcher.schema[fieldname].format.decode_positions(value)


def _leaf_postings(reader, fieldname: str, entry, positions: bool, wanted: list[int] | None):
    """Ids, weights and (when asked) values of a term in one segment, of the ``wanted`` ids if given.

    Postings of one document are kept in the term's entry; others are read a
    block at a time (Whoosh's matcher steps through them one by one), and
    blocks that cannot hold a wanted id are skipped without being decoded.
    """
    if entry.is_inlined():
        ids, weights, values = entry.inlined_postings()
        ids, weights, values = list(ids), list(weights), list(values) if positions else []
    else:
        terms = reader._terms
        matcher = terms._codec.postings_reader(terms._postfile, entry, reader.schema[fieldname].format)
        ids, weights, values = [], [], []
        next_wanted = 0
        while not matcher._atend:
            if wanted is not None:
                # The first wanted id not before this block; skip the block if it ends before it.
                if next_wanted == len(wanted):
                    break
                if wanted[next_wanted] > matcher._maxid:
                    matcher._next_block()
                    continue
                next_wanted = bisect.bisect_right(wanted, matcher._maxid, next_wanted)
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            if positions:
                matcher._read_values()
                values.extend(matcher._values)
            matcher._next_block()
    if wanted is None:
        return ids, weights, values
    keep = set(wanted)
    kept = [index for index, docnum in enumerate(ids) if docnum in keep]
    return (
        [ids[index] for index in kept],
        [weights[index] for index in kept],
        [values[index] for index in kept] if positions else [],
    )


def idf(document_count: int, frequency: int) -> float:
    """How rare a term is: Whoosh's BM25F inverse document frequency."""
    return math.log(document_count / (frequency + 1)) + 1


def rank(
    view: IndexView,
    clauses: list[Clause],
    *,
    match_all: bool,
    limit: int,
    accept: Callable[[int], bool] | None = None,
) -> Ranked:
    """The documents matching all (or any) clauses, the best ``limit`` of them scored.

    Documents that match more clauses as typed come first (a page with every
    word as written before one that needs an inflection of some); then
    scores decide: a document's score adds up, over the terms it has, the
    term's weight times its BM25 score.  ``accept`` keeps only the documents
    a filter allows.
    """
    terms = [
        [(term, weight) for fieldname, text, weight in clause.terms if (term := view.term(fieldname, text))]
        for clause in clauses
    ]
    found: list[list[tuple[Term, float, Postings]]] = [[] for _ in clauses]
    matched: list[set[int]] = [set() for _ in clauses]
    candidates: set[int] | None = None
    if match_all:
        # The rarest clause first: each next one is read only where the ones before matched.
        for index in sorted(range(len(clauses)), key=lambda index: sum(term.frequency for term, _ in terms[index])):
            found[index], matched[index] = _clause_postings(view, clauses[index], terms[index], candidates)
            candidates = matched[index]
            if not candidates:
                return Ranked(0, [])
    else:
        for index, clause in enumerate(clauses):
            found[index], matched[index] = _clause_postings(view, clause, terms[index], None)
        candidates = set().union(*matched)
    if accept is not None:
        candidates = {docnum for docnum in candidates if accept(docnum)}
    if not candidates:
        return Ranked(0, [])

    lengths, average, saturation = view.lengths, view.average_length, K1 + 1
    scores = dict.fromkeys(candidates, 0.0)
    as_typed = dict.fromkeys(candidates, 0)
    norms = {docnum: K1 * (1 - B + B * lengths[docnum] / average) for docnum in candidates}
    for clause, clause_found, documents in zip(clauses, found, matched):
        # A phrase counts only where its words follow each other.
        scoring = candidates & documents if clause.phrase else candidates
        typed = scoring if clause.phrase else set()
        for term, weight, postings in clause_found:
            term_weight = weight * idf(view.document_count, term.frequency) * saturation
            frequencies = postings.weights
            if len(frequencies) < len(scoring):
                pairs = ((docnum, frequency) for docnum, frequency in frequencies.items() if docnum in scoring)
            else:
                pairs = ((docnum, frequencies[docnum]) for docnum in scoring if docnum in frequencies)
            exact = not clause.phrase and term.text in clause.exact
            for docnum, frequency in pairs:
                scores[docnum] += term_weight * frequency / (frequency + norms[docnum])
                if exact:
                    typed.add(docnum)
        for docnum in typed:
            as_typed[docnum] += 1
    best = heapq.nsmallest(limit, candidates, key=lambda docnum: (-as_typed[docnum], -scores[docnum], docnum))
    return Ranked(len(candidates), [(docnum, scores[docnum]) for docnum in best])


def _clause_postings(
    view: IndexView, clause: Clause, terms: list[tuple[Term, float]], within: set[int] | None
) -> tuple[list[tuple[Term, float, Postings]], set[int]]:
    """The postings of a clause's terms, and the documents that match the clause."""
    if clause.phrase and len(terms) < len(clause.terms):
        return [], set()  # a word of the phrase is in no document
    if clause.phrase:
        # The rarest word first: the others are read only where it is.
        read: dict[int, Postings] = {}
        documents = within
        for index in sorted(range(len(terms)), key=lambda index: terms[index][0].frequency):
            read[index] = view.postings(terms[index][0], within=documents, positions=True)
            documents = set(read[index].weights) if documents is None else documents & read[index].weights.keys()
            if not documents:
                return [], set()
        found = [(term, weight, read[index]) for index, (term, weight) in enumerate(terms)]
        return found, _with_sequence(view, [postings for _, _, postings in found], documents)
    found = [(term, weight, view.postings(term, within=within)) for term, weight in terms]
    documents: set[int] = set()
    for _, _, postings in found:
        documents.update(postings.weights)
    return found, documents


def _with_sequence(view: IndexView, lists: list[Postings], documents: set[int]) -> set[int]:
    """The documents where the terms of the postings ``lists`` follow each other, in order."""
    kept = set()
    for docnum in documents:
        starts = set(view.decode_positions("content", lists[0].positions[docnum]))
        for offset, postings in enumerate(lists[1:], start=1):
            following = view.decode_positions("content", postings.positions[docnum])
            starts &= {position - offset for position in following}
            if not starts:
                break
        if starts:
            kept.add(docnum)
    return kept
