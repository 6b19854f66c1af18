"""Ranking that survives index updates: statistics fixed per base, and ranked matches
carried from one generation to the next.

Whoosh ranks with BM25F, whose figures for a word (how many documents use it) and a field
(its average length) are read from the whole index. Every update changes them a little, so
every score changes a little, and a node had to run each recently searched text through
Whoosh again after each update (at one edit a second, most of what updates cost a node).

Here the figures are read once, at a full build (the "base"), saved with the generation
(`derived-ranking-statistics.pickle`) and carried over by updates until the documents
written since the base pass `REFRESH_SHARE` of the base's; then the next update reads them
anew. With fixed figures a document's score depends only on its own text, so a query's
ranked matches on a new generation are the previous ones less deleted documents, plus the
matches in the segments the update wrote: `RankedMatches` keeps them per node process and
searches only those new segments. The result equals a full search on the new generation
(tests/test_ranking.py checks that over chains of updates with merges).
"""

from __future__ import annotations

import bisect
import logging
import math
import os
import shutil
import threading
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

from whoosh import query as q
from whoosh import scoring
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from app.search.derived_files import DERIVED_FILE_PREFIX, read_derived_file, write_derived_file
from app.search.segments import Layout, layout_of

logger = logging.getLogger(__name__)

STATISTICS_FILE = f"{DERIVED_FILE_PREFIX}ranking-statistics.pickle"
STATISTICS_FORMAT = 1
# Documents written since the base, as a share of the base's documents, after which an
# update reads the figures anew. A tenth more or changed documents moves a word's weight
# by at most log(1.1) ≈ 0.1 (of 1 to 10): orders differ only between near-equal scores.
REFRESH_SHARE = 0.1

# (score, document number), best first; equal scores by document number, as Whoosh orders
Ranked = list[tuple[float, int]]


@dataclass(frozen=True)
class RankingStatistics:
    """BM25F's collection figures as read at a base generation."""

    base: str  # an id of this reading: generations with the same one rank alike
    documents: int  # documents in the base, deleted ones included (as Whoosh counts)
    average_lengths: dict[str, float]  # per scorable field
    # documents using each term, for terms used by more than one (absent ones count as one)
    frequencies: dict[tuple[str, bytes], int]
    segments: frozenset[str]  # the base's segment ids, to count what was written since

    @classmethod
    def read(cls, searcher: Searcher) -> RankingStatistics:
        """The figures of the searcher's index, as Whoosh's own BM25F would use them."""
        reader = searcher.reader()
        scorable = [name for name in searcher.schema.names() if searcher.schema[name].scorable]
        frequencies = {
            (name, text): frequency
            for name in scorable
            for text, info in reader.iter_field(name)
            if (frequency := info.doc_frequency()) > 1
        }
        return cls(
            base=uuid.uuid4().hex,
            documents=searcher.doc_count_all(),
            average_lengths={name: searcher.avg_field_length(name) or 1.0 for name in scorable},
            frequencies=frequencies,
            segments=frozenset(segment for segment, _first, _count in layout_of(reader)),
        )

    def idf(self, fieldname: str, text: bytes) -> float:
        """Whoosh's inverse document frequency, from the base's figures."""
        frequency = self.frequencies.get((fieldname, text), 1)
        return math.log(self.documents / (frequency + 1)) + 1

    def written_since(self, reader: IndexReader) -> int:
        """Documents in segments the base did not have (merged ones count in full)."""
        return sum(
            count for segment, _first, count in layout_of(reader) if segment not in self.segments
        )

    def outdated_for(self, reader: IndexReader) -> bool:
        """True when so much was written since the base that the figures are read anew."""
        return self.written_since(reader) > REFRESH_SHARE * max(self.documents, 1)


class _BaseScorer(scoring.WeightLengthScorer):  # type: ignore[misc]  # Whoosh has no type hints
    """BM25F's scorer with the base's figures instead of the current index's."""

    def __init__(
        self, searcher: Searcher, fieldname: str, text: bytes, statistics: RankingStatistics,
        model: scoring.BM25F,
    ) -> None:  # fmt: skip
        self.idf = statistics.idf(fieldname, text)
        self.avgfl = statistics.average_lengths.get(fieldname, 1.0)
        self.B = model._field_B.get(fieldname, model.B)
        self.K1 = model.K1
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: float) -> float:
        return float(scoring.bm25(self.idf, weight, length, self.avgfl, self.B, self.K1))


