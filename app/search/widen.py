"""On a search with no results: which constraint emptied the list, and what widening it finds.

Each constraint of the query (the words, each filter, "only free places") is dropped in
turn and the search counted again; for several words, each word is also tried alone; a
region filter is also tried with each nearby region instead (`geography.nearby_regions`:
nearest by municipality centroids, as no source lists which regions border each other).
Only widenings that find something are returned, so every one can be offered as a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from app.geography import nearby_regions
from app.search.places import UnderstoodQuery
from app.search.service import ProviderQuery, SearchResults, query_words

WideningKind = Literal[
    "without-text", "one-word", "without-filter", "without-free-places", "nearby-region"
]


@dataclass(frozen=True)
class Widening:
    """A wider search and how many providers it finds."""

    kind: WideningKind
    count: int
    facet: str | None = None  # for "without-filter": the facet left out
    word: str | None = None  # for "one-word": the word searched alone
    region: str | None = None  # for "nearby-region": the region searched instead
    text: str | None = None  # for "nearby-region": the words searched there (no place word)


def _candidates(
    query: ProviderQuery, understood: UnderstoodQuery | None
) -> list[tuple[Widening, ProviderQuery]]:
    first = replace(query, page=1, per_page=1)
    found: list[tuple[Widening, ProviderQuery]] = []
    filters = query.filters()
    if query.text and (filters or query.has_free_places):
        found.append((Widening("without-text", 0), replace(first, text="")))
    words = list(dict.fromkeys(query_words(query.text)))
    if len(words) > 1:
        found += [(Widening("one-word", 0, word=word), replace(first, text=word)) for word in words]
    for facet in filters:
        wider = replace(first)
        setattr(wider, facet, [])  # a facet field by name (FACET_FIELDS)
        found.append((Widening("without-filter", 0, facet=facet), wider))
    if query.has_free_places:
        found.append((Widening("without-free-places", 0), replace(first, has_free_places=False)))
    return found + _nearby_candidates(first, understood)


def _nearby_candidates(
    first: ProviderQuery, understood: UnderstoodQuery | None
) -> list[tuple[Widening, ProviderQuery]]:
    """The same search in each region near the chosen ones (nearest first), other filters
    kept. A place named in the words ("Vasa") counts as chosen: the nearby search keeps the
    other words and leaves the place word out."""
    places = understood.places if understood else ()
    chosen = list(dict.fromkeys([*first.region, *(place.region for place in places)]))
    text = " ".join(understood.words) if understood and places else first.text
    nearby = nearby_regions()
    codes = [code for region in chosen for code in nearby.get(region, ()) if code not in chosen]
    return [
        (
            Widening("nearby-region", 0, region=code, text=text),
            replace(first, text=text, region=[code]),
        )
        for code in dict.fromkeys(codes)
    ]


def widenings(
    search: Callable[[ProviderQuery], SearchResults],
    query: ProviderQuery,
    understood: UnderstoodQuery | None = None,
) -> list[Widening]:
    """The widenings of an empty search that find at least one provider, with their counts.

    `understood` is the empty search's reading of its words: the places it named.
    """
    counted = [
        replace(widening, count=search(wider).total)
        for widening, wider in _candidates(query, understood)
    ]
    return [widening for widening in counted if widening.count > 0]
