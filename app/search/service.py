"""Provider search: Finnish-aware text query, filters, facet counts, sorting, suggestions."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from whoosh import query as q
from whoosh.reading import IndexReader as IndexReaderBase
from whoosh.searching import Searcher

from app import geography
from app.catalogue.vocabularies import CATALOGUE_CONTENT_DIR
from app.models import OUTSIDE_SYSTEM_REGION_CODE
from app.search.documents import FACET_FIELDS
from app.search.facet_table import FacetTable, Pool
from app.search.finnish import (
    analyse_query_word,
    compound_parts,
    fold_accents,
    restored_accents,
    spelling_suggestions,
    unaccented_stems,
)
from app.search.hits import SearchHit
from app.search.places import Place, UnderstoodQuery
from app.search.ranking import RankedMatches
from app.search.store import IndexReader, Lease
from app.search.vocabulary import QueryVocabulary

SYNONYMS_FILE = CATALOGUE_CONTENT_DIR / "synonyms.yaml"
MAX_QUERY_WORDS = 12  # longer queries are cut: nobody types more, and it bounds the work
MAX_PER_PAGE = 100
MIN_PREFIX = 3
MIN_CORRECTED_WORD = 4  # shorter words have too many neighbours to guess from
# Words matching fewer providers than this (before filters) are offered a correction too;
# with more, the words are not what is wrong
FEW_RESULTS = 3
MAX_CORRECTED_WORD = 30  # longer "words" are not typos, and Voikko takes long to read them
# Fields whose terms a correction may come from: the analysed text (base forms of every word
# in the providers' texts and labels, "kierrätys", "verhoomo") and names as written ("sotek").
SPELLING_FIELDS = ("text", "plain")
_WORD = re.compile(r"\w+", re.UNICODE)
# Ranking weights of a query word's alternatives: the word's own lemma (and synonyms) first,
# then a compound's meaningful parts ("siivoustöitä" → siivous), then forms found only by
# reading a word typed without ä, ö, å as if it had them ("tyotoiminta" → työtoiminta).
EXACT_BOOST = 4.0
PART_BOOST = 1.0
FOLDED_BOOST = 0.5
NEARBY_SHOWN = 5  # hits shown for "nearest matches elsewhere" and "other places here"

SortOrder = Literal["relevance", "name", "municipality"]
T = TypeVar("T")


@dataclass
class ProviderQuery:
    """A search as the user asked for it; empty lists mean "no filter"."""

    text: str = ""
    region: list[str] = field(default_factory=list)
    municipality: list[str] = field(default_factory=list)
    service: list[str] = field(default_factory=list)
    activity: list[str] = field(default_factory=list)
    target_group: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    sort: SortOrder = "relevance"
    has_free_places: bool = False
    page: int = 1
    per_page: int = 20
    near: str | None = None  # a municipality code: order nearest-first from its centre
    # count the providers with no value per facet (the page's "show all options")
    count_unrecorded: bool = False

    def filters(self) -> dict[str, list[str]]:
        """The active filters by facet field."""
        return {name: values for name in FACET_FIELDS if (values := getattr(self, name))}


@dataclass
class SearchResults:
    """A page of hits with the total, facet counts and a spelling suggestion."""

    total: int
    page: int
    per_page: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None  # a corrected query that finds more
    suggestion_total: int = 0  # how many providers the suggestion finds with these filters
    understood: UnderstoodQuery | None = None  # the place words taken from the text
    advice: PlaceAdvice | None = None  # when a place has nothing for the words
    near: NearOrder | None = None  # when ordered nearest-first from a municipality
    free_places_known: bool = False  # some provider has current free-place figures
    # per facet, matches with no value for it (only when the query asks to count them)
    unrecorded: dict[str, int] = field(default_factory=dict)

    @property
    def places(self) -> tuple[Place, ...]:
        """The places the text named, applied as filters."""
        return self.understood.places if self.understood else ()

    @property
    def page_count(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class NearOrder:
    """Results ordered nearest-first from a municipality's centre ("near me").

    The origin is the `near` parameter, unless the text names a municipality: with near
    me on, a place word says where to measure from ("puutyö Jyväskylässä": woodwork places
    nearest Jyväskylä first) and no longer filters. Region words still filter.
    """

    origin: str  # municipality code
    origin_region: str | None  # the organiser the origin belongs to (None if unknown)
    from_text: bool  # the origin is a municipality the text named, not the `near` parameter
    nearest_region: str | None  # the nearest result's region, when it is another region
    text: str = ""  # the text searched: for `from_text`, the query less municipality words

    @property
    def origin_outside_regions(self) -> bool:
        """The origin is on Åland, which organises its own services (no wellbeing region)."""
        return self.origin_region == OUTSIDE_SYSTEM_REGION_CODE

    def distance_km(self, municipality_code: str | None) -> float | None:
        """Kilometres from the origin to a provider's municipality (None when unknown)."""
        return geography.distance_km(self.origin, municipality_code)


