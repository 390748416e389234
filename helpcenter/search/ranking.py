"""Ranking one language's documents for a query, read straight from the postings.

Whoosh's query objects look a term up several times per search (whether it
exists, its statistics, its postings, the size of its clause) and build a
tree of matchers; for the few words of a help-centre query that bookkeeping
costs more than the postings themselves.  Here each term is looked up once
per search, its postings are read whole, a block at a time, the documents
that have every word are found with set operations, and only those are
scored, with BM25 over the document's length in words.

Postings hold no positions (reading them made every block of a common word
expensive); where the order of words matters (a quoted phrase, words typed
next to each other, the stop words of a line), the few documents concerned
are read closely from their word sequence (see
:func:`helpcenter.search.analysis.sequence_words`).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from whoosh.reading import TermNotFound

from .analysis import EXACT, SEGMENT_BOOSTS, SEQUENCE_PART, stem_function

#: BM25's term frequency saturation and length normalisation.
K1 = 1.2
B = 0.75

#: How many looked-up terms a view remembers for the next searches, at most.
REMEMBERED_TERMS = 20_000
#: A term in this many documents or more is widespread: its postings are kept once read ...
WIDESPREAD = 256
#: ... up to this many postings per view (about 9 MB).
KEPT_POSTINGS = 100_000
#: How many of the best documents are ordered again by the order of the words typed.
CLOSE_READING = 30
#: The weight of a phrase's occurrences: as a word found as typed (its stem and its exact term).
PHRASE_WEIGHT = 3.0
#: The weight of two words typed next to each other that a document has next to each other:
#: as a word found as typed.
NEIGHBOURS_WEIGHT = 3.0
#: What a pair of neighbours weighs as a term of its own, beside the run it is part of: words
#: picked from a summary are often neighbours on another page by chance; a run of them is not.
PAIR_SHARE = 0.5
#: What two neighbours weigh when one of them is an inflection of the word typed ("control list"
#: for "control lists"), beside the words as typed: as for single words, the form typed says more.
INFLECTED_SHARE = 0.5
#: What a page's lead weighs when it has every word typed: as the words' exact forms once more,
#: against the length of that lead (see :func:`closeness`).
LEAD_WEIGHT = 2.0
#: Two words count as neighbours up to this many places apart (one word left out, or added).
NEIGHBOURS_DISTANCE = 2
#: What an occurrence of typed words in a row weighs in each part of a page (title, lead, body).
PART_WEIGHTS = SEGMENT_BOOSTS


@dataclass(frozen=True)
class Clause:
    """What one typed word or quoted phrase matches.

    A document matches a word's clause when it has any of ``terms`` (a
    field, a term and its weight), and a phrase's clause when it has all of
    its ``terms`` and the ``phrase`` (its words, stop words included) in a
    row.  It matches the clause *as typed* when it has one of the ``exact``
    terms (a phrase: always).  ``words`` are the forms of a word as typed
    (accents folded), found in a document's word sequence.  A clause that is
    not ``required`` (a stop word) never decides whether a document matches;
    it only adds to the score of the best ones.  ``place`` is the rank of a
    loose word among the words typed (None for a phrase).
    """

    terms: tuple[tuple[str, str, float], ...]
    phrase: tuple[str, ...] = ()
    exact: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    required: bool = True
    place: int | None = None


@dataclass(frozen=True)
class Term:
    """A term some document has: how many documents do, and where its postings are."""

    fieldname: str
    text: str
    frequency: int
    #: Per segment holding the term: the segment's number in the view and the term's entry.
    entries: tuple[tuple[int, object], ...]


@dataclass(frozen=True)
class Ranked:
    """How many documents match, and the best ones with their scores, best first."""

    total: int
    hits: list[tuple[int, float]]


class IndexView:
    """The postings, document lengths and word sequences of one language's searcher, for one thread.

    Term lookups are remembered (see :meth:`forget`): the typo check and the
    ranking of a search share them, and so do the next searches.  ``lengths`` gives each document's
    length in words; ``frequencies`` how many documents use a word (accents
    folded), for stop words, which are not terms of the index.
    """

    def __init__(self, searcher, lang: str, lengths: list[int], frequencies: Mapping[str, int]) -> None:
        self.searcher = searcher
        self.lang = lang
        self.lengths = lengths
        self.frequencies = frequencies
        self.average_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        self.document_count = searcher.doc_count_all()
        self._leaves = []
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
            self._leaves.append((reader, offset, deleted))
        reader = searcher.reader()
        self._sequences = reader.column_reader("sequence") if self.document_count else None
        self._terms: dict[tuple[str, str], Term | None] = {}
        self._kept: dict[tuple[str, str], dict[int, float]] = {}
        self._kept_size = 0

    def forget(self) -> None:
        """Drop the remembered terms once there are many (after a search: memory stays bounded).

        Until then they serve the next searches too: the index never changes
        under a view (a new generation gets new views).
        """
        if len(self._terms) > REMEMBERED_TERMS:
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

    def postings(self, term: Term, *, within: set[int] | None = None) -> dict[int, float]:
        """A term's weight in each document that has it (only those ``within`` when given).

        The postings of widespread terms, the costly ones to read, are kept for
        the next searches, up to :data:`KEPT_POSTINGS` in all (the returned
        mapping is not to be changed).
        """
        if term.frequency < WIDESPREAD:
            return self._read_postings(term, within)
        key = (term.fieldname, term.text)
        kept = self._kept.get(key)
        if kept is None:
            kept = self._read_postings(term, None)
            if self._kept_size + len(kept) > KEPT_POSTINGS:
                self._kept.clear()
                self._kept_size = 0
            self._kept[key] = kept
            self._kept_size += len(kept)
        if within is None:
            return kept
        if len(within) < len(kept):
            return {docnum: kept[docnum] for docnum in within if docnum in kept}
        return {docnum: weight for docnum, weight in kept.items() if docnum in within}

    def _read_postings(self, term: Term, within: set[int] | None) -> dict[int, float]:
        weights: dict[int, float] = {}
        for number, entry in term.entries:
            reader, offset, deleted = self._leaves[number]
            wanted = None
            if within is not None:
                end = offset + reader.doc_count_all()
                wanted = sorted(docnum - offset for docnum in within if offset <= docnum < end)
                if not wanted:
                    continue
            ids, leaf_weights = leaf_postings(reader, term.fieldname, entry, wanted)
            for docnum, weight in zip(ids, leaf_weights, strict=True):
                if docnum not in deleted:
                    weights[offset + docnum] = weight
        return weights

    def sequence_parts(self, docnum: int) -> list[str]:
        """The words of a document in order (accents folded, stop words included), part by part.

        Each part is its words joined by single spaces.
        """
        value = self._sequences[docnum] if self._sequences is not None else b""
        return value.decode("utf-8").split(SEQUENCE_PART)

    def idf(self, clause: Clause) -> float:
        """How rare a clause's word is (the most widespread of its terms; of a stop word, its forms)."""
        frequency = 0
        for fieldname, text, _ in clause.terms:
            term = self.term(fieldname, text)
            if term is not None:
                frequency = max(frequency, term.frequency)
        if not clause.required:
            frequency = max((self.frequencies.get(word, 0) for word in clause.words), default=0)
        return idf(self.document_count, frequency)


