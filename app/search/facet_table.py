"""An in-memory table of every provider's facet values, built once per index generation.

Whoosh computes filters and facet counts generically, walking posting lists for every
value of every facet; with seven facets and disjunctive counts that took hundreds of
milliseconds at 10 000 providers. Reading the stored values once per index generation and
filtering and counting in one pass over the candidates takes a few milliseconds instead.

Reading those stored values takes seconds at 100 000 providers (2 of the 3 s a worker
spent before serving a new generation), so whoever writes a generation also writes the
table's inputs beside it (`write_snapshot`, a file the generation's manifest checks), and a
worker loads them (`FacetTable.for_generation`), falling back to reading the index.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from app.catalogue.policy import AVAILABILITY_SHOWN_FOR
from app.search.documents import FACET_FIELDS
from app.search.places import Place
from app.search.store import DERIVED_FILE_PREFIX

logger = logging.getLogger(__name__)

SNAPSHOT_FILE = f"{DERIVED_FILE_PREFIX}facet-table.pickle"
# Raise when the table's inputs change shape: an older snapshot is then ignored (read anew).
SNAPSHOT_FORMAT = 1

Record = tuple[tuple[str, ...], ...]  # one tuple of values per facet, in FACET_FIELDS order
STATUS_INDEX = FACET_FIELDS.index("status")


@dataclass(frozen=True)
class Pool:
    """The documents a search starts from, in order, and their facet values counted.

    A text's pool is the same whatever the filters, so it is kept per text (see
    `MatchPoolCache` in search.py) and its counts serve every filtered search of that text.
    """

    docnums: list[int]
    pair_counts: Counter[int]


def _values(stored: object) -> tuple[str, ...]:
    return tuple(value for value in str(stored or "").split(",") if value)


@dataclass
class FacetTable:
    """Facet values and sort orders of every provider document, by Whoosh document number."""

    records: dict[int, Record]
    by_name: list[int]
    by_municipality: list[int]
    free_places_since: dict[int, dt.date]  # documents with free places, and since when
    # The newest date any provider's free places were given (none free counts too): the
    # "free places now" filter is offered only while this is recent.
    newest_free_places_date: dt.date | None = None

    def __post_init__(self) -> None:
        # Each (facet index, value) pair gets a small integer; a document's pairs are counted
        # in one C-level Counter call, and integers hash faster than tuples of strings.
        self._pair_list: list[tuple[int, str]] = []
        pair_ids: dict[tuple[int, str], int] = {}
        self._pairs: dict[int, tuple[int, ...]] = {}
        for docnum, record in self.records.items():
            ids = []
            for index, values in enumerate(record):
                for value in values:
                    pair = (index, value)
                    if pair not in pair_ids:
                        pair_ids[pair] = len(self._pair_list)
                        self._pair_list.append(pair)
                    ids.append(pair_ids[pair])
            self._pairs[docnum] = tuple(ids)
        self._facet_pair_ids: list[list[int]] = [[] for _name in FACET_FIELDS]
        for pair_id, (index, _value) in enumerate(self._pair_list):
            self._facet_pair_ids[index].append(pair_id)
        self._open = {
            d for d, record in self.records.items() if "closed" not in record[STATUS_INDEX]
        }
        municipality_index = FACET_FIELDS.index("municipality")
        region_index = FACET_FIELDS.index("region")
        # a provider's own municipality and region (the first one recorded), for distances
        self._municipality = {
            d: next(iter(record[municipality_index]), None) for d, record in self.records.items()
        }
        self._region = {
            d: next(iter(record[region_index]), None) for d, record in self.records.items()
        }
        self._docs_with: dict[tuple[int, str], set[int]] = {}
        # per facet, the documents with no value for it ("not recorded")
        self._docs_without: list[set[int]] = [set() for _name in FACET_FIELDS]
        for docnum, record in self.records.items():
            for index, values in enumerate(record):
                if not values:
                    self._docs_without[index].add(docnum)
                for value in values:
                    self._docs_with.setdefault((index, value), set()).add(docnum)

    @classmethod
    def from_searcher(cls, searcher: Searcher) -> FacetTable:
        """Read the stored fields of all provider documents."""
        return cls(*_inputs_from(searcher))

    @classmethod
    def for_generation(cls, searcher: Searcher, directory: Path) -> FacetTable:
        """The table from the generation's snapshot when it has a usable one (written by
        this code for these documents), else read from the index."""
        try:
            with (directory / SNAPSHOT_FILE).open("rb") as handle:
                # the generation's own file, checked against its manifest when it was opened
                snapshot_format, documents, inputs = pickle.load(handle)  # noqa: S301
        except FileNotFoundError:
            return cls.from_searcher(searcher)
        except (OSError, pickle.UnpicklingError, ValueError, EOFError) as error:
            logger.warning("facet table snapshot in %s unreadable (%s); reading the index",
                           directory, error)  # fmt: skip
            return cls.from_searcher(searcher)
        if snapshot_format != SNAPSHOT_FORMAT or documents != searcher.doc_count_all():
            return cls.from_searcher(searcher)
        return cls(*inputs)

    def in_places(self, places: Iterable[Place]) -> set[int]:
        """Documents in any of the places: a municipality's own, and those of its region
        that name no municipality (they serve the whole region); a region's all."""
        region_index = FACET_FIELDS.index("region")
        municipality_index = FACET_FIELDS.index("municipality")
        found: set[int] = set()
        for place in places:
            in_region = self._docs_with.get((region_index, place.region), set())
            if place.kind == "region":
                found |= in_region
                continue
            found |= self._docs_with.get((municipality_index, place.code), set())
            found |= {d for d in in_region if not self.records[d][municipality_index]}
        return found

    @property
    def municipalities(self) -> dict[int, str | None]:
        """Each provider's municipality code (None for one that names only its region)."""
        return self._municipality

    def municipality_of(self, docnum: int) -> str | None:
        """The provider's municipality code (None for one that names only its region)."""
        return self._municipality.get(docnum)

    def region_of(self, docnum: int) -> str | None:
        """The provider's region code."""
        return self._region.get(docnum)

    def with_free_places(self, docnums: list[int], today: dt.date) -> list[int]:
        """Documents whose free places were given within the last 60 days."""
        oldest = today - AVAILABILITY_SHOWN_FOR
        since = self.free_places_since
        return [d for d in docnums if d in since and since[d] >= oldest]

    def free_places_known(self, today: dt.date) -> bool:
        """True when some provider's free places were given within the last 60 days."""
        newest = self.newest_free_places_date
        return newest is not None and today - newest <= AVAILABILITY_SHOWN_FOR

    def visible(self, docnums: Iterable[int], *, show_closed: bool) -> list[int]:
        """The provider documents among `docnums` (in their order), closed ones only if asked."""
        allowed = self.records if show_closed else self._open
        return list(filter(allowed.__contains__, docnums))

    def pool(self, docnums: list[int]) -> Pool:
        """The documents with their facet values counted."""
        # map over bound methods keeps the loop in C: it runs over every document.
        return Pool(docnums, Counter(chain.from_iterable(map(self._pairs.__getitem__, docnums))))

    def filter_and_count(
        self, pool: Pool, filters: dict[str, list[str]]
    ) -> tuple[list[int], dict[str, dict[str, int]]]:
        """Documents passing every filter (in pool order) and disjunctive facet counts.

        A document that fails no filter counts towards every facet; one that fails only
        facet F's filter still counts towards F, so F's other values stay selectable.
        Filtering is done with set operations on per-value document sets.
        """
        passing: dict[int, set[int]] = {}
        for name, values in filters.items():
            index = FACET_FIELDS.index(name)
            passing[index] = set().union(*(self._docs_with.get((index, v), set()) for v in values))
        if not passing:
            return pool.docnums, self._facets_from(pool.pair_counts)
        allowed = set.intersection(*passing.values())
        matched = list(filter(allowed.__contains__, pool.docnums))
        pair_counts = Counter(chain.from_iterable(map(self._pairs.__getitem__, matched)))
        facets = self._facets_from(pair_counts)
        for index, docs in passing.items():
            counts = facets[FACET_FIELDS[index]]
            others = [other for key, other in passing.items() if key != index]
            if not others:
                # Only this facet is filtered: its near misses are the pool less the
                # matches, so their counts are the pool's counts less the matches'.
                for pair_id in self._facet_pair_ids[index]:
                    missed = pool.pair_counts[pair_id] - pair_counts[pair_id]
                    if missed:
                        value = self._pair_list[pair_id][1]
                        counts[value] = counts.get(value, 0) + missed
                continue
            near_miss_set = set.intersection(*others) - docs
            near_misses = filter(near_miss_set.__contains__, pool.docnums)
            records = map(self.records.__getitem__, near_misses)
            near_miss_values = chain.from_iterable(map(itemgetter(index), records))
            for value, count in Counter(near_miss_values).items():
                counts[value] = counts.get(value, 0) + count
        return matched, facets

    def unrecorded(self, pool: Pool, filters: dict[str, list[str]]) -> dict[str, int]:
        """Per facet, the documents of the pool that pass every other facet's filter but
        have no value for this one: "not recorded", as against a value counted 0 ("none
        here"). The same documents a facet's counts are taken over (see
        `filter_and_count`)."""
        in_pool = set(pool.docnums)
        passing = {
            FACET_FIELDS.index(name): set().union(
                *(self._docs_with.get((FACET_FIELDS.index(name), v), set()) for v in values)
            )
            for name, values in filters.items()
        }
        counts = {}
        for index, name in enumerate(FACET_FIELDS):
            docs = in_pool & self._docs_without[index]
            for other, allowed in passing.items():
                if other != index:
                    docs &= allowed
            counts[name] = len(docs)
        return counts

    def _facets_from(self, pair_counts: Counter[int]) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
        for pair_id, count in pair_counts.items():
            index, value = self._pair_list[pair_id]
            facets[FACET_FIELDS[index]][value] = count
        return facets

    def sorted_by(self, docnums: list[int], order: str) -> list[int]:
        """Documents by name, or by municipality and then name."""
        wanted = set(docnums)
        ordered = self.by_municipality if order == "municipality" else self.by_name
        return list(filter(wanted.__contains__, ordered))


