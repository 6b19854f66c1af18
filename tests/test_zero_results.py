"""A search with no results says what emptied the list and offers wider searches that find
something, each with its count."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from app import i18n
from app.geography import nearby_regions
from app.search.service import ProviderQuery, SearchResults
from app.search.widen import widenings

WIDEN_LINK = re.compile(r'<div class="widen">.*?</div>', re.S)
ALL_FILTERS_MESSAGE = {
    "fi": "Yksikään palveluntuottaja ei täytä kaikkia näitä rajauksia yhtä aikaa.",
    "fi-selko": "Yksikään palveluntuottaja ei täytä kaikkia näitä rajauksia yhtä aikaa.",
    "sv": "Ingen tjänsteproducent uppfyller alla dessa filter samtidigt.",
    "en": "No providers match all of these filters together.",
}

NEARBY_HEADING = {
    "fi": "Sama haku lähialueilla:",
    "fi-selko": "Sama haku lähialueilla:",
    "sv": "Samma sökning i närliggande områden:",
    "en": "The same search in nearby regions:",
}


SearchKey = tuple[str, tuple[str, ...], tuple[str, ...], bool]


def _fake_search(totals: dict[SearchKey, int]) -> Callable[[ProviderQuery], SearchResults]:
    def search(query: ProviderQuery) -> SearchResults:
        key = (query.text, tuple(query.region), tuple(query.service), query.has_free_places)
        return SearchResults(
            total=totals.get(key, 0), page=1, per_page=1, hits=[], facets={}, suggestion=None
        )

    return search


def test_each_constraint_is_dropped_in_turn_and_only_finds_are_kept() -> None:
    query = ProviderQuery(text="puutöitä Vaasa", region=["17"], service=["kuntouttava-tyotoiminta"])
    search = _fake_search(
        {
            ("", ("17",), ("kuntouttava-tyotoiminta",), False): 0,
            ("puutöitä", ("17",), ("kuntouttava-tyotoiminta",), False): 0,
            ("Vaasa", ("17",), ("kuntouttava-tyotoiminta",), False): 2,
            ("puutöitä Vaasa", (), ("kuntouttava-tyotoiminta",), False): 3,
            ("puutöitä Vaasa", ("17",), (), False): 0,
        }
    )
    found = {(w.kind, w.facet, w.word): w.count for w in widenings(search, query)}
    assert found == {("one-word", None, "Vaasa"): 2, ("without-filter", "region", None): 3}


def test_nothing_to_widen_without_constraints() -> None:
    assert widenings(_fake_search({}), ProviderQuery()) == []


def _json_count(client: TestClient, query: str) -> int:
    return len(client.get(f"/palveluntuottajat.json?{query}&per_page=100").json())


def _offered(text: str) -> list[tuple[str, int]]:
    block = WIDEN_LINK.search(html.unescape(text))
    assert block is not None, "wider searches are offered"
    return [
        (urlsplit(href).query, int(count))
        for href, count in re.findall(
            r'<a href="([^"]+)">.*?</a> <span class="count">\((\d+)', block.group(0)
        )
    ]


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_filters_that_empty_the_list_are_named_with_a_wider_search(
    client: TestClient, version: str
) -> None:
    path = i18n.localized_path("/palveluntuottajat", version)
    text = client.get(f"{path}?region=17&service=kuntouttava-tyotoiminta").text
    assert ALL_FILTERS_MESSAGE[version] in html.unescape(text)
    offered = _offered(text)
    assert [dict(parse_qsl(query)) for query, _ in offered] == [
        {"service": "kuntouttava-tyotoiminta"},
        {"service": "kuntouttava-tyotoiminta", "region": "16"},
    ], "Pohjanmaa has no providers: leaving out the region or a nearby region finds some"
    for query, count in offered:
        assert count == _json_count(client, query) > 0
    assert NEARBY_HEADING[version] in html.unescape(text)


def test_several_words_are_offered_one_at_a_time(client: TestClient) -> None:
    # two words, not a place: a place word (Vaasa) is a filter with advice of its own
    text = client.get("/en/providers?q=puutöitä+zorbakuppi").text
    assert "No providers match all of these words." in text
    offered = _offered(text)
    assert offered, "the word that finds something alone is offered"
    for query, count in offered:
        assert dict(parse_qsl(query)) == {"q": "puutöitä"}
        assert count == _json_count(client, query) > 0


def test_a_search_with_results_offers_no_widening(client: TestClient) -> None:
    assert '<div class="widen">' not in client.get("/palveluntuottajat?q=puutöitä").text


def test_a_region_filter_is_tried_in_each_nearby_region_other_filters_kept() -> None:
    query = ProviderQuery(region=["17"], service=["kuntouttava-tyotoiminta"])
    nearby = nearby_regions()["17"]
    totals: dict[SearchKey, int] = {("", (nearby[0],), ("kuntouttava-tyotoiminta",), False): 4}
    found = [(w.kind, w.region, w.count) for w in widenings(_fake_search(totals), query)]
    assert found == [("nearby-region", nearby[0], 4)], "only the nearby search that finds"


def test_nearby_regions_come_from_the_municipality_centroids() -> None:
    nearby = nearby_regions()
    assert len(nearby) == 22, "every organiser, never Åland"
    assert "91" not in nearby and all("91" not in codes for codes in nearby.values())
    assert all(len(codes) == 3 and code not in codes for code, codes in nearby.items())
    # Pohjanmaa (17) lies between Etelä-Pohjanmaa (16) and Keski-Pohjanmaa (18)
    assert set(nearby["17"][:2]) == {"16", "18"}
    # Kymenlaakso (10) borders Etelä-Karjala (11); Lappi (21) is nowhere near Uusimaa
    assert nearby["10"][0] == "11"
    assert not {"01", "02", "03", "04", "90"} & set(nearby["21"])


def test_a_place_word_with_an_empty_region_offers_nearby_regions(client: TestClient) -> None:
    text = client.get("/sv/tjansteproducenter?q=Vasa").text
    assert NEARBY_HEADING["sv"] in html.unescape(text)
    offered = _offered(text)
    assert offered, "Österbotten is empty: nearby regions with providers are offered"
    for query, count in offered:
        params = dict(parse_qsl(query))
        assert "q" not in params, "the place word is left out of the nearby search"
        assert params["region"] in nearby_regions()["17"]
        assert count == _json_count(client, query) > 0
