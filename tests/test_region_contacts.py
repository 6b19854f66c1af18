"""Region contacts as public text: channels with their source date, urgent lines as a
secondary line, the organisers' own current pages, and an honest fallback."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app import i18n
from app.config import Settings
from app.contacts import DATA_DIR, display_date, load_region_contacts, page_language, phone_href
from app.db import make_engine
from app.models import RegionContact, RegionServicePage

RESULT_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=job&support=mental-health"
)
FALLBACK = {
    "fi": "Emme ole vielä löytäneet suoraa numeroa",
    "fi-selko": "Emme ole vielä löytäneet suoraa puhelinnumeroa",
    "sv": "Vi har ännu inte hittat något direkt nummer",
    "en": "We have not found a direct number yet",
}


def _page(client: TestClient, path: str, version: str) -> str:
    response = client.get(i18n.localized_path(path, version))
    assert response.status_code == 200
    return html.unescape(response.text)


def _where_to_ask(text: str) -> str:
    """The region's contact box only."""
    match = re.search(r'<div class="contact-note region-contact">(.*?)</div>', text, re.S)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("019 5600 111", "tel:+358195600111"),
        ("044 797 0676", "tel:+358447970676"),
        ("09 419 191", "tel:+3589419191"),
        ("+358 40 123 4567", "tel:+358401234567"),
        ("112", None),
    ],
)
def test_phone_numbers_become_international_tel_addresses(
    printed: str, expected: str | None
) -> None:
    assert phone_href(printed) == expected


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("2022-12", "12/2022"), ("2024-02-22", "22.2.2024"), ("2020", "2020"), (None, None),
     ("n.d.", None)],
)  # fmt: skip
def test_source_dates_are_shown_as_readers_write_them(
    stored: str | None, shown: str | None
) -> None:
    assert display_date(stored) == shown


@pytest.mark.parametrize(
    ("url", "language"),
    [
        ("https://www.luvn.fi/fi/palvelut/sosiaalipalvelut/kuntouttava-tyotoiminta", "fi"),
        ("https://hel.fi/helsinki/en/socia-health/socia-support/employment", "en"),
        ("https://example.org/SV/sidan", "sv"),
        ("https://ostranyland.fi/framsida/socialarbete-2/rehabiliterande-arbetsverksamhet/", None),
        ("https://palse.fi/?page=svc&lang=en", None),  # only the path is read
        ("https://en.example.org/finland", None),
    ],
)
def test_a_page_language_is_read_only_from_its_address_path(url: str, language: str | None) -> None:
    assert page_language(url) == language


