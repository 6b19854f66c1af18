"""Employment areas: named for a municipality only where a source lists it, never guessed."""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app import i18n
from app.config import Settings
from app.contacts import DATA_DIR, JOBSEEKER_REGISTRATION_URL, load_employment_areas
from app.db import make_engine
from app.models import EmploymentArea, EmploymentAreaMember

RESULT_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=job&support=mental-health"
)
ASK_YOUR_MUNICIPALITY = {
    "fi": "kysy kuntasi työllisyyspalveluista",
    "fi-selko": "Kysy neuvoa omasta kunnastasi",
    "sv": "fråga din kommuns arbetskraftstjänster",
    "en": "ask your municipality's employment services",
}
# The region page's list uses the Finnish sentence for easy Finnish too.
ASK_IN_REGION_LIST = {**ASK_YOUR_MUNICIPALITY, "fi-selko": ASK_YOUR_MUNICIPALITY["fi"]}


def _bundled_members() -> dict[str, str]:
    with (DATA_DIR / "employment_areas.csv").open(encoding="utf-8", newline="") as handle:
        return {
            code: row["area_name_fi"]
            for row in csv.DictReader(handle)
            for code in row["member_municipality_codes"].split(";")
            if code
        }


def _result(client: TestClient, version: str, municipality: str) -> str:
    path = i18n.localized_path("/polku/tulos", version)
    response = client.get(f"{path}?{RESULT_ANSWERS}&municipality={municipality}")
    assert response.status_code == 200
    text = html.unescape(response.text)
    return text.split('<div class="contact-note employment-area">')[1].split("</div>")[0]


def test_init_loads_every_area_and_member(site_settings: Settings) -> None:
    engine = make_engine(site_settings.database_url)
    try:
        with Session(engine) as session:
            assert session.exec(select(func.count()).select_from(EmploymentArea)).one() == 41
            members = session.exec(select(func.count()).select_from(EmploymentAreaMember)).one()
            assert members == len(_bundled_members()) == 173
            assert load_employment_areas(session=session) == (41, 173)
    finally:
        engine.dispose()


def test_a_member_code_that_is_no_municipality_stops_the_load(
    site_settings: Settings, tmp_path: Path
) -> None:
    shutil.copy(DATA_DIR / "employment_areas.csv", tmp_path / "employment_areas.csv")
    with (tmp_path / "employment_areas.csv").open("a", encoding="utf-8") as handle:
        handle.write("Keksitty työllisyysalue,,,999,,,https://example.invalid,,\n")
    engine = make_engine(site_settings.database_url)
    try:
        with Session(engine) as session:
            with pytest.raises(ValueError, match="999"):
                load_employment_areas(session=session, data_dir=tmp_path)
            session.rollback()
            assert session.exec(select(func.count()).select_from(EmploymentArea)).one() == 41
    finally:
        engine.dispose()


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_the_result_names_the_municipalitys_employment_area(
    client: TestClient, version: str
) -> None:
    box = _result(client, version, "286")  # Kouvola organises alone
    assert "Kouvolan kaupunki (työvoimaviranomainen)" in box
    assert ASK_YOUR_MUNICIPALITY[version] not in box
    assert JOBSEEKER_REGISTRATION_URL in box


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_a_municipality_in_no_area_is_told_to_ask_and_nothing_is_guessed(
    client: TestClient, version: str
) -> None:
    assert "205" not in _bundled_members()  # Kajaani: Kainuu is missing from the data
    box = _result(client, version, "205")
    assert ASK_YOUR_MUNICIPALITY[version] in box
    assert "työllisyysalue</strong>" not in box


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_region_page_groups_its_municipalities_by_employment_area(
    client: TestClient, version: str
) -> None:
    text = html.unescape(client.get(i18n.localized_path("/alueet/17", version)).text)
    section = text.split('<ul class="plain employment-areas">')[1].split("</ul>")[0]
    items = section.split("<li>")[1:]
    vaasa_area = next(item for item in items if "Pohjanmaan työllisyysalue" in item)
    assert ("Vasa" if version == "sv" else "Vaasa") in vaasa_area
    unknown = items[-1]
    assert ASK_IN_REGION_LIST[version] in unknown
    assert ("Kronoby" if version == "sv" else "Kruunupyy") in unknown
    assert sum(ASK_IN_REGION_LIST[version] in item for item in items) == 1


def test_every_named_area_on_a_region_page_matches_the_source(client: TestClient) -> None:
    members = _bundled_members()
    regions = client.get("/api/v1/regions").json()
    for region in regions:
        text = html.unescape(client.get(f"/alueet/{region['code']}").text)
        section = text.split('<ul class="plain employment-areas">')[1].split("</ul>")[0]
        for municipality in region["municipalities"]:
            area = members.get(municipality["code"])
            item = next(i for i in section.split("<li>")[1:] if municipality["name_fi"] in i)
            if area is None:
                assert "työllisyyspalveluista" in item, municipality
            else:
                assert f"<strong>{area}</strong>" in item, municipality