def leaf_postings(reader, fieldname: str, entry, wanted: list[int] | None) -> tuple[list[int], list[float]]:
    """Ids and weights of a term in one segment, of the ``wanted`` ids if given.

    Postings of one document are kept in the term's entry; others are read a
    block at a time (Whoosh's matcher steps through them one by one), and
    blocks that cannot hold a wanted id are skipped without being decoded.
    This is the one place that reads Whoosh 2.7's private postings structures
    (``tests/test_search_internals.py`` fails when they change).
    """
    if entry.is_inlined():
        ids, weights, _ = entry.inlined_postings()
        ids, weights = list(ids), list(weights)
    else:
        terms = reader._terms
        matcher = terms._codec.postings_reader(terms._postfile, entry, reader.schema[fieldname].format)
        ids, weights = [], []
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
            matcher._read_data()
            block_ids, block_weights = matcher._data[0], matcher._data[1]
            # Ids are kept as the differences between neighbours; weights all alike as one value.
            ids.extend(itertools.accumulate(block_ids))
            if block_weights is None or isinstance(block_weights, float):
                weights.extend(itertools.repeat(block_weights or 1.0, len(block_ids)))
            else:
                weights.extend(block_weights)
            matcher._next_block()
    if wanted is None:
        return ids, weights
    keep = set(wanted)
    kept = [index for index, docnum in enumerate(ids) if docnum in keep]
    return [ids[index] for index in kept], [weights[index] for index in kept]


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
    """The documents matching all (or any) required clauses, the best ``limit`` of them scored.

    Documents that match more clauses come first (when not all need to
    match), then those that match more clauses as typed (a page with every
    word as written before one that needs an inflection of some); then
    scores decide: a document's score adds up, over the terms it has, the
    term's weight times its BM25 score.  The best :data:`CLOSE_READING`
    documents are then ordered again with what their word sequence adds
    (see :func:`closeness`).  ``accept`` keeps only the documents a filter
    allows.
    """
    required = [clause for clause in clauses if clause.required]
    terms = [
        [(term, weight) for fieldname, text, weight in clause.terms if (term := view.term(fieldname, text))]
        for clause in required
    ]
    found: list[list[tuple[Term, float, dict[int, float]]]] = [[] for _ in required]
    matched: list[Mapping[int, float] | set[int]] = [set() for _ in required]
    candidates: set[int] | None = None
    if match_all:
        # The rarest clause first: each next one is read only where the ones before matched.
        for index in sorted(range(len(required)), key=lambda index: sum(term.frequency for term, _ in terms[index])):
            found[index], matched[index] = _clause_postings(view, required[index], terms[index], candidates)
            candidates = set(matched[index])
            if not candidates:
                return Ranked(0, [])
    else:
        for index, clause in enumerate(required):
            found[index], matched[index] = _clause_postings(view, clause, terms[index], None)
        candidates = set().union(*matched)
    if accept is not None:
        candidates = {docnum for docnum in candidates if accept(docnum)}
    if not candidates:
        return Ranked(0, [])

    lengths, average, saturation = view.lengths, view.average_length, K1 + 1
    scores = dict.fromkeys(candidates, 0.0)
    as_typed = dict.fromkeys(candidates, 0)
    coverage = dict.fromkeys(candidates, 0)
    norms = {docnum: K1 * (1 - B + B * lengths[docnum] / average) for docnum in candidates}
    for clause, clause_found, documents in zip(required, found, matched, strict=True):
        if clause.phrase:
            # A phrase is scored as one term: how often its words follow each other.
            term_weight = PHRASE_WEIGHT * view.idf(clause) * saturation
            for docnum in candidates & documents.keys():
                occurrences = documents[docnum]
                scores[docnum] += term_weight * occurrences / (occurrences + norms[docnum])
                as_typed[docnum] += 1
                coverage[docnum] += 1
            continue
        typed, present = set(), set()
        for term, weight, postings in clause_found:
            term_weight = weight * idf(view.document_count, term.frequency) * saturation
            if len(postings) < len(candidates):
                pairs = [(docnum, frequency) for docnum, frequency in postings.items() if docnum in candidates]
            else:
                pairs = [(docnum, postings[docnum]) for docnum in candidates if docnum in postings]
            for docnum, frequency in pairs:
                scores[docnum] += term_weight * frequency / (frequency + norms[docnum])
            present.update(docnum for docnum, _ in pairs)
            if term.text in clause.exact:
                typed.update(docnum for docnum, _ in pairs)
        for docnum in typed:
            as_typed[docnum] += 1
        for docnum in present:
            coverage[docnum] += 1

    def order(docnum: int, bonus: float = 0.0) -> tuple:
        return (-coverage[docnum], -as_typed[docnum], -(scores[docnum] + bonus), docnum)

    best = heapq.nsmallest(max(limit, CLOSE_READING), candidates, key=order)
    # The same documents are read closely whatever page is asked for, so that pages never overlap.
    head, tail = best[:CLOSE_READING], best[CLOSE_READING:limit]
    bonus = closeness(view, clauses, head, norms)
    head.sort(key=lambda docnum: order(docnum, bonus.get(docnum, 0.0)))
    hits = [(docnum, scores[docnum] + bonus.get(docnum, 0.0)) for docnum in (head + tail)[:limit]]
    return Ranked(len(candidates), hits)


