"""Catalogue pages, exports and API: plain GET forms, htmx fragments, honest provenance."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.models import ProviderActivity
from app.web.main import create_app
from tests.fixtures.catalogue import provider_ids_by_record


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_search_page_works_as_a_plain_get_form(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat", params={"q": "kierrätys", "region": "01"}).text)
    form = page.select_one("form#provider-search")
    assert form is not None and form["method"] == "get" and form["action"] == "/palveluntuottajat"
    assert page.select_one("input#q")["value"] == "kierrätys"  # type: ignore[index]
    assert page.select_one("input#f-region-01[checked]") is not None
    titles = [a.get_text(strip=True) for a in page.select(".result__title a")]
    assert any(title.startswith("Sotek Porvoo") for title in titles)
    status = page.select_one("#search-status[role=status]")
    assert status is not None and str(len(titles)) in status.get_text()


def test_search_page_is_localised(client: TestClient) -> None:
    page = soup(client.get("/sv/tjansteproducenter").text)
    assert page.html is not None and page.html["lang"] == "sv"
    form = page.select_one("form#provider-search")
    assert form is not None and form["action"] == "/sv/tjansteproducenter"


def test_htmx_gets_a_fragment_with_the_count_out_of_band(client: TestClient) -> None:
    response = client.get(
        "/palveluntuottajat", params={"q": "verhoomo"}, headers={"HX-Request": "true"}
    )
    # Caches must keep the fragment and the full page apart.
    vary = {token.strip().lower() for token in response.headers["vary"].split(",")}
    assert "hx-request" in vary
    assert "<!doctype" not in response.text.lower()
    fragment = soup(response.text)
    oob = fragment.select_one("#search-status[hx-swap-oob]")
    assert oob is not None and "1" in oob.get_text()
    assert [a.get_text(strip=True) for a in fragment.select(".result__title a")] == [
        "Pakilan työkeskus"
    ]


def test_history_restore_gets_a_full_page(client: TestClient) -> None:
    response = client.get(
        "/palveluntuottajat",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert response.text.lower().lstrip().startswith("<!doctype html>")


def test_search_form_has_htmx_attributes_that_repeat_its_action(client: TestClient) -> None:
    form = soup(client.get("/palveluntuottajat").text).select_one("form#provider-search")
    assert form is not None
    assert form["hx-get"] == form["action"]
    assert form["hx-push-url"] == "true"


def test_live_search_listens_on_the_form_not_on_swapped_elements(client: TestClient) -> None:
    """A trigger bound to an element inside #search-results dies with the first swap."""
    page = soup(client.get("/palveluntuottajat").text)
    form = page.select_one("form#provider-search")
    assert form is not None
    triggers = [part.strip() for part in str(form["hx-trigger"]).split(",")]
    assert "change" in triggers  # changes bubble up from every facet and the sort
    results = page.select_one("#search-results")
    assert results is not None
    for trigger in triggers:
        if " from:" in trigger:
            selector = trigger.split(" from:")[1].split()[0]
            assert not results.select(selector), f"{selector} is replaced by the swap"


