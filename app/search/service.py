"""Provider search: Finnish-aware text query, filters, facet counts, sorting, suggestions."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from whoosh import query as q
from whoosh.searching import Searcher

from app.catalogue.vocabularies import CATALOGUE_CONTENT_DIR
from app.search.documents import FACET_FIELDS
from app.search.facet_table import FacetTable, Pool
from app.search.finnish import analyse_query_word
from app.search.hits import SearchHit
from app.search.store import IndexReader

SYNONYMS_FILE = CATALOGUE_CONTENT_DIR / "synonyms.yaml"
MAX_QUERY_WORDS = 12  # longer queries are cut: nobody types more, and it bounds the work
MAX_PER_PAGE = 100
MIN_PREFIX = 3
MIN_CORRECTED_WORD = 4  # shorter words have too many neighbours to guess from
_WORD = re.compile(r"\w+", re.UNICODE)

SortOrder = Literal["relevance", "name", "municipality"]


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
    suggestion: str | None = None

    @property
    def page_count(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))


class Synonyms:
    """Groups of words searched as one (`synonyms.yaml`)."""

    def __init__(self, path: Path = SYNONYMS_FILE) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._group_of: dict[str, tuple[str, ...]] = {}
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


def text_query(text: str, synonyms: Synonyms) -> q.Query:
    """All words must match, each by any of its forms, synonyms or as a name prefix."""
    clauses: list[q.Query] = []
    for word in query_words(text):
        forms = synonyms.expand(analyse_query_word(word))
        alternatives: list[q.Query] = [q.Term("text", form) for form in forms]
        lowered = word.lower()
        alternatives.append(q.Term("plain", lowered))
        if len(lowered) >= MIN_PREFIX:
            alternatives.append(q.Prefix("plain", lowered))
        clauses.append(q.Or(alternatives))
    return q.And(clauses) if clauses else q.Every()


class MatchPoolCache:
    """Recently searched texts and their pools, for one index generation.

    Many people search the same few words ("kuntouttava", a town). A text's pool (the
    documents it matches, best first, with their facet values counted) does not depend on
    the filters, so it is kept and reused. Bounded by texts and by documents held: a text
    that matches everything holds every document.
    """

    def __init__(self, size: int = 512, max_documents: int = 500_000) -> None:
        self.size = size
        self.max_documents = max_documents
        self._items: OrderedDict[tuple[str, bool], Pool] = OrderedDict()
        self._documents = 0
        self._lock = threading.Lock()
        # One lock per text being searched: requests that arrive for the same new text
        # wait for the first one's result instead of all running the Whoosh query at once.
        self._computing: dict[tuple[str, bool], threading.Lock] = {}

    @classmethod
    def for_generation(cls, _searcher: Searcher) -> MatchPoolCache:
        """A new, empty cache (the signature suits `IndexReader.shared`)."""
        return cls()

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
            pool = self._search(searcher, table, text, synonyms, show_closed=show_closed)
            self._keep(key, pool)
        with self._lock:
            self._computing.pop(key, None)
        return pool

    @staticmethod
    def _search(
        searcher: Searcher, table: FacetTable, text: str, synonyms: Synonyms, *,
        show_closed: bool,
    ) -> Pool:  # fmt: skip
        if query_words(text):
            results = searcher.search(text_query(text, synonyms), limit=None)
            ranked = (docnum for _score, docnum in results.top_n)
            return table.pool(table.visible(ranked, show_closed=show_closed))
        return table.pool(table.visible(table.records, show_closed=show_closed))

    def _keep(self, key: tuple[str, bool], pool: Pool) -> None:
        with self._lock:
            self._items[key] = pool
            self._documents += len(pool.docnums)
            while len(self._items) > 1 and (
                len(self._items) > self.size or self._documents > self.max_documents
            ):
                _key, dropped = self._items.popitem(last=False)
                self._documents -= len(dropped.docnums)


def _ordered_matches(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms,
) -> tuple[list[int], dict[str, dict[str, int]]]:  # fmt: skip
    """Matching documents in the requested order, and the facet counts."""
    show_closed = "closed" in request.status
    pool = cache.pool(searcher, table, request.text, synonyms, show_closed=show_closed)
    if request.has_free_places:
        pool = table.pool(table.with_free_places(pool.docnums, dt.date.today()))
    matched, facets = table.filter_and_count(pool, request.filters())
    if query_words(request.text) and request.sort == "relevance":
        return matched, facets  # already best first
    return table.sorted_by(matched, request.sort), facets


def search_providers(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms,
) -> SearchResults:  # fmt: skip
    """Run one search: hits for the requested page, facet counts and a suggestion."""
    per_page = max(1, min(request.per_page, MAX_PER_PAGE))
    page = max(1, request.page)
    matched, facets = _ordered_matches(searcher, table, cache, request, synonyms)
    start = (page - 1) * per_page
    hits = [
        SearchHit.from_stored(fields)
        for docnum in matched[start : start + per_page]
        if (fields := searcher.stored_fields(docnum))
    ]
    suggestion = None
    if not matched and query_words(request.text):
        suggestion = suggest_spelling(searcher, request.text)
    return SearchResults(len(matched), page, per_page, hits, facets, suggestion)


def matching_provider_ids(
    searcher: Searcher, table: FacetTable, cache: MatchPoolCache, request: ProviderQuery,
    synonyms: Synonyms, limit: int,
) -> list[int]:  # fmt: skip
    """Ids of all matching providers in the requested order, at most `limit` (for exports)."""
    matched, _facets = _ordered_matches(searcher, table, cache, request, synonyms)
    return [int(searcher.stored_fields(docnum)["provider_id"]) for docnum in matched[:limit]]


@dataclass
class ProviderSearch:
    """What one request searches with: the index reader and the synonyms.

    The searcher is taken when a search runs, in the thread that runs it: Whoosh searchers
    are per thread, and a request's dependencies may run in another thread than its handler.
    """

    index_reader: IndexReader
    synonyms: Synonyms

    def _parts(self) -> tuple[Searcher, FacetTable, MatchPoolCache]:
        searcher = self.index_reader.searcher()
        table = self.index_reader.shared(FacetTable.from_searcher)
        cache = self.index_reader.shared(MatchPoolCache.for_generation)
        return searcher, table, cache

    def is_quick(self, request: ProviderQuery) -> bool:
        """True when the search will be answered from cached work, in about a millisecond.

        A text searched recently has its pool cached; any other costs a Whoosh search
        (13 ms at 10 000 providers, 165 ms at 100 000) and a spelling suggestion may
        follow when nothing matches.
        """
        cache = self.index_reader.shared(MatchPoolCache.for_generation)
        return cache.holds(request.text, show_closed="closed" in request.status)

    def search(self, request: ProviderQuery) -> SearchResults:
        """One page of results with facet counts."""
        return search_providers(*self._parts(), request, self.synonyms)

    def matching_ids(self, request: ProviderQuery, limit: int) -> list[int]:
        """All matching provider ids in order, at most `limit`."""
        return matching_provider_ids(*self._parts(), request, self.synonyms, limit)


def prepare_search(index_reader: IndexReader) -> None:
    """Open the index and build its facet table now, not during someone's first search.

    At 100 000 providers the facet table takes about 3 s to build.
    """
    index_reader.shared(FacetTable.from_searcher)


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


def suggest_spelling(searcher: Searcher, text: str) -> str | None:
    """A corrected query from names and places in the index ("did you mean"), if any."""
    corrected, changed = [], False
    for word in query_words(text):
        lowered = word.lower()
        replacement = lowered
        guessable = (
            len(lowered) >= MIN_CORRECTED_WORD and ("plain", lowered) not in searcher.reader()
        )
        if guessable:
            suggestions = searcher.corrector("plain").suggest(lowered, limit=5, maxdist=2)
            if suggestions:
                # typing two letters the wrong way round is the commonest slip: count it as one
                replacement = min(suggestions, key=lambda word: typo_distance(lowered, word))
        changed = changed or replacement != lowered
        corrected.append(replacement)
    return " ".join(corrected) if changed else None