class BaseRankedBM25F(scoring.BM25F):  # type: ignore[misc]  # Whoosh has no type hints
    """Whoosh's BM25F (same parameters, same formulas) with the base's figures."""

    def __init__(self, statistics: RankingStatistics) -> None:
        super().__init__()
        self.statistics = statistics

    def idf(self, searcher: Searcher, fieldname: str, text: bytes) -> float:
        return self.statistics.idf(fieldname, text)

    def scorer(
        self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1
    ) -> scoring.BaseScorer:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _BaseScorer(searcher, fieldname, text, self.statistics, self)


def load_statistics(generation_dir: Path) -> RankingStatistics | None:
    """A generation's saved figures, or None (missing, unreadable, another format)."""
    saved = read_derived_file(generation_dir / STATISTICS_FILE, STATISTICS_FORMAT, 1)
    if saved is None or not isinstance(saved[0], RankingStatistics):
        return None
    return saved[0]


def write_snapshot(
    searcher: Searcher, generation_dir: Path, previous_dir: Path | None = None
) -> None:
    """Save the ranking figures of a generation being built (before its manifest).

    An update takes the previous generation's file over, linked (the same file: a worker
    sees by its identity that the figures did not change), until too much was written
    since its base; a full build, or a previous generation without usable figures, reads
    them from the index.
    """
    path = generation_dir / STATISTICS_FILE
    previous = load_statistics(previous_dir) if previous_dir is not None else None
    if previous is not None and previous_dir is not None:
        if not previous.outdated_for(searcher.reader()):
            try:
                os.link(previous_dir / STATISTICS_FILE, path)
            except OSError:  # a file system without hard links
                shutil.copyfile(previous_dir / STATISTICS_FILE, path)
            return
        logger.info("ranking figures read anew: much was written since their base")
    statistics = RankingStatistics.read(searcher)
    write_derived_file(path, STATISTICS_FORMAT, statistics)


class Weightings:
    """The scoring model for each generation a node opens, its figures loaded once per
    saved file (an update that links the file over costs nothing here)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[tuple[int, int, int], scoring.WeightingModel] | None = None

    def for_generation(self, generation_dir: Path) -> scoring.WeightingModel:
        """The base's figures, or Whoosh's own BM25F for a generation without them."""
        path = generation_dir / STATISTICS_FILE
        try:
            facts = path.stat()
        except OSError:
            return scoring.BM25F()
        identity = (facts.st_dev, facts.st_ino, facts.st_mtime_ns)
        with self._lock:
            if self._last is not None and self._last[0] == identity:
                return self._last[1]
        statistics = load_statistics(generation_dir)
        if statistics is None:
            return scoring.BM25F()
        weighting = BaseRankedBM25F(statistics)
        with self._lock:
            self._last = (identity, weighting)
        return weighting


@dataclass(frozen=True)
class _Kept:
    """A query's ranked matches on the generation they were found or carried to."""

    generation: str
    layout: Layout
    base: str
    ranked: Ranked


def _base_of(searcher: Searcher) -> str | None:
    weighting = searcher.weighting
    return weighting.statistics.base if isinstance(weighting, BaseRankedBM25F) else None


def _rank_key(match: tuple[float, int]) -> tuple[float, int]:
    return -match[0], match[1]


def _merged(carried: Ranked, in_order: bool, found: Ranked) -> Ranked:
    """The carried matches with the new segments' ones, best first."""
    if in_order and len(found) < 1000:  # the usual update: a few new documents
        for match in found:
            bisect.insort(carried, match, key=_rank_key)
        return carried
    carried.extend(found)
    carried.sort(key=_rank_key)
    return carried