def test_place_word_becomes_a_removable_filter_chip(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat", params={"q": "kierrätykseen Jyväskylässä"}).text)
    chips = page.select(".chips a")
    assert [chip.get_text(" ", strip=True) for chip in chips] == [
        "Paikka: Jyväskylä ✕ (poista tämä rajaus)"
    ]
    assert "q=kierr%C3%A4tykseen" in str(chips[0]["href"])
    assert "Jyv" not in str(chips[0]["href"])
    places = [p.get_text(strip=True) for p in page.select(".result__place")]
    assert places == ["Jyväskylä"]


def test_swedish_place_name_chip_in_swedish(client: TestClient) -> None:
    page = soup(client.get("/sv/tjansteproducenter", params={"q": "Åbo"}).text)
    chips = [a.get_text(" ", strip=True) for a in page.select(".chips a")]
    assert chips and chips[0].startswith("Ort: Åbo")
    assert page.select(".result__title a")


def test_place_without_a_match_says_so_and_offers_what_is_near(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat", params={"q": "puutöitä Jyväskylässä"}).text)
    advice = page.select_one(".place-advice")
    assert advice is not None
    text = advice.get_text(" ", strip=True)
    assert "Jyväskylä: ei hakua ”puutöitä” vastaavia palveluntuottajia." in text
    assert "Kokeile vähemmillä sanoilla" not in page.get_text()
    headings = [h.get_text(strip=True) for h in advice.select("h2")]
    # no woodwork anywhere in Keski-Suomi: the nearest are elsewhere in Finland
    assert headings[0].startswith("Hakua ”puutöitä” vastaavat muualla Suomessa")
    assert headings[1].startswith("Muut palveluntuottajat: Jyväskylä")
    lists = advice.select("ul.nearby")
    # nearest to Jyväskylä first (Padasjoki, about 120 km), not the best-ranked (Helsinki)
    nearest = lists[0].get_text()
    assert "Padasjoki" in nearest.splitlines()[1] and "Pakilan työkeskus" not in nearest
    assert all(
        "Jyväskylä" in li.get_text() or "Äänekoski" in li.get_text() for li in lists[1].select("li")
    )


def test_place_without_a_match_offers_its_region_first(client: TestClient) -> None:
    page = soup(client.get("/en/providers", params={"q": "kierrätys Joutsa"}).text)
    advice = page.select_one(".place-advice")
    assert advice is not None
    heading = advice.select_one("h2")
    assert heading is not None
    assert heading.get_text(strip=True).startswith("Nearest matches for “kierrätys”, elsewhere in")
    link = advice.select_one("p a[href*='region=15']")
    assert link is not None


def test_region_with_no_providers_says_the_catalogue_has_none_there_yet(
    client: TestClient,
) -> None:
    for params, expected in (
        ({"q": "Vaasa"}, "Vaasa: luettelossa ei ole vielä palveluntuottajia"),
        ({"q": "Vasa"}, "Vaasa: luettelossa ei ole vielä palveluntuottajia"),
    ):
        page = soup(client.get("/palveluntuottajat", params=params).text)
        advice = page.select_one(".place-advice")
        assert advice is not None and expected in advice.get_text(" ", strip=True)
        assert "Pohjanmaa" in advice.get_text()
    sv = soup(client.get("/sv/tjansteproducenter", params={"q": "Vasa"}).text)
    assert "Katalogen har ännu inga tjänsteproducenter i Vasa" in sv.get_text(" ", strip=True)


def test_did_you_mean_links_to_the_corrected_search(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat", params={"q": "Sotke"}).text)
    link = page.select_one(".suggestion a")
    assert link is not None and "q=sotek" in str(link["href"])


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/palveluntuottajat", "Tarkoititko kierrätys? (9 palveluntuottajaa)"),
        ("/sv/tjansteproducenter", "Menade du kierrätys? (9 tjänsteproducenter)"),
        ("/en/providers", "Did you mean kierrätys? (9 providers)"),
    ],
)
def test_did_you_mean_says_how_many_the_correction_finds(
    client: TestClient, path: str, expected: str
) -> None:
    page = soup(client.get(path, params={"q": "kierätys"}).text)
    suggestion = page.select_one(".suggestion")
    assert suggestion is not None
    assert suggestion.get_text(" ", strip=True).replace(" ?", "?") == expected
    api = client.get("/api/v1/providers", params={"q": "kierätys"}).json()
    assert (api["suggestion"], api["suggestion_total"]) == ("kierrätys", 9)


def facet_labels(page: BeautifulSoup, name: str) -> dict[str, str]:
    """A facet's options: value → label text as shown."""
    return {
        str(box["value"]): page.select_one(f"label[for='{box['id']}']").get_text(" ", strip=True)  # type: ignore[union-attr]
        for box in page.select(f"input[type=checkbox][name={name}]")
    }


def test_facets_list_only_options_found_unless_all_are_asked_for(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat", params={"region": "15"}).text)
    activities = facet_labels(page, "activity")
    assert "puutyot" not in activities and all("(0)" not in t for t in activities.values())
    toggle = page.find("a", string="Näytä kaikki vaihtoehdot, myös ne, joita tässä ei ole")
    assert toggle is not None and "all_options=true" in str(toggle["href"])
    assert "region=15" in str(toggle["href"])
    assert page.select_one("input[name=all_options]") is None


def test_all_options_tell_none_here_from_not_recorded(
    client: TestClient, db_session: Session
) -> None:
    # A counsellor in Keski-Suomi: no woodwork there (0), and how many entries say nothing
    page = soup(
        client.get("/palveluntuottajat", params={"region": "15", "all_options": "true"}).text
    )
    activities = facet_labels(page, "activity")
    assert activities["puutyot"] == "Puutyöt (0)"
    greyed = page.select_one("label[for='f-activity-puutyot'] .count")
    assert greyed is not None and greyed.get_text() == "Puutyöt (0)"
    regions = facet_labels(page, "region")
    lappi = next(code for code, label in regions.items() if label.startswith("Lapin"))
    assert regions[lappi].endswith("(0)")
    assert regions["15"].endswith("(12)")
    # "not recorded": Keski-Suomi's open providers with no type of work in the database
    ids = provider_ids_by_record(db_session)
    keski_suomi = {ids[f"P0{n}"] for n in range(55, 67)}
    with_activity = {
        row.provider_id
        for row in db_session.exec(select(ProviderActivity))
        if row.provider_id in keski_suomi
    }
    unrecorded = len(keski_suomi - with_activity)
    assert unrecorded > 0
    activity_facet = page.select_one("input[name=activity]").find_parent("fieldset")  # type: ignore[union-attr]
    assert f"Ei merkitty: {unrecorded}" in activity_facet.get_text(" ", strip=True)  # type: ignore[union-attr]
    assert page.select_one("input[type=hidden][name=all_options][value=true]") is not None
    back = page.find("a", string="Näytä vain löytyneet vaihtoehdot")
    assert back is not None and "all_options" not in str(back["href"])
    assert "region=15" in str(back["href"])


def test_all_options_in_swedish_and_english(client: TestClient) -> None:
    sv = soup(
        client.get("/sv/tjansteproducenter", params={"region": "15", "all_options": "true"}).text
    )
    assert facet_labels(sv, "activity")["puutyot"] == "Träarbete (0)"
    assert "Inte angivet:" in sv.get_text()
    en = soup(client.get("/en/providers", params={"region": "15", "all_options": "true"}).text)
    assert facet_labels(en, "activity")["puutyot"] == "Woodwork (0)"
    assert "Not recorded:" in en.get_text()


def test_bad_filter_values_get_a_clear_422_page(client: TestClient) -> None:
    response = client.get("/palveluntuottajat", params={"region": "1"})
    assert response.status_code == 422
    assert "Osa osoitteen arvoista" in response.text


def test_provider_page_is_honest_about_the_age_of_its_facts(
    client: TestClient, db_session: Session
) -> None:
    ids = provider_ids_by_record(db_session)
    page = soup(client.get(f"/palveluntuottajat/{ids['P001']}").text)
    warning = page.select_one(".notice--warning")
    assert warning is not None and "2015" in warning.get_text()
    assert "tarkista" in warning.get_text().lower()
    source = page.select_one(".source-box a[href^='http']")
    assert source is not None and "kotka.fi" in str(source["href"])


def test_provider_page_has_contacts_and_json_ld(client: TestClient, db_session: Session) -> None:
    ids = provider_ids_by_record(db_session)
    page = soup(client.get(f"/palveluntuottajat/{ids['P019']}").text)
    data = json.loads(page.select_one('script[type="application/ld+json"]').get_text())  # type: ignore[union-attr]
    assert data["@type"] == "Organization"
    assert data["address"]["streetAddress"] == "Ratsumestarinkatu 9"
    assert data["parentOrganization"]["name"] == "Sotek-säätiö"
    assert page.select_one("a[href='https://www.sotek.fi/']") is not None


def test_closed_provider_page_says_it_is_closed(client: TestClient, db_session: Session) -> None:
    ids = provider_ids_by_record(db_session)
    page = soup(client.get(f"/palveluntuottajat/{ids['P020']}").text)
    assert page.select_one(".notice--warning") is not None
    assert "lopettanut" in page.get_text().lower()


def test_unknown_provider_is_404(client: TestClient) -> None:
    assert client.get("/palveluntuottajat/999999").status_code == 404


def test_region_page_lists_providers_by_service_and_where_to_ask(client: TestClient) -> None:
    page = soup(client.get("/alueet/10").text)
    assert page.h1 is not None and "Kymenlaakso" in page.h1.get_text()
    assert page.select_one("#service-kuntouttava-tyotoiminta") is not None
    assert page.select_one("a[href='https://kymenhva.fi']") is not None
    assert "Kotka" in page.get_text()
    assert client.get("/alueet/91").status_code == 404, "Åland is not an organiser"
    assert client.get("/alueet/xx").status_code == 404


def test_csv_export_has_a_bom_and_the_same_rows_as_json(client: TestClient) -> None:
    params = {"region": "10", "sort": "name"}
    csv_response = client.get("/palveluntuottajat.csv", params=params)
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    text = csv_response.content.decode("utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # Finnish Excel
    json_rows = client.get("/palveluntuottajat.json", params=params).json()
    assert csv_rows == json_rows
    assert len(csv_rows) == client.get("/api/v1/providers", params=params).json()["total"]


def test_print_view_lists_the_whole_result_set(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat/tuloste", params={"region": "90"}).text)
    total = client.get("/api/v1/providers", params={"region": "90"}).json()["total"]
    assert len(page.select("tbody tr")) == total > 0


def test_api_lists_providers_with_facets(client: TestClient) -> None:
    body = client.get("/api/v1/providers", params={"q": "kierrätyksessä", "per_page": 5}).json()
    assert body["total"] >= 5 and body["per_page"] == 5 and len(body["items"]) == 5
    item = body["items"][0]
    assert set(item) >= {
        "id",
        "name",
        "region_code",
        "municipality_code",
        "services",
        "activities",
        "status",
        "source_date",
        "url",
    }
    assert item["url"].startswith("https://polku.example/palveluntuottajat/")
    assert set(body["facets"]) == {
        "region",
        "municipality",
        "service",
        "activity",
        "target_group",
        "language",
        "status",
    }


def test_api_reports_place_words_as_filters_and_advice(client: TestClient) -> None:
    plain = client.get("/api/v1/providers", params={"q": "kierrätys"}).json()
    assert plain["places"] == [] and plain["place_advice"] is None  # old clients see no change
    body = client.get("/api/v1/providers", params={"q": "kierrätykseen Jyväskylässä"}).json()
    assert body["places"] == [{"kind": "municipality", "code": "179"}]
    assert body["total"] >= 1 and body["place_advice"] is None
    none = client.get("/api/v1/providers", params={"q": "puutöitä Jyväskylässä"}).json()
    assert none["total"] == 0
    advice = none["place_advice"]
    assert advice["place_is_empty"] is False
    assert advice["elsewhere"]["scope"] == "country" and advice["elsewhere"]["total"] > 0
    assert advice["elsewhere"]["items"][0]["url"].startswith("https://polku.example/")
    assert advice["in_place"]["scope"] == "place"
    empty = client.get("/api/v1/providers", params={"q": "Vasa"}).json()["place_advice"]
    assert empty["place_is_empty"] is True and empty["region_is_empty"] is True


def test_api_provider_detail_and_errors(client: TestClient, db_session: Session) -> None:
    ids = provider_ids_by_record(db_session)
    body = client.get(f"/api/v1/providers/{ids['P019']}").json()
    assert body["street_address"] == "Ratsumestarinkatu 9" and body["phone"] is None
    assert client.get("/api/v1/providers/999999").status_code == 404
    for params in (
        {"region": "ab"},
        {"municipality": "12"},
        {"service": "ei-ole"},
        {"activity": "x"},
        {"per_page": "0"},
        {"sort": "x"},
    ):
        response = client.get("/api/v1/providers", params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"][0] == "query"


def test_provider_api_is_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/providers", "/api/v1/providers/{provider_id}"} <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/providers"]["get"]["parameters"]}
    assert parameters >= {
        "q",
        "region",
        "municipality",
        "service",
        "activity",
        "target_group",
        "language",
        "status",
        "page",
        "per_page",
    }


def test_search_without_an_index_is_a_clear_503(site_settings: Settings, tmp_path: Path) -> None:
    settings = site_settings.model_copy(update={"index_dir": tmp_path / "missing"})
    with TestClient(create_app(settings)) as client:
        page = client.get("/palveluntuottajat")
        api = client.get("/api/v1/providers")
        guide = client.get("/palvelut")
    assert page.status_code == 503 and "tilapäisesti" in page.text.lower()
    assert api.status_code == 503
    assert guide.status_code == 200, "the rest of the site keeps working"


def test_corrupt_index_is_a_503_not_a_500(site_settings: Settings, tmp_path: Path) -> None:
    broken = tmp_path / "index"
    shutil.copytree(site_settings.search_index_dir, broken)
    generation = (broken / "CURRENT").read_text()
    for file in (broken / generation).iterdir():
        file.write_bytes(b"garbage")
    settings = site_settings.model_copy(update={"index_dir": broken})
    with TestClient(create_app(settings)) as client:
        assert client.get("/palveluntuottajat").status_code == 503


def test_downloads_stream_the_same_text_the_whole_list_would_give(client: TestClient) -> None:
    """The streamed CSV and JSON are byte for byte what writing the whole list at once gives
    (`rows_to_csv`, `json.dumps(..., indent=1)`), across several streamed pieces."""
    from app.interop.csv import export

    csv_response = client.get("/palveluntuottajat.csv")
    json_response = client.get("/palveluntuottajat.json")
    assert csv_response.status_code == json_response.status_code == 200
    rows = json_response.json()
    assert len(rows) > 20
    assert json_response.text == json.dumps(rows, ensure_ascii=False, indent=1)
    assert csv_response.content.decode("utf-8") == export.rows_to_csv(rows)
    pieces = list(export.csv_pieces(rows * 20))
    assert len(pieces) > 1, "the rows should not fit one piece"
    assert "".join(pieces) == export.rows_to_csv(rows * 20)
    assert "".join(export.json_pieces([])) == "[]"