def closeness(
    view: IndexView, clauses: list[Clause], documents: list[int], norms: dict[int, float]
) -> dict[int, float]:
    """What the word sequence of each of ``documents`` adds to its score.

    Readers type lines they remember ("show the help for this subcommand").
    Two words typed next to each other that a document has next to each
    other (or one word apart, in the same order) count as a term of their
    own, as rare as the rarer of the two, scored like the others (BM25, each
    occurrence weighing as much as the part of the page it is in), at
    :data:`PAIR_SHARE` of that weight.  And the
    longest run of typed words that a document has in a row, that way, adds
    the weight of each of its links times the link's place in the run (the
    second link twice, the third three times): the page that has the line
    ranks above pages that have its pieces in several places, and a run of
    several words says more than a pair met by chance (words picked from a
    page's summary often stand next to each other on another page).  Stop
    words count here as links of a run.  A link where a word is only an
    inflection of the one typed weighs :data:`INFLECTED_SHARE` of a link
    between the words as typed.

    And a page whose lead (the part after its title: summary, headings, tags)
    has every word typed, in any order, counts each of them once more, at
    :data:`LEAD_WEIGHT`, over the length of that lead against the average lead
    of ``documents`` (BM25 with b = 1): readers type words they remember from
    a summary, and of two pages whose summaries have them all, the page is
    more surely about them where they are most of its summary ("scheduled
    jobs batch": atq's "Show jobs scheduled by at or batch" before atrm's
    "Remove jobs scheduled by at or batch", which goes on to say how to find
    the numbers of the jobs).
    """
    loose = sorted((clause for clause in clauses if clause.place is not None), key=lambda clause: clause.place)
    if not documents or len(loose) < 2:
        return {}
    stems = [
        frozenset(text for _, text, _ in clause.terms if not text.startswith(EXACT)) if clause.required else frozenset()
        for clause in loose
    ]
    # The words typed, as the sequences have them, and the starts of their stems: a word of a
    # page that starts like a stem is analysed to see whether it has it (once per search).
    typed: dict[str, tuple[int, ...]] = {}
    for index, clause in enumerate(loose):
        for word in clause.words:
            typed[word] = (*typed.get(word, ()), index)
    starts = {stem[: max(len(stem) - 1, min(len(stem), 2))] for group in stems for stem in group}
    stem = stem_function(view.lang)
    inflected: dict[str, tuple[int, ...]] = {}

    def clauses_of(word: str) -> tuple[int, ...]:
        # The sequence has words folded; a clause has the stems of its words folded among its terms.
        found = inflected.get(word)
        if found is None:
            stemmed = stem(word)
            found = inflected[word] = tuple(
                index for index in range(len(loose)) if word in loose[index].words or stemmed in stems[index]
            )
        return found

    saturation = K1 + 1
    rarity = [view.idf(clause) for clause in loose]
    # The link from each typed word to the next: its weight, and whether it counts as a pair of its own.
    links = [
        (NEIGHBOURS_WEIGHT * max(rarity[index], rarity[index + 1]) * saturation, first.required or second.required)
        for index, (first, second) in enumerate(zip(loose, loose[1:], strict=False))
    ]
    steps = range(1, NEIGHBOURS_DISTANCE + 1)
    every_word = {index for index, clause in enumerate(loose) if clause.required}
    bonus: dict[int, float] = {}
    # The length of each lead, and the pages whose lead has every word typed.
    leads: dict[int, int] = {}
    in_lead: list[int] = []
    for docnum in documents:
        together = [0.0] * len(links)
        longest = 0.0
        for part, text in enumerate(view.sequence_parts(docnum)):
            weight = PART_WEIGHTS[min(part, len(PART_WEIGHTS) - 1)]
            marks, exact = _marks(f" {text} ", typed, starts, clauses_of)
            if part == 1 and text:
                leads[docnum] = text.count(" ") + 1
                if every_word and every_word.issubset(itertools.chain.from_iterable(marks.values())):
                    in_lead.append(docnum)
            # runs[position][index]: the weight and the number of links of the run of typed words
            # ending there with that word.
            runs: dict[int, dict[int, tuple[float, int]]] = {}
            for position in sorted(marks):
                ending: dict[int, tuple[float, int]] = {}
                for index in marks[position]:
                    best, count = 0.0, 0
                    if index:
                        for step in steps:
                            if index - 1 in marks.get(position - step, ()):
                                as_typed = position in exact and position - step in exact
                                share = 1.0 if as_typed else INFLECTED_SHARE
                                together[index - 1] += weight * share
                                before, count = runs[position - step].get(index - 1, (0.0, 0))
                                count += 1
                                # The longer the run, the surer it is the line typed, not a chance pair.
                                best = before + links[index - 1][0] * count * share
                                break
                    ending[index] = (best, count)
                    longest = max(longest, best)
                runs[position] = ending
        norm = norms[docnum]
        total = longest / (1 + norm) + PAIR_SHARE * sum(
            weight * count / (count + norm)
            for (weight, counted), count in zip(links, together, strict=True)
            if counted and count
        )
        if total:
            bonus[docnum] = total
    if in_lead:
        average = sum(leads.values()) / len(leads)
        weight = LEAD_WEIGHT * saturation * sum(rarity[index] for index in every_word)
        for docnum in in_lead:
            bonus[docnum] = bonus.get(docnum, 0.0) + weight / (1 + K1 * leads[docnum] / average)
    return bonus