@dataclass(frozen=True)
class Nearby:
    """Providers near a place that has none for the words: in its region, the country, or
    (scope "place") the place's providers without the words."""

    scope: Literal["region", "country", "place"]
    code: str | None  # the region for scope "region", else None
    total: int
    hits: list[SearchHit]


@dataclass(frozen=True)
class PlaceAdvice:
    """What to say when the named place has no match: is it empty, and what is near."""

    place_is_empty: bool  # the catalogue has no provider in the place at all
    region_is_empty: bool  # nor in the place's region
    elsewhere: Nearby | None  # the words' matches nearest the place
    in_place: Nearby | None  # the place's other providers


class Synonyms:
    """Groups of words searched as one (`synonyms.yaml`)."""

    def __init__(self, path: Path = SYNONYMS_FILE) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._group_of: dict[str, tuple[str, ...]] = {}
        self.generic_heads = frozenset(str(word).lower() for word in raw.get("generic_heads", ()))
        for group in raw["groups"]:
            words = tuple(str(word).lower() for word in group)
            for word in words:
                self._group_of[word] = words

    def expand(self, forms: tuple[str, ...]) -> list[str]:
        """The forms plus every word in a group that one of them belongs to."""
        expanded = list(forms)
        for form in forms:
            for word in self._group_of.get(form, ()):
                for word_form in analyse_query_word(word):
                    if word_form not in expanded:
                        expanded.append(word_form)
        return expanded


def query_words(text: str) -> list[str]:
    """The words of a free-text query; query syntax characters are simply ignored."""
    return _WORD.findall(text)[:MAX_QUERY_WORDS]


def word_query(
    word: str, synonyms: Synonyms, searcher: Searcher, vocabulary: QueryVocabulary
) -> q.Query:
    """One query word: its lemmas and synonyms, a name prefix, a compound's meaningful
    parts (ranked lower), and, for a word typed without ä, ö, å that the index does not
    have, the index's words that differ from it only by those letters, or else the lemmas
    Voikko reads once they are put back (ranked lowest)."""
    reader = searcher.reader()
    lowered = word.lower()
    forms = synonyms.expand(analyse_query_word(word))
    exact: list[q.Query] = [q.Term("text", form) for form in forms]
    exact.append(q.Term("plain", lowered))
    if len(lowered) >= MIN_PREFIX:
        exact.append(q.Prefix("plain", lowered))
    alternatives: list[q.Query] = [q.Or(exact, boost=EXACT_BOOST)]
    # A part absent from the index cannot match: leaving it out keeps the others useful
    # ("puusepäntöitä": seppä is nowhere, puu is).
    parts = [
        part
        for part in compound_parts(lowered)
        if part not in synonyms.generic_heads and ("text", part) in reader
    ]
    if parts:
        part_queries = [
            q.Or([q.Term("text", form) for form in synonyms.expand((part,))]) for part in parts
        ]
        alternatives.append(q.And(part_queries, boost=PART_BOOST))
    if fold_accents(lowered) == lowered and not any(("text", form) in reader for form in forms):
        # the word as typed, else less a case ending ("tyotoimintaan" → työtoiminta)
        accented = next(
            (found for stem in unaccented_stems(lowered) if (found := vocabulary.folded.get(stem))),
            (),
        )
        if accented:
            accented_forms = synonyms.expand(accented)
            alternatives.append(
                q.Or([q.Term("text", form) for form in accented_forms], boost=FOLDED_BOOST)
            )
        elif spellings := restored_accents(lowered):
            # a stem that changes in inflection ("tyotoiminnassa"): the spellings Voikko
            # reads with ä/ö put back, searched as if typed so (with compound parts)
            alternatives.append(
                q.Or(
                    [
                        word_query(spelling, synonyms, searcher, vocabulary)
                        for spelling in spellings
                    ],
                    boost=FOLDED_BOOST,
                )
            )
    return q.Or(alternatives)


