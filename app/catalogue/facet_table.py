"""An in-memory table of every provider's facet values, built once per index generation.

Whoosh computes filters and facet counts generically, walking posting lists for every
value of every facet; with seven facets and disjunctive counts that took hundreds of
milliseconds at 10 000 providers. Reading the stored values once per index generation and
filtering and counting in one pass over the candidates takes a few milliseconds instead.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from whoosh.searching import Searcher

from app.catalogue.index_documents import FACET_FIELDS
from app.catalogue.maintenance import AVAILABILITY_SHOWN_FOR

Record = tuple[tuple[str, ...], ...]  # one tuple of values per facet, in FACET_FIELDS order
STATUS_INDEX = FACET_FIELDS.index("status")


def _values(stored: object) -> tuple[str, ...]:
    return tuple(value for value in str(stored or "").split(",") if value)


@dataclass
class FacetTable:
    """Facet values and sort orders of every provider document, by Whoosh document number."""

    records: dict[int, Record]
    by_name: list[int]
    by_municipality: list[int]
    free_places_since: dict[int, dt.date]  # documents with free places, and since when

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
        self._open = {
            d for d, record in self.records.items() if "closed" not in record[STATUS_INDEX]
        }
        self._docs_with: dict[tuple[int, str], set[int]] = {}
        for docnum, record in self.records.items():
            for index, values in enumerate(record):
                for value in values:
                    self._docs_with.setdefault((index, value), set()).add(docnum)

    @classmethod
    def from_searcher(cls, searcher: Searcher) -> FacetTable:
        """Read the stored fields of all provider documents."""
        records: dict[int, Record] = {}
        name_keys: dict[int, str] = {}
        municipality_keys: dict[int, tuple[str, str]] = {}
        free_places_since: dict[int, dt.date] = {}
        for docnum, fields in searcher.reader().iter_docs():
            if fields.get("kind") != "provider":
                continue
            summary = fields.get("summary") or {}
            if summary.get("free_places") and summary.get("availability_date"):
                free_places_since[docnum] = summary["availability_date"]
            records[docnum] = tuple(_values(fields.get(name)) for name in FACET_FIELDS)
            name_keys[docnum] = fields.get("name_sort", "")
            municipality_keys[docnum] = (fields.get("municipality_sort", ""), name_keys[docnum])
        by_name = sorted(records, key=name_keys.__getitem__)
        by_municipality = sorted(records, key=municipality_keys.__getitem__)
        return cls(records, by_name, by_municipality, free_places_since)

    def with_free_places(self, docnums: list[int], today: dt.date) -> list[int]:
        """Documents whose free places were given within the last 60 days."""
        oldest = today - AVAILABILITY_SHOWN_FOR
        since = self.free_places_since
        return [d for d in docnums if d in since and since[d] >= oldest]

    def visible(self, docnums: Iterable[int], *, show_closed: bool) -> list[int]:
        """The provider documents among `docnums` (in their order), closed ones only if asked."""
        allowed = self.records if show_closed else self._open
        return list(filter(allowed.__contains__, docnums))

    def filter_and_count(
        self, candidates: list[int], filters: dict[str, list[str]]
    ) -> tuple[list[int], dict[str, dict[str, int]]]:
        """Documents passing every filter (in candidate order) and disjunctive facet counts.

        A document that fails no filter counts towards every facet; one that fails only
        facet F's filter still counts towards F, so F's other values stay selectable.
        Filtering is done with set operations on per-value document sets.
        """
        passing: dict[int, set[int]] = {}
        for name, values in filters.items():
            index = FACET_FIELDS.index(name)
            passing[index] = set().union(*(self._docs_with.get((index, v), set()) for v in values))
        pool = set(candidates)
        matched_set = pool.intersection(*passing.values())
        if len(matched_set) == len(candidates):
            matched = candidates
        else:
            matched = list(filter(matched_set.__contains__, candidates))
        # map/filter over bound methods keep these loops in C: they run over every hit.
        pair_counts = Counter(chain.from_iterable(map(self._pairs.__getitem__, matched)))
        facets: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
        for pair_id, count in pair_counts.items():
            index, value = self._pair_list[pair_id]
            facets[FACET_FIELDS[index]][value] = count
        for index, docs in passing.items():
            others = [other for key, other in passing.items() if key != index]
            near_misses = pool.intersection(*others) - docs
            counts = facets[FACET_FIELDS[index]]
            records = map(self.records.__getitem__, near_misses)
            near_miss_values = chain.from_iterable(map(itemgetter(index), records))
            for value, count in Counter(near_miss_values).items():
                counts[value] = counts.get(value, 0) + count
        return matched, facets

    def sorted_by(self, docnums: list[int], order: str) -> list[int]:
        """Documents by name, or by municipality and then name."""
        wanted = set(docnums)
        ordered = self.by_municipality if order == "municipality" else self.by_name
        return [docnum for docnum in ordered if docnum in wanted]
