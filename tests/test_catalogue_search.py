"""Search that understands Finnish: inflection, compounds, synonyms, typos, facets."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select
from whoosh.searching import Searcher

from app.config import Settings
from app.models import Provider, ProviderService
from app.search.facet_table import FacetTable, Pool
from app.search.finnish import compound_parts, restored_accents, voikko_available, word_forms
from app.search.service import (
    FEW_RESULTS,
    MatchPoolCache,
    ProviderQuery,
    ProviderSearch,
    SearchResults,
    Synonyms,
    typo_distance,
)
from app.search.store import IndexReader
from app.web.deps import search_without_blocking
from tests.fixtures.catalogue import provider_ids_by_record, search
from tests.fixtures.web import run_in_own_loop


def names(results: SearchResults) -> list[str]:
    return [hit.name for hit in results.hits]


def test_voikko_is_installed_for_these_tests() -> None:
    assert voikko_available(), "install libvoikko1 and voikko-fi (scripts/setup.sh does)"


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("kierrätyksessä", {"kierrätys"}),
        ("puutöitä", {"puutyö", "puu", "työ"}),
        ("jyväskylässä", {"jyväskylä"}),
        ("mielenterveyskuntoutujat", {"mielenterveyskuntoutuja", "kuntoutuja"}),
    ],
)
def test_voikko_gives_lemmas_and_compound_parts(word: str, forms: set[str]) -> None:
    assert forms <= set(word_forms(word))


def test_inflected_recycling_finds_the_goodwill_recycling_shop(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    assert any(
        "Sotek Porvoo" in name for name in names(search(searcher, synonyms, "kierrätyksessä"))
    )


def test_partitive_woodwork_finds_woodwork_not_all_work(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    found = names(search(searcher, synonyms, "puutöitä"))
    assert "Pakilan työkeskus" in found
    assert 3 <= len(found) <= 20, "the compound part 'työ' alone must not match everything"


def test_place_in_inessive_finds_providers_there(searcher: Searcher, synonyms: Synonyms) -> None:
    results = search(searcher, synonyms, "Jyväskylässä")
    assert results.total >= 2
    assert all(hit.municipality_code == "179" or hit.region_code == "15" for hit in results.hits)


def test_rare_word_upholstery_finds_pakila(searcher: Searcher, synonyms: Synonyms) -> None:
    assert names(search(searcher, synonyms, "verhoomo")) == ["Pakilan työkeskus"]


def test_misspelled_name_suggests_a_correction(searcher: Searcher, synonyms: Synonyms) -> None:
    results = search(searcher, synonyms, "Sotke")
    assert results.total == 0
    assert results.suggestion == "sotek"
    assert search(searcher, synonyms, results.suggestion).total > 0


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("kierätys", "kierrätys"),  # a word of the providers' texts, not a name
        ("kierätystä", "kierrätystä"),  # inflection kept, as a person would type it
        ("verhomo", "verhoomo"),
        ("Kouvla", "Kouvola"),  # a place, capitalised as Voikko writes it
        ("kirpputor", "kirpputori"),  # a synonym the index finds through kierrätys
        ("kahvla Kotkassa", "kahvila Kotkassa"),  # the place word kept as typed
    ],
)
def test_a_misspelt_word_is_offered_the_word_from_the_index_with_its_count(
    searcher: Searcher, synonyms: Synonyms, typed: str, meant: str
) -> None:
    results = search(searcher, synonyms, typed)
    assert results.total == 0
    assert results.suggestion == meant
    assert results.suggestion_total == search(searcher, synonyms, meant).total > 0


def test_few_results_are_offered_a_correction_that_finds_more(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    # "kahvil" finds one provider by the start of its name ("Kahvila Lime")
    results = search(searcher, synonyms, "kahvil")
    assert 0 < results.total < FEW_RESULTS
    assert results.suggestion == "kahvila"
    assert results.suggestion_total > results.total


def test_no_suggestion_for_words_the_index_knows_or_a_correction_that_finds_no_more(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    assert search(searcher, synonyms, "kasvatus").suggestion is None  # one provider, known
    assert search(searcher, synonyms, "ompelimo").suggestion is None  # a word, not a typo
    assert search(searcher, synonyms, "kierrätys").suggestion is None


def test_lay_synonyms_find_the_same_providers(searcher: Searcher, synonyms: Synonyms) -> None:
    assert (
        search(searcher, synonyms, "kuty").total
        == search(searcher, synonyms, "kuntouttava").total
        > 0
    )
    assert set(names(search(searcher, synonyms, "paja"))) == set(
        names(search(searcher, synonyms, "työpaja"))
    )


def ids(results: SearchResults) -> set[int]:
    return {hit.id for hit in results.hits}


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("siivoustöitä", ("siivous", "työ")),
        ("työtoimintaa", ("työ", "toiminta")),  # the linking n stays: not "toimita"
        ("kierrätystoiminnassa", ("kierrätys", "toiminta")),
    ],
)
def test_compound_query_words_split_into_whole_parts(word: str, parts: tuple[str, ...]) -> None:
    assert compound_parts(word) == parts


def test_names_are_not_split_into_parts() -> None:
    assert compound_parts("Jyväskylässä") == ()


@pytest.mark.parametrize(
    ("compound", "modifier"),
    [("siivoustöitä", "siivous"), ("kahvilatyötä", "kahvila"), ("keittiötöitä", "keittiö")],
)
def test_compound_with_a_generic_head_finds_what_its_modifier_finds(
    searcher: Searcher, synonyms: Synonyms, compound: str, modifier: str
) -> None:
    """The review's table (§3.B): these found 0, 0 and 1 while the modifier found 2, 5, 6."""
    by_modifier = ids(search(searcher, synonyms, modifier))
    assert by_modifier
    assert by_modifier <= ids(search(searcher, synonyms, compound))


