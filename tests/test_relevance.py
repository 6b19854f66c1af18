"""The public relevance set (tests/relevance/queries.yaml): recall@10 and MRR must not drop
below the figures recorded in tests/relevance/recorded.yaml (bench/relevance.py prints them)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator

import pytest

from app.config import Settings
from app.interop.bundled import PROVIDERS_CSV
from bench.relevance import (
    Figures,
    Outcome,
    evaluate,
    load_relevance_set,
    record_searcher,
    recorded_figures,
)

REQUIRED_KINDS = {
    "inflected", "compound", "place", "region", "unaccented", "lay", "typo", "swedish", "english",
}  # fmt: skip


@pytest.fixture(scope="module")
def relevance_search(site_settings: Settings) -> Iterator[Callable[[str], Outcome]]:
    search, close = record_searcher(site_settings)
    yield search
    close()


@pytest.fixture(scope="module")
def figures(relevance_search: Callable[[str], Outcome]) -> Figures:
    return evaluate(load_relevance_set(), relevance_search)


def test_the_set_has_sixty_judged_queries_of_every_kind() -> None:
    queries = load_relevance_set()
    with PROVIDERS_CSV.open(encoding="utf-8") as file:
        rows = {row["record_id"]: row for row in csv.DictReader(file)}
    assert len(queries) >= 60
    assert {query.kind for query in queries} >= REQUIRED_KINDS
    assert len({query.text for query in queries}) == len(queries)
    for query in queries:
        assert query.expected, query.text
        for record in query.expected:
            assert record in rows, (query.text, record)
            assert not rows[record]["status"].startswith("closed"), (query.text, record)


def test_recall_at_10_does_not_drop_below_the_recorded_figure(figures: Figures) -> None:
    recorded = recorded_figures()
    assert round(figures.recall_at_10, 3) >= recorded["recall_at_10"], [
        (s.query.text, s.recall) for s in figures.scores if s.recall < 1
    ]


def test_mrr_does_not_drop_below_the_recorded_figure(figures: Figures) -> None:
    recorded = recorded_figures()
    assert round(figures.mrr, 3) >= recorded["mrr"], [
        (s.query.text, s.reciprocal_rank) for s in figures.scores if s.reciprocal_rank < 1
    ]


def test_typos_are_offered_the_word_a_person_meant(figures: Figures) -> None:
    typos = [score for score in figures.scores if score.query.suggestion]
    assert typos
    assert [(s.query.text, s.suggestion) for s in typos] == [
        (s.query.text, s.query.suggestion) for s in typos
    ]