def _carried(kept: _Kept, reader: IndexReader, layout: Layout) -> tuple[Ranked, bool, list[int]]:
    """The kept matches in segments the new generation shares, renumbered, less documents
    deleted since; whether they are still in rank order; and the positions (in `layout`) of
    the segments to search."""
    before = {segment: (first, count) for segment, first, count in kept.layout}
    moves: list[tuple[int, int, int, frozenset[int]]] = []  # old first, count, new first, del.
    new_segments: list[int] = []
    for position, ((leaf, first), (segment, _first, count)) in enumerate(
        zip(reader.leaf_readers(), layout, strict=True)
    ):
        known = before.get(segment)
        if known is not None and known[1] == count:
            moves.append((known[0], count, first, frozenset(leaf.segment().deleted_docs())))
        else:
            new_segments.append(position)
    moves.sort()
    if len(moves) == len(kept.layout) and all(old == new for old, _c, new, _d in moves):
        # No segment merged or moved (the usual update): numbers stay, order stays.
        removed = {first + local for first, _count, _new, gone in moves for local in gone}
        return [match for match in kept.ranked if match[1] not in removed], True, new_segments
    starts = [old_first for old_first, _count, _new, _deleted in moves]
    carried: Ranked = []
    for score, docnum in kept.ranked:
        at = bisect.bisect_right(starts, docnum) - 1
        if at < 0:
            continue
        old_first, count, new_first, deleted = moves[at]
        local = docnum - old_first
        if local < count and local not in deleted:
            carried.append((score, new_first + local))
    return carried, False, new_segments


def _search_segments(searcher: Searcher, query: q.Query, positions: list[int]) -> Ranked:
    """The query's scored matches in some of the searcher's segments, as `search` finds them."""
    if not positions:
        return []
    collector = searcher.collector(limit=None)
    collector.prepare(searcher, query, searcher.context())
    leaves = searcher.leaf_searchers()
    try:
        for position in positions:
            collector.set_subsearcher(*leaves[position])
            collector.collect_matches()
    finally:
        collector.finish()
    return [(score, docnum) for score, docnum in collector.results().top_n]


class RankedMatches:
    """Recently searched queries' ranked matches on this node, kept across generations.

    A query found on an earlier generation with the same ranking base is carried over (see
    the module's text); otherwise it is searched in full. Bounded by queries and by matches
    held, least recently used first out.
    """

    def __init__(self, size: int = 1024, max_matches: int = 250_000) -> None:
        self.size = size
        self.max_matches = max_matches
        self._items: OrderedDict[q.Query, _Kept] = OrderedDict()
        self._matches = 0
        self._lock = threading.Lock()
        # how each query was answered: "kept" (same generation), "carried" or "searched"
        self.answers: Counter[str] = Counter()

    def ranked(self, searcher: Searcher, generation: str, query: q.Query) -> Ranked:
        """The query's matches on the searcher's generation (named), best first.

        Only carried forward: a search still running on an older generation than the kept
        one searches in full (documents deleted since are not in the kept matches)."""
        base = _base_of(searcher)
        with self._lock:
            kept = self._items.get(query)
            if kept is not None and kept.generation == generation and kept.base == base:
                self._items.move_to_end(query)
                self.answers["kept"] += 1
                return kept.ranked
        reader = searcher.reader()
        layout = layout_of(reader)
        if kept is not None and base == kept.base and kept.generation < generation:
            carried, in_order, new_segments = _carried(kept, reader, layout)
            ranked = _merged(carried, in_order, _search_segments(searcher, query, new_segments))
            answer = "carried"
        else:
            ranked = list(searcher.search(query, limit=None).top_n)
            answer = "searched"
        with self._lock:
            self.answers[answer] += 1
        if base is not None:
            self._keep(query, _Kept(generation, layout, base, ranked))
        return ranked

    def _keep(self, query: q.Query, kept: _Kept) -> None:
        with self._lock:
            previous = self._items.pop(query, None)
            if previous is not None:
                self._matches -= len(previous.ranked)
            self._items[query] = kept
            self._matches += len(kept.ranked)
            while len(self._items) > 1 and (
                len(self._items) > self.size or self._matches > self.max_matches
            ):
                _query, dropped = self._items.popitem(last=False)
                self._matches -= len(dropped.ranked)
