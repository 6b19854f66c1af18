"""An in-memory table of every provider's facet values, built once per index generation.

Whoosh computes filters and facet counts generically, walking posting lists for every
value of every facet; with seven facets and disjunctive counts that took hundreds of
milliseconds at 10 000 providers. Reading the stored values once per index generation and
filtering and counting in one pass over the candidates takes a few milliseconds instead.

Reading those stored values takes seconds at 100 000 providers (2 of the 3 s a worker
spent before serving a new generation), so whoever writes a generation also writes the
table beside it (`write_snapshot`, a file the generation's manifest checks), and a worker
loads it (`FacetTable.for_generation`), falling back to reading the index. An update
carries the previous generation's facts over and reads only the documents it wrote.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain, filterfalse
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from app.catalogue.policy import AVAILABILITY_SHOWN_FOR
from app.search.derived_files import DERIVED_FILE_PREFIX, read_derived_file, write_derived_file
from app.search.documents import FACET_FIELDS
from app.search.places import Place
from app.search.segments import Layout, layout_of
from app.search.store import BUILDING_PREFIX

if TYPE_CHECKING:
    from app.search.store import Lease

SNAPSHOT_FILE = f"{DERIVED_FILE_PREFIX}facet-table.pickle"
# What the next generation's builder carries over (workers never load it): see write_snapshot.
KEYS_FILE = f"{DERIVED_FILE_PREFIX}facet-keys.pickle"
# Raise when the snapshot's contents change shape: an older one is then ignored (read anew).
SNAPSHOT_FORMAT = 2

Record = tuple[tuple[str, ...], ...]  # one tuple of values per facet, in FACET_FIELDS order
STATUS_INDEX = FACET_FIELDS.index("status")
V = TypeVar("V")


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
        # One pass over the documents builds every lookup (the keeper builds a table for
        # each index update).
        self._pair_list: list[tuple[int, str]] = []
        pair_ids: dict[tuple[int, str], int] = {}
        self._pairs: dict[int, tuple[int, ...]] = {}
        docs_by_pair: list[list[int]] = []
        without: list[list[int]] = [[] for _name in FACET_FIELDS]
        # Documents share their values (a few thousand combinations at 100 000 providers):
        # one object for each lets pickle write it once, so the keeper saves the table in a
        # third of the time (0.35 → 0.05 s at 100 000 for the records) and workers load it
        # faster, in less memory.
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.records = {
            docnum: tuple(map(shared.setdefault, record, record))
            for docnum, record in self.records.items()
        }
        for docnum, record in self.records.items():
            ids = []
            for index, values in enumerate(record):
                if not values:
                    without[index].append(docnum)
                for value in values:
                    pair_id = pair_ids.get((index, value))
                    if pair_id is None:
                        pair_id = pair_ids[index, value] = len(self._pair_list)
                        self._pair_list.append((index, value))
                        docs_by_pair.append([])
                    ids.append(pair_id)
                    docs_by_pair[pair_id].append(docnum)
            self._pairs[docnum] = tuple(ids)
        self._facet_pair_ids: list[list[int]] = [[] for _name in FACET_FIELDS]
        for pair_id, (index, _value) in enumerate(self._pair_list):
            self._facet_pair_ids[index].append(pair_id)
        self._docs_with: dict[tuple[int, str], set[int]] = {
            pair: set(docs) for pair, docs in zip(self._pair_list, docs_by_pair, strict=True)
        }
        # per facet, the documents with no value for it ("not recorded")
        self._docs_without: list[set[int]] = [set(docs) for docs in without]
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

    @classmethod
    def from_searcher(cls, searcher: Searcher) -> FacetTable:
        """Read the stored fields of all provider documents."""
        return cls(*_inputs_from(searcher))

    @classmethod
    def for_generation(cls, searcher: Searcher, directory: Path) -> FacetTable:
        """The table from the generation's snapshot when it has a usable one (written by
        this code for these documents), else read from the index."""
        saved = _load_table(directory)
        if saved is None or saved[0] != searcher.doc_count_all():
            return cls.from_searcher(searcher)
        return saved[1]

    @classmethod
    def for_lease(cls, lease: Lease) -> FacetTable:
        """The leased generation's table: the node's previous table updated in memory when the
        update kept every other document's number, else `for_generation`'s (see `Latest`)."""
        latest = lease.lasting(Latest)
        table = latest.carried_to(lease.searcher, lease.generation)
        if table is None:
            table = cls.for_generation(lease.searcher, lease.directory)
        latest.remember(lease.generation, layout_of(lease.searcher.reader()), table)
        return table

    def updated(
        self, update: _Update, sort_keys: Callable[[int], tuple[str, str]],
        newest_free_places_date: dt.date | None,
    ) -> FacetTable:  # fmt: skip
        """This table less the update's removed documents and with its added ones, every
        other document keeping its number; built without going over every document again.

        `sort_keys` gives a document's name and municipality sort keys (the table does not
        hold them; by municipality means by municipality, then name). This table is left as
        it is (searches on its generation still use it): what changes is copied first.
        """
        gone = {docnum for docnum in update.removed if docnum in self.records}
        added = {docnum: record for docnum, (record, _extra) in update.added.items()}
        table = object.__new__(FacetTable)
        # Copied whole, then the few removed: a dict or list copy runs in C (2 ms at 100 000
        # documents, against 20 ms for a comprehension that tests every one).
        table.records = _without(self.records, gone)
        table.records.update(added)
        table.by_name = list(filterfalse(gone.__contains__, self.by_name))
        table.by_municipality = list(filterfalse(gone.__contains__, self.by_municipality))
        for docnum in sorted(added):  # after equal keys: the order a stable sort gives
            bisect.insort(table.by_name, docnum, key=lambda d: sort_keys(d)[0])
            bisect.insort(table.by_municipality, docnum, key=lambda d: sort_keys(d)[::-1])
        table.free_places_since = _without(self.free_places_since, gone)
        table.free_places_since.update(
            (d, date) for d, (_r, (_n, _m, free, date)) in update.added.items() if free and date
        )
        table.newest_free_places_date = newest_free_places_date
        table._pair_list = list(self._pair_list)
        table._facet_pair_ids = [list(ids) for ids in self._facet_pair_ids]
        pair_ids = {pair: pair_id for pair_id, pair in enumerate(self._pair_list)}
        table._pairs = _without(self._pairs, gone)
        table._docs_with = dict(self._docs_with)
        table._docs_without = list(self._docs_without)
        copied: set[object] = set()  # sets already copied for the new table

        def own(key: tuple[int, str]) -> set[int]:
            if key not in copied:
                table._docs_with[key] = set(table._docs_with.get(key, ()))
                copied.add(key)
            return table._docs_with[key]

        def own_without(index: int) -> set[int]:
            if index not in copied:
                table._docs_without[index] = set(table._docs_without[index])
                copied.add(index)
            return table._docs_without[index]

        for docnum in gone:
            for index, values in enumerate(self.records[docnum]):
                if not values:
                    own_without(index).discard(docnum)
                for value in values:
                    own((index, value)).discard(docnum)
        for docnum, record in added.items():
            ids = []
            for index, values in enumerate(record):
                if not values:
                    own_without(index).add(docnum)
                for value in values:
                    pair_id = pair_ids.get((index, value))
                    if pair_id is None:
                        pair_id = pair_ids[index, value] = len(table._pair_list)
                        table._pair_list.append((index, value))
                        table._facet_pair_ids[index].append(pair_id)
                    ids.append(pair_id)
                    own((index, value)).add(docnum)
            table._pairs[docnum] = tuple(ids)
        table._open = (self._open - gone) | {
            d for d, record in added.items() if "closed" not in record[STATUS_INDEX]
        }
        municipality_index = FACET_FIELDS.index("municipality")
        region_index = FACET_FIELDS.index("region")
        table._municipality = _without(self._municipality, gone)
        table._region = _without(self._region, gone)
        for docnum, record in added.items():
            table._municipality[docnum] = next(iter(record[municipality_index]), None)
            table._region[docnum] = next(iter(record[region_index]), None)
        return table

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


def _without(mapping: dict[int, V], removed: set[int]) -> dict[int, V]:
    """A copy of `mapping` less the `removed` keys (few, against many kept)."""
    copy = dict(mapping)
    for key in removed:
        copy.pop(key, None)
    return copy


# The attributes a table has, lookup structures included: a saved table with others was
# saved by another version of this class and is not used.
_TABLE_STATE = vars(FacetTable({}, [], [], {})).keys()

# What the table is made of, per provider document, besides its record: the keys of its two
# sort orders and its free places (flag and the date they were given).
Extra = tuple[str, str, bool | None, dt.date | None]


def _document_facts(fields: dict[str, Any]) -> tuple[Record, Extra] | None:
    if fields.get("kind") != "provider":
        return None
    summary = fields.get("summary") or {}
    record = tuple(_values(fields.get(name)) for name in FACET_FIELDS)
    name_key = fields.get("name_sort", "")
    extra = (
        name_key,
        fields.get("municipality_sort", ""),
        summary.get("free_places"),
        summary.get("availability_date"),
    )
    return record, extra


def _read_all(reader: IndexReader) -> tuple[dict[int, Record], dict[int, Extra]]:
    records: dict[int, Record] = {}
    extras: dict[int, Extra] = {}
    for docnum, fields in reader.iter_docs():
        facts = _document_facts(fields)
        if facts is not None:
            records[docnum], extras[docnum] = facts
    return records, extras


@dataclass(frozen=True)
class _Carried:
    """The previous generation's facts, to build the next generation's from."""

    layout: Layout
    records: dict[int, Record]
    extras: dict[int, Extra]


def _load_table(generation_dir: Path) -> tuple[int, FacetTable] | None:
    """The table a generation's snapshot holds and the documents it was made for, or None
    when it has no usable one (missing, unreadable, or of another shape than this code's)."""
    saved = read_derived_file(generation_dir / SNAPSHOT_FILE, SNAPSHOT_FORMAT, 2)
    if saved is None:
        return None
    documents, table = saved
    if not isinstance(table, FacetTable) or vars(table).keys() != _TABLE_STATE:
        return None
    return documents, table


def _read_carried(generation_dir: Path) -> _Carried | None:
    """The facts a generation's snapshot holds, or None when it has no usable one."""
    saved = _load_table(generation_dir)
    keys = read_derived_file(generation_dir / KEYS_FILE, SNAPSHOT_FORMAT, 2)
    if saved is None or keys is None:
        return None
    layout, extras = keys
    documents, table = saved
    if sum(count for _segment, _first, count in layout) != documents:
        return None
    return _Carried(layout, table.records, extras)


def _carried_over(
    reader: IndexReader, layout: Layout, carried: _Carried
) -> tuple[dict[int, Record], dict[int, Extra]]:
    """The facts of every provider document, taken from the previous generation for the
    segments both share and read from the index only for the segments that are new.

    An index update writes the changed documents into a new segment and marks their old
    versions deleted; it may merge small segments into a new one. The segments it keeps
    hold the same documents in the same order, only shifted when a segment before them
    was merged away.
    """
    before = {segment: (first, count) for segment, first, count in carried.layout}
    records: dict[int, Record] = {}
    extras: dict[int, Extra] = {}
    for (leaf, first), (segment, _first, count) in zip(reader.leaf_readers(), layout, strict=True):
        deleted = set(leaf.segment().deleted_docs())
        known = before.get(segment)
        for local in range(count):
            if local in deleted:
                continue
            if known is not None and known[1] == count:
                old = known[0] + local
                if old in carried.records:  # a live provider document before, and still
                    records[first + local] = carried.records[old]
                    extras[first + local] = carried.extras[old]
                continue
            facts = _document_facts(leaf.stored_fields(local))
            if facts is not None:
                records[first + local], extras[first + local] = facts
    return records, extras


class Latest:
    """A node's newest facet table, with its generation and layout, to update in memory.

    A worker moving to a new generation used to load the generation's saved table (0.5 s
    of CPU at 100 000 providers, for each of the keeper's updates). Most updates only mark
    some documents deleted and add a segment of new ones, every other document keeping its
    number: the previous table updated with those few equals the saved one (checked by
    tests/test_generation_updates.py). After a merge, numbers shift: the saved one is loaded.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: tuple[str, Layout, FacetTable] | None = None

    def remember(self, generation: str, layout: Layout, table: FacetTable) -> None:
        """Keep the table, unless a newer generation's is kept already."""
        with self._lock:
            if self._latest is None or self._latest[0] <= generation:
                self._latest = (generation, layout, table)

    def carried_to(self, searcher: Searcher, generation: str) -> FacetTable | None:
        """The kept table updated to the searcher's (newer) generation, or None when it
        cannot be (nothing kept, not older, segments merged or moved, or the newest
        free-places date may have gone with a removed document)."""
        with self._lock:
            latest = self._latest
        if latest is None or latest[0] >= generation:
            return None
        _generation, layout, table = latest
        return _updated_table(searcher, layout, table)


@dataclass(frozen=True)
class _Update:
    """What an index update changed, when it kept every other document's number."""

    removed: list[int]  # provider documents of the previous table deleted since
    added: dict[int, tuple[Record, Extra]]  # provider documents in the new segments


def _update_since(
    reader: IndexReader, layout: Layout, records: dict[int, Record]
) -> _Update | None:
    """The documents removed from and added to a table of `layout`'s generation, or None
    when a segment was merged away (numbers shifted)."""
    before = {segment: (first, count) for segment, first, count in layout}
    removed: list[int] = []
    added: dict[int, tuple[Record, Extra]] = {}
    for (leaf, first), (segment, _first, count) in zip(
        reader.leaf_readers(), layout_of(reader), strict=True
    ):
        deleted = leaf.segment().deleted_docs()
        known = before.pop(segment, None)
        if known is not None:
            if known != (first, count):
                return None  # a segment before it was merged away: numbers shifted
            removed.extend(first + local for local in deleted if first + local in records)
            continue
        gone = set(deleted)
        for local in range(count):
            facts = None if local in gone else _document_facts(leaf.stored_fields(local))
            if facts is not None:
                added[first + local] = facts
    return None if before else _Update(removed, added)  # left in `before`: merged


def _updated_table(searcher: Searcher, layout: Layout, table: FacetTable) -> FacetTable | None:
    update = _update_since(searcher.reader(), layout, table.records)
    if update is None:
        return None
    newest = table.newest_free_places_date
    for docnum in update.removed:
        summary = searcher.stored_fields(docnum).get("summary") or {}
        given_before = summary.get("free_places") is not None and summary.get("availability_date")
        if newest is not None and given_before == newest:
            return None  # the newest date may have gone: read the saved table
    given = [
        date for _r, (_n, _m, free, date) in update.added.values() if free is not None and date
    ]
    newest = max([*given, *([newest] if newest else [])], default=None)

    def sort_keys(docnum: int) -> tuple[str, str]:
        fields = searcher.stored_fields(docnum)
        return fields.get("name_sort", ""), fields.get("municipality_sort", "")

    return table.updated(update, sort_keys, newest)


def _inputs(records: dict[int, Record], extras: dict[int, Extra]) -> tuple[Any, ...]:
    """The table's constructor arguments from its documents' facts (in document order)."""
    free_places_since = {
        docnum: date for docnum, (_n, _m, free, date) in extras.items() if free and date
    }
    given = [date for _n, _m, free, date in extras.values() if free is not None and date]
    by_name = sorted(records, key=lambda docnum: extras[docnum][0])
    by_municipality = sorted(records, key=lambda docnum: (extras[docnum][1], extras[docnum][0]))
    return records, by_name, by_municipality, free_places_since, max(given, default=None)


def _inputs_from(searcher: Searcher) -> tuple[Any, ...]:
    """The constructor's arguments, read from the stored fields of all provider documents."""
    return _inputs(*_read_all(searcher.reader()))


def write_snapshot(
    searcher: Searcher, generation_dir: Path, previous_dir: Path | None = None
) -> None:
    """Write the facet table's inputs into a generation being built (before its manifest).

    Given the generation it was updated from, only the documents in new segments are read
    (an edit's few instead of every stored document: 0.3 s at 10 000 providers, seconds at
    100 000); without one, or when its snapshot is missing or unusable, all are.
    """
    reader = searcher.reader()
    layout = layout_of(reader)
    table, extras = _WRITTEN.updated_from(previous_dir, reader) or (None, None)
    if table is None or extras is None:
        carried = _read_carried(previous_dir) if previous_dir is not None else None
        if carried is None:
            records, extras = _read_all(reader)
        else:
            records, extras = _carried_over(reader, layout, carried)
        table = FacetTable(*_inputs(records, extras))
    documents = searcher.doc_count_all()
    # The whole table, its lookup structures included: loading them takes a worker a third
    # of the time building them from the inputs takes.
    write_derived_file(generation_dir / SNAPSHOT_FILE, SNAPSHOT_FORMAT, documents, table)
    write_derived_file(generation_dir / KEYS_FILE, SNAPSHOT_FORMAT, layout, extras)
    # remembered under the name the generation will have once built (see store.py)
    final_dir = generation_dir.with_name(generation_dir.name.removeprefix(BUILDING_PREFIX))
    _WRITTEN.remember(final_dir, layout, table, extras)


class _Written:
    """The last table this process wrote (the node's keeper writes one per update), so that
    the next update changes it in memory instead of loading and rebuilding it (at 100 000
    providers most of the keeper's second per update)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[Path, Layout, FacetTable, dict[int, Extra]] | None = None

    def remember(
        self, directory: Path, layout: Layout, table: FacetTable, extras: dict[int, Extra]
    ) -> None:
        with self._lock:
            self._last = (directory, layout, table, extras)

    def updated_from(
        self, previous_dir: Path | None, reader: IndexReader
    ) -> tuple[FacetTable, dict[int, Extra]] | None:
        """The table and facts written for `previous_dir`, updated to the reader's
        generation; None when this process did not write that one, or after a merge."""
        with self._lock:
            last = self._last
        if last is None or previous_dir is None or last[0] != previous_dir:
            return None
        _directory, layout, table, extras = last
        update = _update_since(reader, layout, table.records)
        if update is None:
            return None
        extras = _without(extras, set(update.removed))
        extras.update((d, extra) for d, (_record, extra) in update.added.items())
        given = (date for _n, _m, free, date in extras.values() if free is not None and date)
        table = table.updated(update, lambda d: extras[d][:2], max(given, default=None))
        return table, extras


_WRITTEN = _Written()