def text_query(
    words: Sequence[str], synonyms: Synonyms, searcher: Searcher, vocabulary: QueryVocabulary
) -> q.Query:
    """All words must match, each by any of its forms (see `word_query`)."""
    clauses = [word_query(word, synonyms, searcher, vocabulary) for word in words]
    return q.And(clauses) if clauses else q.Every()


class MatchPoolCache:
    """Recently searched texts and their pools, for one index generation.

    Many people search the same few words ("kuntouttava", a town). A text's pool (the
    documents it matches, best first, with their facet values counted) does not depend on
    the filters, so it is kept and reused. Bounded by texts and by documents held: a text
    that matches everything holds every document.
    """

    def __init__(
        self, size: int = 512, max_documents: int = 500_000, directory: Path | None = None,
        ranked_matches: RankedMatches | None = None,
    ) -> None:  # fmt: skip
        self.size = size
        self.directory = directory  # the generation's folder, with its saved vocabulary
        # Whoosh's matches of each query, carried over from earlier generations (the node's)
        self.ranked_matches = ranked_matches
        self.max_documents = max_documents
        self._items: OrderedDict[tuple[str, bool], Pool] = OrderedDict()
        self._documents = 0
        self._lock = threading.Lock()
        # One lock per text being searched: requests that arrive for the same new text
        # wait for the first one's result instead of all running the Whoosh query at once.
        self._computing: dict[tuple[str, bool], threading.Lock] = {}
        self._vocabulary: QueryVocabulary | None = None
        # corrected texts ("did you mean") of the kept texts that match few documents,
        # kept and dropped with their pools
        self._corrections: dict[tuple[str, bool], str] = {}

    def vocabulary(self, searcher: Searcher) -> QueryVocabulary:
        """The generation's place names and folded words, loaded on first use."""
        with self._lock:
            if self._vocabulary is None:
                if self.directory is None:
                    self._vocabulary = QueryVocabulary.from_searcher(searcher)
                else:
                    self._vocabulary = QueryVocabulary.for_generation(searcher, self.directory)
            return self._vocabulary

    def understand(self, searcher: Searcher, text: str) -> UnderstoodQuery:
        """The text's place words as places, and the words left to search the text with."""
        return self.vocabulary(searcher).places.understand(query_words(text))

    def correction(self, text: str, *, show_closed: bool) -> str | None:
        """The corrected text read with the text's pool, if it matched few documents."""
        with self._lock:
            return self._corrections.get(self._key(text, show_closed))

    @classmethod
    def for_lease(cls, lease: Lease) -> MatchPoolCache:
        """A new, empty cache for the leased generation (see `Lease.shared_with`)."""
        return cls(directory=lease.directory, ranked_matches=lease.lasting(RankedMatches))

    def _ranked(self, searcher: Searcher, query: q.Query) -> list[int]:
        """The query's matching documents, best first."""
        if self.ranked_matches is None or self.directory is None:
            ranked = searcher.search(query, limit=None).top_n
        else:
            ranked = self.ranked_matches.ranked(searcher, self.directory.name, query)
        return [docnum for _score, docnum in ranked]

    @staticmethod
    def _key(text: str, show_closed: bool) -> tuple[str, bool]:
        return " ".join(word.lower() for word in query_words(text)), show_closed

    def holds(self, text: str, *, show_closed: bool) -> bool:
        """True when the text's pool is kept and matches something."""
        with self._lock:
            pool = self._items.get(self._key(text, show_closed))
        return pool is not None and bool(pool.docnums)

    def pool(
        self, searcher: Searcher, table: FacetTable, text: str, synonyms: Synonyms, *,
        show_closed: bool,
    ) -> Pool:  # fmt: skip
        """The documents matching the text that may be shown (all of them for no text)."""
        key = self._key(text, show_closed)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            text_lock = self._computing.setdefault(key, threading.Lock())
        with text_lock:
            with self._lock:
                if key in self._items:  # another request searched it meanwhile
                    return self._items[key]
            understood = self.understand(searcher, text)
            vocabulary = self.vocabulary(searcher)
            pool = self._search(
                searcher, table, understood, synonyms, vocabulary, show_closed=show_closed
            )
            corrected = None
            if understood.words and len(pool.docnums) < FEW_RESULTS:
                # read now, in the search's thread, with the corrected text's own pool: a
                # later request for this text may be answered on the event loop
                corrected = suggest_spelling(searcher, text, synonyms, understood.place_words)
                if corrected:
                    self.pool(searcher, table, corrected, synonyms, show_closed=show_closed)
            self._keep(key, pool, corrected)
        with self._lock:
            self._computing.pop(key, None)
        return pool

    def _search(
        self, searcher: Searcher, table: FacetTable, understood: UnderstoodQuery,
        synonyms: Synonyms, vocabulary: QueryVocabulary, *, show_closed: bool,
    ) -> Pool:  # fmt: skip
        ranked: Iterable[int]
        if understood.words:
            ranked = self._ranked(
                searcher, text_query(understood.words, synonyms, searcher, vocabulary)
            )
        else:
            ranked = table.records
        if understood.places:
            # The place's providers, and those whose texts name it (a foundation elsewhere
            # that says it works in Jyväskylä): a place word used to find both.
            inside = table.in_places(understood.places)
            mention_query = text_query(understood.place_words, synonyms, searcher, vocabulary)
            mentions = self._ranked(searcher, mention_query)
            if understood.words:
                allowed = inside.union(mentions)
                ranked = filter(allowed.__contains__, ranked)
            else:  # a place alone: its own providers by name, then those naming it
                ranked = [
                    *filter(inside.__contains__, table.by_name),
                    *(d for d in mentions if d not in inside),
                ]
        return table.pool(table.visible(ranked, show_closed=show_closed))

    def _keep(self, key: tuple[str, bool], pool: Pool, corrected: str | None) -> None:
        with self._lock:
            self._items[key] = pool
            if corrected:
                self._corrections[key] = corrected
            self._documents += len(pool.docnums)
            while len(self._items) > 1 and (
                len(self._items) > self.size or self._documents > self.max_documents
            ):
                dropped_key, dropped = self._items.popitem(last=False)
                self._corrections.pop(dropped_key, None)
                self._documents -= len(dropped.docnums)


