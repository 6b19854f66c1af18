"""Filtering and disjunctive facet counts agree with counting every document by hand."""

from __future__ import annotations

import pickle
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.searching import Searcher

from app.search.documents import FACET_FIELDS
from app.search.facet_table import FacetTable
from app.search.service import MatchPoolCache, Synonyms

TEXTS = ["", "työtoiminta", "kuntouttava", "Helsinki", "nuoret", "puutyö"]


@pytest.fixture(scope="module")
def table(searcher: Searcher) -> FacetTable:
    return FacetTable.from_searcher(searcher)


def values_in_index(table: FacetTable, name: str) -> list[str]:
    index = FACET_FIELDS.index(name)
    return sorted({value for record in table.records.values() for value in record[index]})


def counted_by_hand(
    table: FacetTable, pool: list[int], filters: dict[str, list[str]]
) -> tuple[list[int], dict[str, Counter[str]]]:
    """What the search page promises: a facet's counts ignore that facet's own filter."""

    def passes(docnum: int, names: set[str]) -> bool:
        record = table.records[docnum]
        return all(set(filters[name]) & set(record[FACET_FIELDS.index(name)]) for name in names)

    matched = [docnum for docnum in pool if passes(docnum, set(filters))]
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
    for docnum in pool:
        for index, name in enumerate(FACET_FIELDS):
            if passes(docnum, set(filters) - {name}):
                counts[name].update(table.records[docnum][index])
    return matched, counts


@settings(
    max_examples=40, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(data=st.data())
def test_filtered_counts_equal_counting_by_hand(
    searcher: Searcher, synonyms: Synonyms, table: FacetTable, data: st.DataObject
) -> None:
    text = data.draw(st.sampled_from(TEXTS))
    show_closed = data.draw(st.booleans())
    filters: dict[str, list[str]] = {}
    for name in ("region", "service", "activity", "status"):
        chosen = data.draw(st.lists(st.sampled_from(values_in_index(table, name)), max_size=2))
        if chosen:
            filters[name] = chosen
    pool = MatchPoolCache().pool(searcher, table, text, synonyms, show_closed=show_closed)

    matched, facets = table.filter_and_count(pool, filters)

    expected_matched, expected_counts = counted_by_hand(table, pool.docnums, filters)
    assert matched == expected_matched
    assert {name: Counter(counts) for name, counts in facets.items()} == expected_counts


@settings(
    max_examples=30, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(data=st.data())
def test_unrecorded_counts_equal_counting_by_hand(
    searcher: Searcher, synonyms: Synonyms, table: FacetTable, data: st.DataObject
) -> None:
    text = data.draw(st.sampled_from(TEXTS))
    filters: dict[str, list[str]] = {}
    for name in ("region", "activity", "target_group"):
        chosen = data.draw(st.lists(st.sampled_from(values_in_index(table, name)), max_size=2))
        if chosen:
            filters[name] = chosen
    pool = MatchPoolCache().pool(searcher, table, text, synonyms, show_closed=False)

    unrecorded = table.unrecorded(pool, filters)

    def passes_others(docnum: int, name: str) -> bool:
        record = table.records[docnum]
        return all(
            set(values) & set(record[FACET_FIELDS.index(other)])
            for other, values in filters.items()
            if other != name
        )

    for index, name in enumerate(FACET_FIELDS):
        by_hand = [
            d for d in pool.docnums if not table.records[d][index] and passes_others(d, name)
        ]
        assert unrecorded[name] == len(by_hand), name


def test_the_bundled_data_has_gaps_to_count(
    searcher: Searcher, synonyms: Synonyms, table: FacetTable
) -> None:
    pool = MatchPoolCache().pool(searcher, table, "", synonyms, show_closed=False)
    unrecorded = table.unrecorded(pool, {})
    assert unrecorded["activity"] > 0 and unrecorded["target_group"] > 0
    assert unrecorded["region"] == 0  # every provider has a region


def test_documents_with_the_same_values_share_them(table: FacetTable) -> None:
    """One object per combination of a facet's values: pickle then saves it once (the keeper
    saves a table with every index update), and a loaded table shares them again."""
    seen: dict[tuple[str, ...], tuple[str, ...]] = {}
    for record in table.records.values():
        for values in record:
            assert seen.setdefault(values, values) is values
    assert len(seen) < sum(len(record) for record in table.records.values())
    loaded = pickle.loads(pickle.dumps(table))  # noqa: S301 (its own table, just pickled)
    region = FACET_FIELDS.index("region")
    regions = [record[region] for record in loaded.records.values()]
    assert len({id(values) for values in regions}) == len(set(regions))
