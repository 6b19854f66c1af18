"""Ranking figures fixed per base, and queries' matches carried from one generation to the
next: what a node computes cheaply after an update must equal a full search."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh import scoring
from whoosh.searching import Searcher

from app.search import ranking
from app.search.derived import write_derived_files
from app.search.ranking import STATISTICS_FILE, BaseRankedBM25F, RankedMatches, Weightings
from app.search.service import ProviderQuery, ProviderSearch, Synonyms, query_words, text_query
from app.search.store import IndexReader, build_index, update_index
from app.search.vocabulary import QueryVocabulary
from tests.test_generation_updates import SCHEMA, places, provider, random_update, seeded

TEXTS = [
    "kierrätys", "puutyö kahvila", "paja", "nuoret työtoimintaa", "ompelimo nuorille", "kahviloissa"
]  # fmt: skip


def open_generation(generation: Path) -> Searcher:
    weighting = Weightings().for_generation(generation)
    return whoosh_index.open_dir(str(generation)).searcher(weighting=weighting)


def queries(searcher: Searcher, generation: Path) -> list[q.Query]:
    vocabulary = QueryVocabulary.for_generation(searcher, generation)
    synonyms = Synonyms()
    return [text_query(query_words(t), synonyms, searcher, vocabulary) for t in TEXTS]


def test_on_a_full_build_the_base_figures_rank_exactly_as_whoosh(tmp_path: Path) -> None:
    rng = seeded(5)
    documents = [provider(number, rng) for number in range(200)]
    generation = build_index(tmp_path, SCHEMA, [*documents, *places()], finish=write_derived_files)
    with open_generation(generation) as based:
        assert isinstance(based.weighting, BaseRankedBM25F)
        with whoosh_index.open_dir(str(generation)).searcher() as whoosh_own:
            assert isinstance(whoosh_own.weighting, scoring.BM25F)
            for query in queries(based, generation):
                ours = based.search(query, limit=None).top_n
                assert ours, f"{query} matches something"
                assert ours == whoosh_own.search(query, limit=None).top_n


def test_a_chain_of_updates_carries_every_query_exactly(tmp_path: Path) -> None:
    """Sixty updates, with Whoosh's merges and at least one reading of the figures anew: on
    every generation each query's carried matches equal a full search, scores included."""
    rng = seeded(11)
    documents = [provider(number, rng) for number in range(300)]
    generation = build_index(tmp_path, SCHEMA, [*documents, *places()], finish=write_derived_files)
    matches = RankedMatches()
    bases, merged, next_number = set(), False, 300
    for revision in range(60):
        with open_generation(generation) as searcher:
            bases.add(searcher.weighting.statistics.base)
            for query in queries(searcher, generation):
                carried = matches.ranked(searcher, generation.name, query)
                assert carried == searcher.search(query, limit=None).top_n, (revision, query)
        segments_before = len(list(generation.glob("*.seg")))
        generation, next_number = random_update(tmp_path, rng, next_number, revision)
        merged |= len(list(generation.glob("*.seg"))) <= segments_before
    assert merged, "Whoosh merged segments at least once on the way"
    assert len(bases) > 1, "the figures were read anew at least once"
    assert matches.answers["carried"] > 200, matches.answers
    # searched in full only on each new base (the first build and each reading anew)
    assert matches.answers["searched"] == len(TEXTS) * len(bases), matches.answers


def test_updates_link_the_figures_until_too_much_was_written(tmp_path: Path) -> None:
    rng = seeded(2)
    first = build_index(
        tmp_path, SCHEMA, [provider(n, rng) for n in range(100)], finish=write_derived_files
    )
    linked = update_index(
        tmp_path, upserts=[provider(1, rng)], deletions=[], revision=1, schema_version="test",
        finish=write_derived_files,
    )  # fmt: skip
    assert (linked / STATISTICS_FILE).stat().st_ino == (first / STATISTICS_FILE).stat().st_ino
    base = ranking.load_statistics(first)
    assert base is not None and ranking.load_statistics(linked) == base
    # more than a tenth of the base's documents written since: read anew
    anew = update_index(
        tmp_path, upserts=[provider(n, rng) for n in range(100, 112)], deletions=[],
        revision=2, schema_version="test", finish=write_derived_files,
    )  # fmt: skip
    statistics = ranking.load_statistics(anew)
    assert statistics is not None and statistics.base != base.base
    assert statistics.documents == 113


def test_a_search_on_an_older_generation_is_not_carried_backwards(tmp_path: Path) -> None:
    """A search still running on the generation an update replaced must not take matches
    from the newer one (documents deleted there are still live in the older one)."""
    rng = seeded(4)
    old = build_index(
        tmp_path, SCHEMA, [provider(n, rng) for n in range(100)], finish=write_derived_files
    )
    new = update_index(
        tmp_path, upserts=[], deletions=[f"provider:{n}" for n in range(5)], revision=1,
        schema_version="test", finish=write_derived_files, grace_s=60,
    )  # fmt: skip
    matches = RankedMatches()
    query = q.Prefix("plain", "paja")
    with open_generation(new) as newer:
        assert len(matches.ranked(newer, new.name, query)) == 95
    with open_generation(old) as older:
        assert matches.ranked(older, old.name, query) == older.search(query, limit=None).top_n
        assert len(older.search(query, limit=None).top_n) == 100
    assert matches.answers == {"searched": 2}


@pytest.mark.parametrize("text", TEXTS)
def test_a_node_searching_across_updates_answers_as_a_node_started_afresh(
    tmp_path: Path, text: str
) -> None:
    rng = seeded(9)
    documents = [provider(number, rng) for number in range(300)]
    build_index(tmp_path, SCHEMA, [*documents, *places()], finish=write_derived_files)
    long_running = IndexReader(tmp_path)
    request = ProviderQuery(text=text, per_page=100)
    next_number = 300
    try:
        for revision in range(8):
            ProviderSearch(long_running, Synonyms()).search(request)
            _generation, next_number = random_update(tmp_path, rng, next_number, revision)
        found = ProviderSearch(long_running, Synonyms()).search(request)
        assert long_running.lasting(RankedMatches).answers["carried"] > 0
        fresh = IndexReader(tmp_path)
        try:
            expected = ProviderSearch(fresh, Synonyms()).search(request)
        finally:
            fresh.close()
    finally:
        long_running.close()
    assert [hit.id for hit in found.hits] == [hit.id for hit in expected.hits]
    assert (found.total, found.facets) == (expected.total, expected.facets)