def _request_pool(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms, text: str,
) -> Pool:  # fmt: skip
    """The text's pool, less providers without free places when only those are asked for."""
    show_closed = "closed" in request.status
    pool = cache.pool(searcher, table, text, synonyms, show_closed=show_closed)
    if request.has_free_places:
        pool = table.pool(table.with_free_places(pool.docnums, dt.date.today()))
    return pool


def _ordered_matches(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms, text: str | None = None, origin: str | None = None,
) -> tuple[list[int], dict[str, dict[str, int]]]:  # fmt: skip
    """Matching documents in the requested order, and the facet counts; with an origin,
    nearest first, the requested order breaking ties (same municipality)."""
    text = request.text if text is None else text
    pool = _request_pool(searcher, table, cache, request, synonyms, text)
    matched, facets = table.filter_and_count(pool, request.filters())
    if not (request.sort == "relevance" and query_words(text)):
        # (else already best first; a place alone: by name)
        matched = table.sorted_by(matched, request.sort)
    if origin is not None:
        matched = geography.nearest_first(matched, origin, table.municipalities)
    return matched, facets


def near_origin(
    request: ProviderQuery, understood: UnderstoodQuery
) -> tuple[str | None, str, bool]:
    """Where to measure distances from, the text left to search, and whether the origin
    is a municipality named in the text (see `NearOrder`).

    Without `near`, nothing is measured and place words filter. With it, the first
    municipality the text names is the origin and municipality words leave the text.
    """
    if not request.near:
        return None, request.text, False
    named = next((place for place in understood.places if place.kind == "municipality"), None)
    if named is None:
        return request.near, request.text, False
    return named.code, understood.text_without_municipalities(), True


