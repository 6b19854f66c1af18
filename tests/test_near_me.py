"""Near me: nearest-first ordering from a municipality's centre, with the bundled data."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from whoosh.searching import Searcher

from app.geography import (
    Point,
    distance_km,
    format_distance,
    great_circle_km,
    is_known_place,
    municipality_centroids,
    municipality_choices,
    nearest_first,
)
from app.search.service import Synonyms
from tests.fixtures.catalogue import search

KOUVOLA, KOTKA, JYVASKYLA, HELSINKI, INARI = "286", "285", "179", "091", "148"


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


# --- distances ---------------------------------------------------------------------------


def test_every_bundled_municipality_has_a_centroid_in_finland() -> None:
    centroids = municipality_centroids()
    assert len(centroids) == 308
    for code, point in centroids.items():
        assert 59.5 < point.lat < 70.2 and 19.0 < point.lon < 31.6, code


def test_great_circle_distance_matches_a_known_figure() -> None:
    # One degree of latitude along a meridian is about 111.2 km on the mean sphere.
    assert great_circle_km(Point(60.0, 25.0), Point(61.0, 25.0)) == pytest.approx(111.2, abs=0.1)
    assert great_circle_km(Point(60.0, 25.0), Point(60.0, 25.0)) == 0


def test_distances_between_real_municipalities_are_plausible() -> None:
    # Kouvola–Kotka are neighbours (about 45 km between centres); Inari is far north.
    kotka = distance_km(KOUVOLA, KOTKA)
    helsinki = distance_km(KOUVOLA, HELSINKI)
    inari = distance_km(KOUVOLA, INARI)
    assert kotka is not None and helsinki is not None and inari is not None
    assert 20 < kotka < 70 < helsinki < 200 < 800 < inari
    assert distance_km(KOUVOLA, KOUVOLA) == 0
    assert distance_km(KOUVOLA, None) is None
    assert distance_km(KOUVOLA, "999") is None


def test_nearest_first_puts_unknown_places_last_and_keeps_ties_in_order() -> None:
    places = {"a": None, "b": INARI, "c": KOTKA, "d": KOUVOLA, "e": KOUVOLA, "f": "999"}
    ordered = nearest_first(list(places), KOUVOLA, places)
    assert ordered[:4] == ["d", "e", "c", "b"]
    assert ordered[4:] == ["a", "f"]  # no centroid: last, in their own order


@pytest.mark.parametrize(
    ("km", "locale", "shown"),
    [
        (23.4, "fi", "23\u00a0km"),
        (23.6, "en", "24\u00a0km"),
        (0.2, "sv", "0\u00a0km"),
        (1234.4, "en", "1,234\u00a0km"),
    ],
)
def test_distances_are_whole_kilometres_in_the_locale_format(
    km: float, locale: str, shown: str
) -> None:
    assert format_distance(km, locale) == shown


def test_finnish_and_swedish_group_thousands_with_a_space() -> None:
    for locale in ("fi", "sv"):
        shown = format_distance(1234.4, locale)
        assert shown.startswith("1") and shown.endswith("234\u00a0km")
        assert shown[1].isspace(), shown  # a (no-break) space, not "," or "."


def test_choices_sort_by_the_shown_name_with_a_a_o_after_z() -> None:
    names = {"992": "Äänekoski", "049": "Esbo", "farm": "Not a municipality", "905": "Vasa"}
    names["478"] = "Mariehamn"
    choices = municipality_choices(names, "sv")
    assert [name for _code, name in choices] == ["Esbo", "Mariehamn", "Vasa", "Äänekoski"]


def test_unknown_codes_are_not_places() -> None:
    assert is_known_place(KOUVOLA)
    assert not is_known_place("999") and not is_known_place("") and not is_known_place("28")


# --- ordering in the search --------------------------------------------------------------


def test_from_kouvola_the_kouvola_providers_come_first(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    results = search(searcher, synonyms, near=KOUVOLA)
    assert results.near is not None and results.near.origin == KOUVOLA
    municipalities = [hit.municipality_code for hit in results.hits]
    kouvola_count = municipalities.count(KOUVOLA)
    assert kouvola_count >= 2
    assert municipalities[:kouvola_count] == [KOUVOLA] * kouvola_count
    distances = [results.near.distance_km(hit.municipality_code) for hit in results.hits]
    known = [d for d in distances if d is not None]
    assert known == sorted(known)
    # providers that name only their region (no centroid) come after every measured one
    first_unknown = next((i for i, d in enumerate(distances) if d is None), len(distances))
    assert all(d is None for d in distances[first_unknown:])
    # every provider is still there: near orders, it does not filter
    assert results.total == search(searcher, synonyms).total
    # the nearest are in Kymenlaakso, Kouvola's own region: no note
    assert results.near.origin_region == "10" and results.near.nearest_region is None


def test_other_filters_still_apply_and_paging_follows_the_distance_order(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    everything = search(searcher, synonyms, near=KOUVOLA, region=["15"])
    assert everything.total > 3 and {hit.region_code for hit in everything.hits} == {"15"}
    first = search(searcher, synonyms, near=KOUVOLA, region=["15"], per_page=2)
    second = search(searcher, synonyms, near=KOUVOLA, region=["15"], per_page=2, page=2)
    ids = [hit.id for hit in everything.hits]
    assert [hit.id for hit in first.hits + second.hits] == ids[:4]


def test_a_note_when_the_nearest_is_in_another_region(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    # Inari (Lappi) has no providers listed: the nearest is in another region.
    results = search(searcher, synonyms, near=INARI)
    assert results.near is not None and results.near.origin_region == "21"
    first_region = results.hits[0].region_code
    assert first_region != "21" and results.near.nearest_region == first_region


def test_from_aland_the_note_says_aland_organises_its_own(client: TestClient) -> None:
    page = soup(client.get("/sv/tjansteproducenter", params={"near": "478"}).text)  # Mariehamn
    note = page.select_one(".near-note .suggestion")
    assert note is not None and "Åland" in note.get_text()
    assert "välfärdsområde" not in note.get_text().split(":")[0]


def test_with_near_me_a_place_word_is_where_to_measure_from(
    searcher: Searcher, synonyms: Synonyms
) -> None:
    # Without near me, "kierrätys Jyväskylässä" filters to Jyväskylä.
    filtered = search(searcher, synonyms, "kierrätys Jyväskylässä")
    assert filtered.places and filtered.near is None
    # With near me (chosen Kouvola), the word says where to measure from instead.
    near = search(searcher, synonyms, "kierrätys Jyväskylässä", near=KOUVOLA)
    assert near.near is not None and near.near.origin == JYVASKYLA and near.near.from_text
    assert not near.places  # the word no longer filters
    assert near.total > filtered.total
    assert near.total == search(searcher, synonyms, "kierrätys").total
    assert [hit.id for hit in near.hits[: filtered.total]] == [hit.id for hit in filtered.hits]


def test_region_words_keep_filtering_with_near_me(searcher: Searcher, synonyms: Synonyms) -> None:
    results = search(searcher, synonyms, "Keski-Suomen", near=KOUVOLA)
    assert results.near is not None and results.near.origin == KOUVOLA
    assert [place.code for place in results.places] == ["15"]
    assert {hit.region_code for hit in results.hits} == {"15"}


# --- pages and API -----------------------------------------------------------------------


def test_catalogue_shows_distances_and_keeps_near_in_links(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat", params={"near": KOUVOLA, "per_page": 5}).text)
    picker = page.select_one("select#near")
    assert picker is not None
    chosen = picker.select_one("option[selected]")
    assert chosen is not None and chosen["value"] == KOUVOLA
    distances = [node.get_text(strip=True) for node in page.select(".result__distance")]
    assert distances[:2] == ["0\u00a0km", "0\u00a0km"]  # the Kouvola providers first
    assert all(text.endswith("\u00a0km") for text in distances)
    next_link = page.select_one("a[rel=next]")
    assert next_link is not None and f"near={KOUVOLA}" in str(next_link["href"])
    csv_link = page.select_one(".exports a")
    assert csv_link is not None and f"near={KOUVOLA}" in str(csv_link["href"])


def test_catalogue_in_swedish_lists_places_by_swedish_name(client: TestClient) -> None:
    page = soup(client.get("/sv/tjansteproducenter").text)
    names = [option.get_text() for option in page.select("select#near option") if option["value"]]
    assert len(names) == 308
    assert names.index("Esbo") < names.index("Helsingfors") < names.index("Vasa")
    assert names[-1].startswith("Ö")


def test_api_gives_distances_and_the_origin(client: TestClient) -> None:
    body = client.get("/api/v1/providers", params={"near": KOUVOLA, "per_page": 100}).json()
    assert body["near"] == {
        "municipality": KOUVOLA,
        "region": "10",
        "from_query": False,
        "nearest_in_other_region": None,
    }
    distances = [item["distance_km"] for item in body["items"]]
    assert distances[0] == 0
    known = [d for d in distances if d is not None]
    assert known == sorted(known) and None in distances
    plain = client.get("/api/v1/providers").json()
    assert plain["near"] is None and all(item["distance_km"] is None for item in plain["items"])


@pytest.mark.parametrize("bad", ["999", "12", "abc", "1234"])
def test_api_refuses_an_unknown_place(client: TestClient, bad: str) -> None:
    response = client.get("/api/v1/providers", params={"near": bad})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(error["loc"] == ["query", "near"] for error in detail)


def test_an_unknown_place_on_the_page_is_a_422_in_the_readers_language(
    client: TestClient,
) -> None:
    response = client.get("/sv/tjansteproducenter", params={"near": "999"})
    assert response.status_code == 422
    assert soup(response.text).html["lang"] == "sv"  # type: ignore[index]


def test_empty_near_from_a_plain_form_is_no_place(client: TestClient) -> None:
    response = client.get("/api/v1/providers", params={"near": ""})
    assert response.status_code == 200 and response.json()["near"] is None


def test_openapi_documents_near_and_distance(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json")
    if schema.status_code == 404:
        schema = client.get("/openapi.json")
    spec = schema.json()
    parameters = spec["paths"]["/api/v1/providers"]["get"]["parameters"]
    assert "near" in {parameter["name"] for parameter in parameters}
    item = spec["components"]["schemas"]["NearProviderItem"]
    assert "distance_km" in item["properties"]


def test_service_page_offers_places_near_you(client: TestClient) -> None:
    page = soup(client.get("/palvelut/kuntouttava-tyotoiminta").text)
    form = page.select_one("form.near-picker")
    assert form is not None and form["action"] == "/palveluntuottajat"
    assert form["method"] == "get"
    hidden = form.select_one("input[type=hidden][name=service]")
    assert hidden is not None and hidden["value"] == "kuntouttava-tyotoiminta"
    assert form.select_one("select[name=near]") is not None
    # a topic page that no provider offers has no picker
    assert soup(client.get("/palvelut/uudistus-2026").text).select_one("form.near-picker") is None


def test_home_page_offers_places_near_you(client: TestClient) -> None:
    for path in ("/", "/selko", "/sv", "/en"):
        form = soup(client.get(path).text).select_one("form.near-picker")
        assert form is not None, path
        assert form.select_one("select[name=near]") is not None


def test_a_place_without_matches_offers_them_nearest_first(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat", params={"q": "puutöitä Jyväskylässä"}).text)
    link = next((a for a in page.select(".place-advice a") if "near=179" in str(a["href"])), None)
    assert link is not None, "the advice offers the matches nearest Jyväskylä"
    followed = soup(client.get(str(link["href"])).text)
    places = [p.get_text(" ", strip=True) for p in followed.select(".result__place")]
    assert places and all("km" in place for place in places[:3])
    assert followed.select_one(".near-note .chip") is not None  # "Nearest first from: …"


def test_questionnaire_result_links_providers_nearest_to_the_chosen_municipality(
    client: TestClient,
) -> None:
    answers = (
        "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
        "&goal=job&support=mental-health"
    )
    page = soup(client.get(f"/polku/tulos?{answers}&municipality={KOUVOLA}").text)
    links = [str(a["href"]) for a in page.select("a[href*='/palveluntuottajat?']")]
    assert links and all(link.endswith(f"&near={KOUVOLA}") for link in links)


def test_nearest_matches_elsewhere_are_the_nearest(searcher: Searcher, synonyms: Synonyms) -> None:
    # No woodwork in Jyväskylä: the matches offered elsewhere come nearest first.
    results = search(searcher, synonyms, "puutöitä Jyväskylässä")
    assert results.total == 0 and results.advice is not None
    elsewhere = results.advice.elsewhere
    assert elsewhere is not None and elsewhere.hits
    distances = [distance_km(JYVASKYLA, hit.municipality_code) for hit in elsewhere.hits]
    known = [d for d in distances if d is not None]
    assert known and known == sorted(known)