def _marks(
    padded: str, typed: dict[str, tuple[int, ...]], starts: set[str], clauses_of: Callable[[str], tuple[int, ...]]
) -> tuple[dict[int, tuple[int, ...]], set[int]]:
    """Where in a part of a page (its words between spaces) each typed word is: place, clauses;
    and the places where a word is as typed (not an inflection).

    Found by searching the text for the words and the stems' starts, not by
    reading it word by word.
    """
    marks: dict[int, tuple[int, ...]] = {}
    for word, indexes in typed.items():
        wanted = f" {word} "
        found = padded.find(wanted)
        while found != -1:
            marks[padded.count(" ", 0, found)] = indexes
            found = padded.find(wanted, found + len(word) + 1)
    exact = set(marks)
    for start in starts:
        wanted = f" {start}"
        found = padded.find(wanted)
        while found != -1:
            end = padded.index(" ", found + 1)
            position = padded.count(" ", 0, found)
            if position not in marks:
                indexes = clauses_of(padded[found + 1 : end])
                if indexes:
                    marks[position] = indexes
            found = padded.find(wanted, end)
    return marks, exact


def _clause_postings(
    view: IndexView, clause: Clause, terms: list[tuple[Term, float]], within: set[int] | None
) -> tuple[list[tuple[Term, float, dict[int, float]]], Mapping[int, float] | set[int]]:
    """The postings of a clause's terms, and the documents that match the clause.

    For a phrase, the documents come with how often (weighted by the parts
    of the page) its words follow each other there.
    """
    if clause.phrase:
        if len(terms) < len(clause.terms):
            return [], {}  # a word of the phrase is in no document
        # The documents with every word of the phrase, the rarest read first; then their sequences.
        documents = within
        found = []
        for term, weight in sorted(terms, key=lambda pair: pair[0].frequency):
            postings = view.postings(term, within=documents)
            found.append((term, weight, postings))
            documents = set(postings) if documents is None else documents & postings.keys()
            if not documents:
                return [], {}
        return found, _sequences(view, clause.phrase, documents)
    found = [(term, weight, view.postings(term, within=within)) for term, weight in terms]
    documents: set[int] = set()
    for _, _, postings in found:
        documents.update(postings)
    return found, documents


def _sequences(view: IndexView, phrase: tuple[str, ...], documents: set[int]) -> dict[int, float]:
    """How often the words of ``phrase`` follow each other in each document that has them.

    Each occurrence weighs as much as the part of the page it is in.
    """
    wanted = f" {' '.join(phrase)} "
    kept = {}
    for docnum in documents:
        occurrences = 0.0
        for part, text in enumerate(view.sequence_parts(docnum)):
            count = f" {text} ".count(wanted)
            if count:
                occurrences += count * PART_WEIGHTS[min(part, len(PART_WEIGHTS) - 1)]
        if occurrences:
            kept[docnum] = occurrences
    return kept