def _near_order(
    table: FacetTable, vocabulary: QueryVocabulary, origin: str | None, from_text: bool,
    matched: list[int], text: str,
) -> NearOrder | None:  # fmt: skip
    if origin is None:
        return None
    place = vocabulary.places.municipality(origin)
    origin_region = place.region if place else None
    nearest_region = None
    if matched and geography.distance_km(origin, table.municipality_of(matched[0])) is not None:
        region = table.region_of(matched[0])
        if region != origin_region:
            nearest_region = region
    return NearOrder(origin, origin_region, from_text, nearest_region, text)


def _hits(searcher: Searcher, docnums: list[int]) -> list[SearchHit]:
    return [
        SearchHit.from_stored(fields)
        for docnum in docnums
        if (fields := searcher.stored_fields(docnum))
    ]


def place_advice(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms, understood: UnderstoodQuery,
) -> PlaceAdvice:  # fmt: skip
    """For a place with no match: is it empty, where the words match nearest, and what the
    place has without the words. Never a bare "try fewer words"."""
    show_closed = "closed" in request.status
    in_place_all = table.visible(table.in_places(understood.places), show_closed=show_closed)
    regions = tuple(
        Place("region", region, region)
        for region in dict.fromkeys(place.region for place in understood.places)
    )
    region_all = table.visible(table.in_places(regions), show_closed=show_closed)
    elsewhere = in_place = None
    if understood.words:
        # nearest first from a named municipality: "nearest matches" are the nearest
        first = understood.places[0]
        origin = first.code if first.kind == "municipality" else None
        everywhere, _ = _ordered_matches(
            searcher, table, cache, request, synonyms, text=understood.text, origin=origin
        )
        # the region comes first only for municipalities of one region: a region place has
        # no nearer region, and places in several regions have no one nearest
        in_region = set(region_all)
        near_region = (
            [d for d in everywhere if d in in_region]
            if len(regions) == 1 and understood.places[0].kind == "municipality"
            else []
        )
        if near_region:
            elsewhere = Nearby(
                "region",
                regions[0].code,
                len(near_region),
                _hits(searcher, near_region[:NEARBY_SHOWN]),
            )
        elif everywhere:
            elsewhere = Nearby(
                "country", None, len(everywhere), _hits(searcher, everywhere[:NEARBY_SHOWN])
            )
        others, _ = _ordered_matches(
            searcher, table, cache, request, synonyms, text=understood.place_text()
        )
        if others:
            in_place = Nearby("place", None, len(others), _hits(searcher, others[:NEARBY_SHOWN]))
    return PlaceAdvice(
        place_is_empty=not in_place_all,
        region_is_empty=not region_all,
        elsewhere=elsewhere,
        in_place=in_place,
    )