def test_init_loads_the_bundled_contacts_and_loading_again_changes_nothing(
    site_settings: Settings,
) -> None:
    engine = make_engine(site_settings.database_url)
    try:
        with Session(engine) as session:
            before = session.exec(select(func.count()).select_from(RegionContact)).one()
            assert before == 13
            assert load_region_contacts(session=session) == (13, 12)
            assert session.exec(select(func.count()).select_from(RegionContact)).one() == 13
            historical = session.exec(
                select(RegionServicePage.region_code).where(col(RegionServicePage.is_historical))
            ).all()
            assert sorted(historical) == ["07", "09"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_a_region_with_an_advice_line_shows_it_as_a_phone_link_with_its_date(
    client: TestClient, version: str
) -> None:
    box = _where_to_ask(_page(client, "/alueet/01", version))
    assert '<a href="tel:+358195600111">019 5600 111</a>' in box
    assert "12/2022" in box
    assert FALLBACK[version] not in box


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_a_region_without_any_contact_says_so_and_links_its_website(
    client: TestClient, version: str
) -> None:
    box = _where_to_ask(_page(client, "/alueet/05", version))  # Varsinais-Suomi: no row
    assert FALLBACK[version] in box
    assert 'href="https://www.varha.fi"' in box
    assert "tel:" not in box


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_an_emergency_line_is_only_a_secondary_line(client: TestClient, version: str) -> None:
    box = _where_to_ask(_page(client, "/alueet/20", version))  # Kainuu
    channels = box.split('<ul class="plain contact-channels">')[1].split("</ul>")[0]
    assert "044 797 0676" not in channels, "the urgent line is never a first suggestion"
    assert '<p class="meta">' in box
    secondary = box.split('<p class="meta">')[1]
    assert '<a href="tel:+358447970676">044 797 0676</a>' in secondary
    assert FALLBACK[version] in box, "an urgent line is not a number for ordinary matters"


def test_only_current_organiser_pages_are_linked(client: TestClient) -> None:
    assert "hel.fi/helsinki/en/socia-health" in _where_to_ask(_page(client, "/alueet/90", "fi"))
    for code, historical_host in (("07", "fshky.fi"), ("09", "phhyky.fi")):
        assert historical_host not in _page(client, f"/alueet/{code}", "fi")


def _organiser_pages(box: str) -> list[str]:
    """The items of the "organiser's own pages" list of a contact box."""
    match = re.search(r'<ul class="link-list">(.*?)</ul>', box, re.S)
    assert match is not None, "the box lists no organiser pages"
    return re.findall(r"<li>(.*?)</li>", match.group(1), re.S)


def _page_item(box: str, host: str) -> str:
    items = [item for item in _organiser_pages(box) if host in item]
    assert len(items) == 1, (host, items)
    return items[0]


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_an_organiser_page_shows_its_phone_as_a_phone_link_and_its_hours(
    client: TestClient, version: str
) -> None:
    # Satakunta's page on palse.fi gives a number for its work and day activity.
    satakunta = _where_to_ask(_page(client, "/alueet/06", version))
    item = _page_item(satakunta, "palse.fi")
    assert '<a href="tel:+358449067556">0449067556</a>' in item
    assert "Hours" not in item and "Aukioloajat" not in item  # the page gives no hours
    # Pohjanmaa's page gives hours for its phone service (but no number).
    item = _page_item(_where_to_ask(_page(client, "/alueet/17", version)), "pohjanmaanhyvinvointi")
    hours = "joka arkipäivä</span>"
    assert (f'<span lang="fi">{hours}' if version in ("sv", "en") else f"<span>{hours}") in item
    assert "tel:" not in item


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_an_organiser_page_title_is_shown_when_it_says_more_than_the_topic(
    client: TestClient, version: str
) -> None:
    # Helsinki's pages are in English (hel.fi/helsinki/en/…): marked so on the other versions.
    item = _page_item(_where_to_ask(_page(client, "/alueet/90", version)), "socia-health")
    assert 'hreflang="en"' in item
    title = ">Employment support and social rehabilitation</cite>"
    assert (title in item) and (("<cite>" in item) == (version == "en")), item
    assert version == "en" or '<cite lang="en">' in item
    # Länsi-Uusimaa's Finnish page is titled with the topic's Finnish name: not said twice.
    item = _page_item(_where_to_ask(_page(client, "/alueet/03", version)), "luvn.fi")
    assert 'hreflang="fi"' in item
    if version == "fi":
        assert "<cite" not in item and item.count("Kuntouttava työtoiminta") == 1
    elif version != "fi-selko":
        assert '<cite lang="fi">Kuntouttava työtoiminta</cite>' in item


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_a_page_title_whose_language_only_the_data_gives_is_marked_with_it(
    client: TestClient, version: str
) -> None:
    # Itä-Uusimaa's page on ostranyland.fi is in Swedish: its address does not say so, but
    # the bundled data does (page_lang, WCAG 2.2 SC 3.1.2 language of parts).
    item = _page_item(_where_to_ask(_page(client, "/alueet/01", version)), "ostranyland.fi")
    assert 'hreflang="sv"' in item
    if version == "sv":
        assert "<cite>Rehabiliterande arbetsverksamhet</cite>" in item
    else:
        assert '<cite lang="sv">Rehabiliterande arbetsverksamhet</cite>' in item


def test_every_bundled_page_has_a_known_language_or_none(site_settings: Settings) -> None:
    engine = make_engine(site_settings.database_url)
    try:
        with Session(engine) as session:
            pages = session.exec(select(RegionServicePage)).all()
            languages = {(p.region_code, p.topic): p.page_lang for p in pages}
    finally:
        engine.dispose()
    assert set(languages.values()) <= {"fi", "sv", "en"}  # every bundled row says it
    assert languages[("01", "ktt")] == "sv"
    assert languages[("90", "social-rehab")] == "en"
    assert languages[("03", "ktt")] == "fi"


def test_an_unknown_page_language_in_the_bundled_file_stops_the_load(
    site_settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    pages_csv = data / "region_service_pages.csv"
    text = pages_csv.read_text(encoding="utf-8")
    assert text.count(",sv\n") == 1  # Itä-Uusimaa's page, the file's first row
    pages_csv.write_text(text.replace(",sv\n", ",swe\n"), encoding="utf-8")
    engine = make_engine(site_settings.database_url)
    try:
        with Session(engine) as session, pytest.raises(ValueError, match="line 2: unknown"):
            load_region_contacts(session=session, data_dir=data)
    finally:
        engine.dispose()


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_a_page_giving_the_advice_line_number_does_not_repeat_it(
    client: TestClient, version: str
) -> None:
    # Itä-Uusimaa's page gives the advice line's number, shown once at the top of the box.
    box = _where_to_ask(_page(client, "/alueet/01", version))
    assert box.count("tel:+358195600111") == 1
    assert "tel:" not in _page_item(box, "ostranyland.fi")


def test_the_questionnaire_result_shows_the_region_contact(client: TestClient) -> None:
    for version in i18n.VERSIONS:
        path = i18n.localized_path("/polku/tulos", version)
        text = html.unescape(client.get(f"{path}?{RESULT_ANSWERS}&municipality=205").text)
        box = _where_to_ask(text)
        assert "044 797 0676" in box
        assert FALLBACK[version] in box


def test_the_regions_page_shows_every_region_contact(client: TestClient) -> None:
    text = _page(client, "/alueet", "sv")
    assert text.count('<div class="contact-note region-contact">') == 22
    assert "tel:+358195600111" in text


def test_the_api_gives_contacts_as_fields_without_notes(client: TestClient) -> None:
    regions = {region["code"]: region for region in client.get("/api/v1/regions").json()}
    assert regions["01"]["contacts"][0]["phone"] == "019 5600 111"
    assert regions["01"]["contacts"][0]["source_date"] == "2022-12"
    assert regions["05"]["contacts"] == []
    assert [channel["kind"] for channel in regions["20"]["contacts"]] == [
        "own-municipality",
        "emergency",
    ]
    assert {page["topic"] for page in regions["90"]["service_pages"]} == {"ktt", "social-rehab"}
    palse = next(p for p in regions["06"]["service_pages"] if "palse.fi" in p["url"])
    assert palse["phone"] == "0449067556" and palse["hours_fi"] is None
    assert palse["page_title"].startswith("Satakunnan hyvinvointialue / Vammaisten")
    for page in regions["01"]["service_pages"]:
        assert set(page) == {
            "topic", "url", "page_title", "page_lang", "phone", "hours_fi", "source_date"
        }  # fmt: skip
    assert regions["01"]["service_pages"][0]["page_lang"] == "sv"  # from the data, not the address
    assert regions["07"]["service_pages"] == []
    for channel in regions["08"]["contacts"]:
        assert set(channel) == {
            "kind", "name_fi", "phone", "hours_fi", "url", "source_url", "source_date"
        }  # fmt: skip


def test_the_pathway_api_gives_the_region_contacts(client: TestClient) -> None:
    answer = client.get(f"/api/v1/pathway?{RESULT_ANSWERS}&municipality=205").json()
    assert answer["region"]["contacts"][-1]["phone"] == "044 797 0676"
