"""Provider search: Finnish-aware text query, filters, facet counts, sorting, suggestions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from whoosh import query as q
from whoosh import sorting
from whoosh.searching import Searcher

from app.catalogue.finnish import analyse_query_word
from app.catalogue.index_documents import FACET_FIELDS
from app.catalogue.mapping import CATALOGUE_CONTENT_DIR

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
    page: int = 1
    per_page: int = 20

    def filters(self) -> dict[str, list[str]]:
        """The active filters by facet field."""
        return {name: values for name in FACET_FIELDS if (values := getattr(self, name))}


@dataclass
class SearchHit:
    """One provider in the results, from the index's stored fields."""

    provider_id: int
    fields: dict[str, Any]


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
        alternatives: list[q.Query] = [
            q.Term(fieldname, form) for form in forms for fieldname in ("name", "place", "body")
        ]
        lowered = word.lower()
        alternatives.append(q.Term("name_plain", lowered))
        alternatives.append(q.Term("place_plain", lowered))
        if len(lowered) >= MIN_PREFIX:
            alternatives.append(q.Prefix("name_plain", lowered))
            alternatives.append(q.Prefix("place_plain", lowered))
        clauses.append(q.Or(alternatives))
    return q.And(clauses) if clauses else q.Every()


def _filter_query(filters: dict[str, list[str]], *, show_closed: bool) -> q.Query:
    clauses: list[q.Query] = [q.Term("kind", "provider")]
    for fieldname, values in filters.items():
        clauses.append(q.Or([q.Term(fieldname, value) for value in values]))
    if not show_closed:
        clauses.append(q.Not(q.Term("status", "closed")))
    return q.And(clauses)


def _facet_counts(
    searcher: Searcher,
    text: q.Query,
    filters: dict[str, list[str]],
    names: list[str],
    show_closed: bool,
) -> dict[str, dict[str, int]]:
    facets = {
        name: sorting.FieldFacet(name, allow_overlap=True, maptype=sorting.Count) for name in names
    }
    results = searcher.search(
        text, filter=_filter_query(filters, show_closed=show_closed), groupedby=facets, limit=1
    )
    return {name: {k: v for k, v in results.groups(name).items() if k} for name in names}


def _sort_order(request: ProviderQuery) -> Any:
    """Whoosh sort: by score for text queries, else by name or municipality then name."""
    if request.sort == "municipality":
        return sorting.MultiFacet(["municipality_sort", "name_sort"])
    if request.sort == "relevance" and query_words(request.text):
        return None
    return "name_sort"


def search_providers(
    searcher: Searcher, request: ProviderQuery, synonyms: Synonyms
) -> SearchResults:
    """Run one search: hits for the requested page, facet counts and a suggestion."""
    per_page = max(1, min(request.per_page, MAX_PER_PAGE))
    page = max(1, request.page)
    text = text_query(request.text, synonyms)
    filters = request.filters()
    show_closed = "closed" in request.status
    results = searcher.search_page(
        text,
        page,
        pagelen=per_page,
        filter=_filter_query(filters, show_closed=show_closed),
        sortedby=_sort_order(request),
    )
    hits = [SearchHit(int(hit["provider_id"]), dict(hit)) for hit in results]
    # Facets are disjunctive: a facet's own filter is left out of its counts, so that the
    # other values stay visible (and selectable) after one is chosen.
    unfiltered = [name for name in FACET_FIELDS if name not in filters]
    facets = _facet_counts(searcher, text, filters, unfiltered, show_closed)
    for name in filters:
        others = {key: value for key, value in filters.items() if key != name}
        facets.update(_facet_counts(searcher, text, others, [name], show_closed))
    suggestion = None
    if results.total == 0 and query_words(request.text):
        suggestion = suggest_spelling(searcher, request.text)
    return SearchResults(results.total, page, per_page, hits, facets, suggestion)


def suggest_spelling(searcher: Searcher, text: str) -> str | None:
    """A corrected query from names and places in the index ("did you mean"), if any."""
    corrected, changed = [], False
    for word in query_words(text):
        lowered = word.lower()
        replacement = lowered
        known = any((f, lowered) in searcher.reader() for f in ("name_plain", "place_plain"))
        guessable = len(lowered) >= MIN_CORRECTED_WORD and not known
        for fieldname in ("name_plain", "place_plain") if guessable else ():
            suggestions = searcher.corrector(fieldname).suggest(lowered, limit=1, maxdist=2)
            if suggestions and suggestions[0] != lowered:
                replacement = suggestions[0]
                break
        changed = changed or replacement != lowered
        corrected.append(replacement)
    return " ".join(corrected) if changed else None


def matching_provider_ids(
    searcher: Searcher, request: ProviderQuery, synonyms: Synonyms, limit: int
) -> list[int]:
    """Ids of all matching providers in the requested order, at most `limit` (for exports)."""
    results = searcher.search(
        text_query(request.text, synonyms),
        filter=_filter_query(request.filters(), show_closed="closed" in request.status),
        sortedby=_sort_order(request),
        limit=limit,
    )
    return [int(hit["provider_id"]) for hit in results]