def search_providers(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms,
) -> SearchResults:  # fmt: skip
    """Run one search: hits for the requested page, facet counts and a suggestion; when a
    place named in the text has no match, advice on what is near."""
    per_page = max(1, min(request.per_page, MAX_PER_PAGE))
    page = max(1, request.page)
    origin, text, from_text = near_origin(request, cache.understand(searcher, request.text))
    matched, facets = _ordered_matches(searcher, table, cache, request, synonyms, text, origin)
    start = (page - 1) * per_page
    hits = _hits(searcher, matched[start : start + per_page])
    understood = cache.understand(searcher, text)  # the place words that filter
    near = _near_order(table, cache.vocabulary(searcher), origin, from_text, matched, text)
    suggestion = advice = None
    suggestion_total = 0
    if not matched and understood.places:
        advice = place_advice(searcher, table, cache, request, synonyms, understood)
    if len(matched) < FEW_RESULTS and understood.words:
        corrected = cache.correction(text, show_closed="closed" in request.status)
        if corrected:
            found, _ = _ordered_matches(searcher, table, cache, request, synonyms, text=corrected)
            if len(found) > len(matched):  # offered only when it finds more
                suggestion, suggestion_total = corrected, len(found)
    unrecorded = {}
    if request.count_unrecorded:
        pool = _request_pool(searcher, table, cache, request, synonyms, text)
        unrecorded = table.unrecorded(pool, request.filters())
    return SearchResults(
        len(matched), page, per_page, hits, facets, suggestion, suggestion_total, understood,
        advice, near=near, free_places_known=table.free_places_known(dt.date.today()),
        unrecorded=unrecorded,
    )  # fmt: skip


def matching_provider_ids(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms, limit: int,
) -> list[int]:  # fmt: skip
    """Ids of all matching providers in the requested order, at most `limit` (for exports)."""
    origin, text, _from_text = near_origin(request, cache.understand(searcher, request.text))
    matched, _facets = _ordered_matches(searcher, table, cache, request, synonyms, text, origin)
    return [int(searcher.stored_fields(docnum)["provider_id"]) for docnum in matched[:limit]]


@dataclass
class ProviderSearch:
    """What one request searches with: the index reader and the synonyms.

    The searcher is taken when a search runs, in the thread that runs it: Whoosh searchers
    are per thread, and a request's dependencies may run in another thread than its handler.
    A search leases one generation: its searcher, facet table and match cache all belong to
    it, and the searcher stays open until the search is done, even if a newer generation is
    swapped in meanwhile.
    """

    index_reader: IndexReader
    synonyms: Synonyms

    def _run(self, work: Callable[[Searcher, FacetTable, MatchPoolCache], T]) -> T:
        def leased(lease: Lease) -> T:
            table = lease.shared_with(FacetTable.for_lease)
            cache = lease.shared_with(MatchPoolCache.for_lease)
            return work(lease.searcher, table, cache)

        return self.index_reader.run(leased)

    def is_quick(self, request: ProviderQuery) -> bool:
        """True when the search will be answered from cached work, in about a millisecond.

        A text searched recently has its pool cached; any other costs a Whoosh search
        (13 ms at 10 000 providers, 165 ms at 100 000) and a spelling suggestion may
        follow when nothing matches.
        """
        if request.near and request.text:
            return False  # a place word may be the origin: the text searched is not known yet
        with self.index_reader.lease() as lease:
            cache = lease.shared_with(MatchPoolCache.for_lease)
        return cache.holds(request.text, show_closed="closed" in request.status)

    def search(self, request: ProviderQuery) -> SearchResults:
        """One page of results with facet counts."""
        return self._run(
            lambda searcher, table, cache: search_providers(
                searcher, table, cache, request, self.synonyms
            )
        )

    def distance_origin(self, request: ProviderQuery) -> str | None:
        """The municipality results are ordered nearest-first from (see `near_origin`), or
        None when they are not (no `near`): for lists built from `matching_ids`."""
        return self._run(
            lambda searcher, _table, cache: near_origin(
                request, cache.understand(searcher, request.text)
            )[0]
        )

    def matching_ids(self, request: ProviderQuery, limit: int) -> list[int]:
        """All matching provider ids in order, at most `limit`."""
        return self._run(
            lambda searcher, table, cache: matching_provider_ids(
                searcher, table, cache, request, self.synonyms, limit
            )
        )