def test_the_pathway_api_names_the_area_or_leaves_it_null(client: TestClient) -> None:
    kouvola = client.get(f"/api/v1/pathway?{RESULT_ANSWERS}&municipality=286").json()
    assert kouvola["region"]["employment_area"]["name_fi"] == (
        "Kouvolan kaupunki (työvoimaviranomainen)"
    )
    assert "notes" not in kouvola["region"]["employment_area"]
    kajaani = client.get(f"/api/v1/pathway?{RESULT_ANSWERS}&municipality=205").json()
    assert kajaani["region"]["employment_area"] is None


# --- "Where to ask in your municipality" on the service pages (GET `kunta`) ---------------


def _local_section(client: TestClient, path: str, *, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status
    text = html.unescape(response.text)
    return text.split('<section class="local-contacts" id="where-to-ask"')[1].split("</section>")[0]


@pytest.mark.parametrize("version", i18n.VERSIONS)
@pytest.mark.parametrize("code", ["kuntouttava-tyotoiminta", "tyollisyyspalvelut"])
def test_a_service_page_names_the_area_and_region_contact_for_a_member_municipality(
    client: TestClient, version: str, code: str
) -> None:
    path = i18n.localized_path(f"/palvelut/{code}", version)
    section = _local_section(client, f"{path}?kunta=286")  # Kouvola organises alone
    assert "Kouvolan kaupunki (työvoimaviranomainen)" in section
    assert ASK_YOUR_MUNICIPALITY[version] not in section
    assert 'class="contact-note region-contact"' in section  # Kymenlaakso's contact
    assert "Sosiaalihuollon asiakasneuvonta" in section
    assert JOBSEEKER_REGISTRATION_URL in section
    assert '<option value="286" selected>' in section


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_a_service_page_says_ask_for_a_municipality_in_no_area(
    client: TestClient, version: str
) -> None:
    assert "205" not in _bundled_members()  # Kajaani
    path = i18n.localized_path("/palvelut/kuntouttava-tyotoiminta", version)
    section = _local_section(client, f"{path}?kunta=205")
    assert ASK_YOUR_MUNICIPALITY[version] in section
    assert "työllisyysalue</strong>" not in section
    assert "(työvoimaviranomainen)" not in section
    assert 'class="contact-note region-contact"' in section  # Kainuu's fallback at least
    assert JOBSEEKER_REGISTRATION_URL in section


def test_the_form_alone_before_a_municipality_is_chosen(client: TestClient) -> None:
    section = _local_section(client, "/palvelut/tyollisyyspalvelut")
    assert 'method="get"' in section
    assert 'name="kunta"' in section
    assert "employment-area" not in section and "region-contact" not in section
    assert JOBSEEKER_REGISTRATION_URL in section
    assert '<option value="941"' not in section  # Åland (Vårdö) is not offered


def test_an_unknown_municipality_is_answered_422_with_a_message(client: TestClient) -> None:
    section = _local_section(client, "/en/services/tyollisyyspalvelut?kunta=999", status=422)
    assert "Choose your municipality from the list." in section
    assert 'aria-invalid="true"' in section


def test_an_aland_municipality_is_not_given_a_region_or_area(client: TestClient) -> None:
    section = _local_section(client, "/palvelut/kuntouttava-tyotoiminta?kunta=478")  # Maarianhamina
    assert "Ahvenanmaalla" in section or "Ahvenanmaa" in section
    assert "region-contact" not in section and "employment-area" not in section


def test_pages_without_the_employment_area_have_no_form(client: TestClient) -> None:
    text = client.get("/palvelut/sosiaalinen-kuntoutus?kunta=286").text
    assert 'id="where-to-ask"' not in text


def test_a_chosen_municipality_leads_on_to_the_nearest_places_offering_the_service(
    client: TestClient,
) -> None:
    page = "/palvelut/kuntouttava-tyotoiminta"
    section = _local_section(client, f"{page}?kunta=286")
    link = "/palveluntuottajat?service=kuntouttava-tyotoiminta&near=286"
    assert f'href="{link}"' in section
    found = client.get("/api/v1/providers?service=kuntouttava-tyotoiminta&near=286").json()
    assert found["total"] > 0, "the link never leads to an empty list"
    assert found["items"][0]["distance_km"] is not None
    near_form = html.unescape(client.get(f"{page}?kunta=286").text).split('class="near-picker"')[1]
    assert '<option value="286" selected>' in near_form.split("</form>")[0]
    # Without a choice, or with Åland's Maarianhamina, no such link
    assert "near=" not in _local_section(client, page)
    assert "near=" not in _local_section(client, f"{page}?kunta=478")


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_the_two_municipality_pickers_of_a_service_page_have_different_labels(
    client: TestClient, version: str
) -> None:
    path = i18n.localized_path("/palvelut/kuntouttava-tyotoiminta", version)
    text = html.unescape(client.get(path).text)
    labels = re.findall(r'<label for="(?:local-municipality|near)">([^<]+)</label>', text)
    assert len(labels) == 2, "both the where-to-ask and the near-me picker are on the page"
    assert labels[0] != labels[1], "a screen reader must tell the two apart"