def test_generic_head_alone_does_not_widen_a_compound(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    cleaning = search(searcher, synonyms, "siivoustöitä")
    assert cleaning.total == search(searcher, synonyms, "siivous").total
    assert cleaning.total < search(searcher, synonyms, "työ").total / 4


def test_whole_lemma_matches_rank_above_matches_of_parts(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    # Only Eskoo's text has "keittiötyö" itself; the others list a kitchen.
    found = names(search(searcher, synonyms, "keittiötöitä"))
    assert len(found) > 1
    assert found[0].startswith("Tuki- ja osaamiskeskus Eskoo")


def test_carpentry_finds_woodwork(searcher: Searcher, synonyms: Synonyms) -> None:
    woodwork = ids(search(searcher, synonyms, "puutyö"))
    assert woodwork
    assert woodwork <= ids(search(searcher, synonyms, "puusepäntöitä"))


@pytest.mark.parametrize(
    ("everyday", "catalogue_word"), [("ruoanlaitto", "keittiö"), ("nikkarointi", "puutyö")]
)
def test_everyday_words_find_through_reviewed_synonyms(
    searcher: Searcher, synonyms: Synonyms, everyday: str, catalogue_word: str
) -> None:
    # the catalogue word also finds its compound parts ("puu" in "puutarha"): the lay
    # word finds the catalogue word's own matches, which always include its best one
    expected = search(searcher, synonyms, catalogue_word)
    found = ids(search(searcher, synonyms, everyday))
    assert expected.hits
    assert expected.hits[0].id in found
    assert found <= ids(expected)


def test_words_typed_without_accents_find_the_accented_words(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    accented = search(searcher, synonyms, "työtoiminta")
    assert accented.total > 0
    assert ids(search(searcher, synonyms, "tyotoiminta")) == ids(accented)


def test_inflected_words_typed_without_accents_find_the_accented_words(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    accented = ids(search(searcher, synonyms, "työtoimintaan"))
    assert accented
    assert ids(search(searcher, synonyms, "tyotoimintaan")) == accented


@pytest.mark.parametrize(
    ("typed", "accented"),
    [
        ("tyotoiminnassa", "työtoiminnassa"),  # the stem changes: -nta → -nna-
        ("kuntouttavassa tyotoiminnassa", "kuntouttavassa työtoiminnassa"),
        ("paihdekuntoutujat", "päihdekuntoutujat"),  # plural -t
        ("kasitoita", "käsitöitä"),
    ],
)
def test_inflected_words_whose_stem_changes_find_the_accented_words(
    searcher: Searcher, synonyms: Synonyms, typed: str, accented: str
) -> None:
    expected = ids(search(searcher, synonyms, accented))
    assert expected
    assert ids(search(searcher, synonyms, typed)) == expected


def test_accents_are_put_back_only_for_words_voikko_cannot_read() -> None:
    assert restored_accents("tyotoiminnassa") == ("työtoiminnassa",)
    assert restored_accents("kuntouttavassa") == ()  # a word as typed
    assert restored_accents("työtoiminnassa") == ()  # already has them


def test_accent_fallback_does_not_touch_words_the_index_has(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    # "Pakila" has no accents and is in the index: nothing else is searched for it
    plain = search(searcher, synonyms, "Pakila")
    assert plain.total > 0 and all("Pakila" in hit.name for hit in plain.hits)


def test_prefix_of_a_place_finds_it_while_typing(searcher: Searcher, synonyms: Synonyms) -> None:
    assert any("Nokia" in name for name in names(search(searcher, synonyms, "noki")))


def test_swedish_and_english_labels_are_searchable(searcher: Searcher, synonyms: Synonyms) -> None:
    finnish = set(names(search(searcher, synonyms, "kierrätys")))
    assert set(names(search(searcher, synonyms, "återvinning"))) == finnish
    assert set(names(search(searcher, synonyms, "recycling"))) == finnish


def test_all_words_must_match(searcher: Searcher, synonyms: Synonyms) -> None:
    both = search(searcher, synonyms, "Kotka kuntouttava")
    kotka = search(searcher, synonyms, "Kotka")
    assert 0 < both.total < search(searcher, synonyms, "kuntouttava").total
    assert both.total <= kotka.total


def test_closed_providers_are_not_listed_unless_asked(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    assert all(hit.status != "closed" for hit in search(searcher, synonyms).hits)
    closed = search(searcher, synonyms, status=["closed"])
    assert closed.total == 2


def test_facet_counts_equal_database_counts(
    searcher: Searcher, synonyms: Synonyms, db_session: Session
) -> None:
    facets = search(searcher, synonyms).facets
    open_providers = select(Provider.id).where(Provider.status != "closed")
    for code, count in facets["service"].items():
        expected = db_session.exec(
            select(func.count())
            .select_from(ProviderService)
            .where(ProviderService.code == code, ProviderService.provider_id.in_(open_providers))  # type: ignore[attr-defined]
        ).one()
        assert count == expected, code
    for region, count in facets["region"].items():
        expected = db_session.exec(
            select(func.count())
            .select_from(Provider)
            .where(Provider.region_code == region, Provider.status != "closed")
        ).one()
        assert count == expected, region


def test_a_facets_own_filter_leaves_its_other_values_countable(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    unfiltered = search(searcher, synonyms).facets["region"]
    filtered = search(searcher, synonyms, region=["10"])
    assert filtered.facets["region"] == unfiltered
    assert filtered.total == unfiltered["10"]
    assert all(hit.region_code == "10" for hit in filtered.hits)


def test_filters_combine_across_facets(searcher: Searcher, synonyms: Synonyms) -> None:
    results = search(searcher, synonyms, region=["15"], service=["kuntouttava-tyotoiminta"])
    assert results.total > 0
    assert all(
        hit.region_code == "15" and "kuntouttava-tyotoiminta" in hit.services
        for hit in results.hits
    )


def test_sort_by_name_is_alphabetical_in_finnish(searcher: Searcher, synonyms: Synonyms) -> None:
    found = names(search(searcher, synonyms, sort="name"))
    from app.geography import finnish_sort_key

    assert found == sorted(found, key=finnish_sort_key)


def test_pages_do_not_overlap(searcher: Searcher, synonyms: Synonyms) -> None:
    first = search(searcher, synonyms, per_page=10, page=1)
    second = search(searcher, synonyms, per_page=10, page=2)
    assert first.total == second.total > 20
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_provider_ids_in_index_match_database(
    searcher: Searcher, synonyms: Synonyms, db_session: Session
) -> None:
    ids = set(provider_ids_by_record(db_session).values())
    found = {
        hit.id for hit in search(searcher, synonyms, status=["current", "verify", "closed"]).hits
    }
    assert found == ids


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=60)
    | st.sampled_from(["AND OR NOT", '"', "(", "*", "title:x", "a~2", "[a TO", "\\", "ö*ä?"])
)
def test_any_text_gives_a_result_not_an_error(
    searcher: Searcher, synonyms: Synonyms, text: str
) -> None:
    results = search(searcher, synonyms, text)
    assert results.total >= 0


@pytest.mark.parametrize(
    ("typed", "word", "distance"),
    [("sotke", "sotek", 1), ("sotke", "kotka", 2), ("kotka", "kotka", 0), ("hamnia", "hamina", 1)],
)
def test_typo_distance_counts_a_swap_as_one_edit(typed: str, word: str, distance: int) -> None:
    assert typo_distance(typed, word) == distance


class ThreadRecordingSearch(ProviderSearch):
    """Notes the thread each search runs in."""

    threads: list[int]

    def search(self, request: ProviderQuery) -> SearchResults:
        self.threads.append(threading.get_ident())
        return super().search(request)


@pytest.mark.parametrize(("text", "cached_on_the_loop"), [("kuntouttava", True), ("xyzzyq", False)])
def test_only_a_cached_search_runs_on_the_event_loop(
    site_settings: Settings, synonyms: Synonyms, text: str, cached_on_the_loop: bool
) -> None:
    # A Whoosh query (165 ms at 100 000 providers) would stop the event loop; a text whose
    # pool is cached takes a millisecond. One that matched nothing is searched in a thread
    # again: a spelling suggestion follows.
    reader = IndexReader(site_settings.search_index_dir)
    search = ThreadRecordingSearch(reader, synonyms)
    search.threads = []
    query = ProviderQuery(text=text)

    async def search_twice() -> tuple[int, SearchResults, SearchResults]:
        first = await search_without_blocking(search, query)
        second = await search_without_blocking(search, query)
        return threading.get_ident(), first, second

    loop_thread, first, second = run_in_own_loop(search_twice)
    reader.close()
    assert search.threads[0] != loop_thread
    assert (search.threads[1] == loop_thread) is cached_on_the_loop
    assert first.total == second.total
    assert (first.total > 0) is cached_on_the_loop


def test_concurrent_requests_for_a_new_text_search_it_once(
    searcher: Searcher, synonyms: Synonyms, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight people paging through the same new search must not run eight Whoosh queries
    # at once (at 100 000 providers each takes a few hundred milliseconds).
    table = FacetTable.from_searcher(searcher)
    searched: list[str] = []
    original = MatchPoolCache._search

    def slow_search(self: MatchPoolCache, *args: Any, **kwargs: Any) -> Pool:
        searched.append(args[2].text)  # the understood query: its words
        time.sleep(0.2)  # long enough for every thread to arrive while the first searches
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MatchPoolCache, "_search", slow_search)
    cache = MatchPoolCache()

    def pool(_number: int) -> Pool:
        return cache.pool(searcher, table, "kuntouttava", synonyms, show_closed=False)

    with ThreadPoolExecutor(max_workers=8) as executor:
        pools = list(executor.map(pool, range(8)))
    assert searched == ["kuntouttava"]
    assert all(result is pools[0] for result in pools)
    assert pools[0].docnums


@pytest.mark.parametrize(
    "forms",
    [
        ("Jyväskylä", "Jyväskylässä", "jyväskylään", "Jyvaskyla", "Jyvaskylassa"),
        ("Hämeenlinna", "Hameenlinna", "Hameenlinnassa"),
        ("Keski-Suomi", "Keski-Suomen", "keski suomessa", "Mellersta Finland", "Central Finland"),
        ("Turku", "Turussa", "Åbo", "Abo"),
    ],
)
def test_place_words_in_any_form_or_language_filter_the_same_place(
    searcher: Searcher, synonyms: Synonyms, forms: tuple[str, ...]
) -> None:
    first = search(searcher, synonyms, forms[0])
    assert first.total > 0 and len(first.places) == 1
    for form in forms[1:]:
        results = search(searcher, synonyms, form)
        assert results.places == first.places, form
        assert ids(results) == ids(first), form


def test_region_word_filters_the_region(searcher: Searcher, synonyms: Synonyms) -> None:
    results = search(searcher, synonyms, "Keski-Suomi")
    assert results.places[0].kind == "region" and results.places[0].code == "15"
    assert results.total == len(search(searcher, synonyms, region=["15"]).hits)


def test_place_and_words_together_search_the_words_in_the_place(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    results = search(searcher, synonyms, "kierrätykseen Jyväskylässä")
    assert results.understood is not None and results.understood.words == ("kierrätykseen",)
    assert results.total >= 1
    assert ids(results) <= ids(search(searcher, synonyms, "kierrätykseen"))
    assert ids(results) <= ids(search(searcher, synonyms, "Jyväskylässä"))


def test_place_with_no_match_gets_advice_not_a_dead_end(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    results = search(searcher, synonyms, "puutöitä Jyväskylässä")
    assert results.total == 0 and results.advice is not None
    advice = results.advice
    assert not advice.place_is_empty
    assert advice.elsewhere is not None and advice.elsewhere.scope == "country"
    assert {h.id for h in advice.elsewhere.hits} <= ids(search(searcher, synonyms, "puutöitä"))
    assert advice.elsewhere.total == search(searcher, synonyms, "puutöitä").total
    assert advice.in_place is not None
    assert advice.in_place.total == search(searcher, synonyms, "Jyväskylässä").total


def test_nearest_matches_come_from_the_places_region_first(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    advice = search(searcher, synonyms, "kierrätys Joutsa").advice
    assert advice is not None and advice.elsewhere is not None
    assert (advice.elsewhere.scope, advice.elsewhere.code) == ("region", "15")
    assert all(hit.region_code == "15" for hit in advice.elsewhere.hits)


def test_place_with_no_providers_says_so(searcher: Searcher, synonyms: Synonyms) -> None:
    for text in ("Vaasa", "Vasa", "kierrätys Vasa"):
        results = search(searcher, synonyms, text)
        assert results.total == 0 and results.advice is not None, text
        assert results.advice.place_is_empty and results.advice.region_is_empty


def test_words_that_are_not_places_stay_text(searcher: Searcher, synonyms: Synonyms) -> None:
    for text in ("kierrätys", "Pakilan työkeskus", "nuoret", "Suomi"):
        results = search(searcher, synonyms, text)
        assert results.places == (), text