def prepare_search(index_reader: IndexReader) -> None:
    """Open the index and build its facet table now, not during someone's first search.

    At 100 000 providers the facet table takes about 3 s to build. The generation's query
    vocabulary (place names, words by their spelling without ä/ö/å) is read here too.
    """
    with index_reader.lease() as lease:
        lease.shared_with(FacetTable.for_lease)
        lease.shared_with(MatchPoolCache.for_lease).vocabulary(lease.searcher)


def typo_distance(typed: str, word: str) -> int:
    """Edits between two words, a swap of neighbouring letters counting as one edit."""
    rows = [list(range(len(word) + 1))]
    for i, typed_char in enumerate(typed, start=1):
        row = [i]
        for j, word_char in enumerate(word, start=1):
            cost = 0 if typed_char == word_char else 1
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost))
            if i > 1 and j > 1 and typed_char == word[j - 2] and typed[i - 2] == word_char:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _is_known(reader: IndexReaderBase, word: str, synonyms: Synonyms) -> bool:
    """True when the index has the word as written (names), or one of its base forms or
    their synonyms ("kirpputori" finds what kierrätys finds)."""
    lowered = word.lower()
    return ("plain", lowered) in reader or any(
        ("text", form) in reader for form in synonyms.expand(analyse_query_word(lowered))
    )


def correct_word(searcher: Searcher, word: str, synonyms: Synonyms) -> str | None:
    """A correction of a word the index does not know, as a person would type it.

    First Voikko's corrections that the index knows, inflection kept ("kierätystä" →
    kierrätystä, "Kouvla" → Kouvola); else the index word nearest to it: fewest edits (a
    swap of neighbouring letters is one), then the word more providers use ("Sotke" →
    sotek). None when nothing is within two edits.
    """
    lowered = word.lower()
    reader = searcher.reader()
    for spelling in spelling_suggestions(lowered):
        if " " not in spelling and _is_known(reader, spelling, synonyms):
            return spelling
    candidates: dict[str, int] = {}
    for fieldname in SPELLING_FIELDS:
        for candidate in searcher.corrector(fieldname).suggest(lowered, limit=8, maxdist=2):
            if len(candidate) >= MIN_CORRECTED_WORD and "_" not in candidate:
                frequency = reader.doc_frequency(fieldname, candidate)
                candidates[candidate] = max(candidates.get(candidate, 0), frequency)
    if not candidates:
        return None
    return min(candidates, key=lambda c: (typo_distance(lowered, c), -candidates[c], c))


def suggest_spelling(
    searcher: Searcher, text: str, synonyms: Synonyms, keep: Iterable[str] = ()
) -> str | None:
    """A corrected query from the index's own words ("did you mean"), if any: each word the
    index does not know is replaced by its nearest index word, in its base form as a person
    would type it ("kierätys" → kierrätys, "verhomo" → verhoomo). Words in `keep` (place
    words already understood) and short words are left as they are."""
    corrected, changed = [], False
    kept = set(keep)
    reader = searcher.reader()
    for word in query_words(text):
        lowered = word.lower()
        replacement = lowered
        guessable = MIN_CORRECTED_WORD <= len(lowered) <= MAX_CORRECTED_WORD and word not in kept
        if guessable and not _is_known(reader, word, synonyms):
            replacement = correct_word(searcher, lowered, synonyms) or lowered
        changed = changed or replacement.lower() != lowered
        corrected.append(replacement if replacement.lower() != lowered else word)
    return " ".join(corrected) if changed else None