def _inputs_from(searcher: Searcher) -> tuple[Any, ...]:
    """The constructor's arguments, read from the stored fields of all provider documents."""
    records: dict[int, Record] = {}
    name_keys: dict[int, str] = {}
    municipality_keys: dict[int, tuple[str, str]] = {}
    free_places_since: dict[int, dt.date] = {}
    newest: dt.date | None = None
    for docnum, fields in searcher.reader().iter_docs():
        if fields.get("kind") != "provider":
            continue
        summary = fields.get("summary") or {}
        if summary.get("free_places") and summary.get("availability_date"):
            free_places_since[docnum] = summary["availability_date"]
        given = summary.get("availability_date")
        if summary.get("free_places") is not None and given and (newest is None or given > newest):
            newest = given
        records[docnum] = tuple(_values(fields.get(name)) for name in FACET_FIELDS)
        name_keys[docnum] = fields.get("name_sort", "")
        municipality_keys[docnum] = (fields.get("municipality_sort", ""), name_keys[docnum])
    by_name = sorted(records, key=name_keys.__getitem__)
    by_municipality = sorted(records, key=municipality_keys.__getitem__)
    return records, by_name, by_municipality, free_places_since, newest


def write_snapshot(generation_dir: Path) -> None:
    """Write the facet table's inputs into a generation being built (before its manifest)."""
    with whoosh_index.open_dir(str(generation_dir)).searcher() as searcher:
        snapshot = (SNAPSHOT_FORMAT, searcher.doc_count_all(), _inputs_from(searcher))
    with (generation_dir / SNAPSHOT_FILE).open("wb") as handle:
        pickle.dump(snapshot, handle, protocol=pickle.HIGHEST_PROTOCOL)
