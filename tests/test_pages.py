"""Site pages: home, regions, accessibility statement, error pages, language switch."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.guide.selko_lint import lint_strings


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_home_routes_the_three_user_groups(client: TestClient) -> None:
    page = soup(client.get("/").text)
    groups = page.select(".card--group")
    assert len(groups) == 3
    for group in groups:
        assert group.select("a[href]"), "every group gets somewhere to go"


def test_easy_finnish_home_page_is_in_easy_finnish(client: TestClient) -> None:
    selko = soup(client.get("/selko").text)
    finnish = soup(client.get("/").text)
    assert selko.h1 is not None and finnish.h1 is not None
    assert selko.h1.get_text(strip=True) != finnish.h1.get_text(strip=True)
    main = selko.select_one("main")
    assert main is not None
    texts = [p.get_text(" ", strip=True) for p in main.select("h1, h2, h3, p, li a")]
    assert len(texts) > 10
    assert lint_strings("/selko", texts).problems == []


def test_home_links_resolve(client: TestClient) -> None:
    page = soup(client.get("/").text)
    for link in page.select("main a[href^='/']"):
        assert client.get(str(link["href"])).status_code == 200, link["href"]


def test_regions_page_lists_the_22_organisers_with_websites(client: TestClient) -> None:
    page = soup(client.get("/alueet").text)
    sections = page.select("section.region")
    assert len(sections) == 22
    helsinki = page.select_one("#alue-90")
    assert helsinki is not None and "https://www.hel.fi" in str(helsinki)
    assert all(section.select("a[href^='https://']") for section in sections)


def test_regions_page_lists_municipalities_of_each_region(client: TestClient) -> None:
    page = soup(client.get("/alueet").text)
    kymenlaakso = page.select("#alue-10 details li")
    assert {"Kotka", "Hamina", "Kouvola"} <= {li.get_text(strip=True) for li in kymenlaakso}
    total = len(page.select("section.region details li"))
    assert total == 292


def test_regions_page_shows_contacts_with_their_source(client: TestClient) -> None:
    page = soup(client.get("/alueet").text)
    note = page.select_one("#alue-01 .contact-note")
    assert note is not None
    assert note.select_one("a[href='tel:+358195600111']") is not None
    assert note.select_one("[lang=en]") is None, "no research notes in English"
    assert note.select_one("a[href*='loviisa.fi']") is not None


@pytest.mark.parametrize(
    ("path", "lang", "heading"),
    [
        ("/alueet", "fi", "Hyvinvointialueet ja mistä kysyä"),
        ("/selko/alueet", "fi", "Hyvinvointialueet ja mistä kysyä"),
        ("/sv/omraden", "sv", "Välfärdsområden och var du kan fråga"),
        ("/en/regions", "en", "Wellbeing regions and where to ask"),
    ],
)
def test_language_switch_changes_lang_and_ui_strings(
    client: TestClient, path: str, lang: str, heading: str
) -> None:
    page = soup(client.get(path).text)
    assert page.html is not None and page.html["lang"] == lang
    assert page.h1 is not None and page.h1.get_text(strip=True) == heading


def test_language_switch_links_keep_the_same_page(client: TestClient) -> None:
    page = soup(client.get("/sv/omraden").text)
    links = {a.get_text(strip=True): a["href"] for a in page.select(".language-switch a")}
    assert links == {
        "Suomi": "/alueet",
        "Selkosuomi": "/selko/alueet",
        "Svenska": "/sv/omraden",
        "English": "/en/regions",
    }
    current = page.select_one(".language-switch a[aria-current]")
    assert current is not None and current.get_text(strip=True) == "Svenska"


def test_region_names_follow_the_language(client: TestClient) -> None:
    swedish = soup(client.get("/sv/omraden").text).select_one("#alue-08-nimi")
    english = soup(client.get("/en/regions").text).select_one("#alue-08-nimi")
    assert swedish is not None and swedish.get_text(strip=True) == "Birkalands välfärdsområde"
    assert english is not None and "Pirkanmaa" in english.get_text()


@pytest.mark.parametrize(
    ("path", "lang", "text"),
    [
        ("/ei-ole", "fi", "Sivua ei löytynyt"),
        ("/sv/finns-inte", "sv", "Sidan hittades inte"),
        ("/en/missing", "en", "Page not found"),
    ],
)
def test_404_page_is_in_the_readers_language(
    client: TestClient, path: str, lang: str, text: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    page = soup(response.text)
    assert page.html is not None and page.html["lang"] == lang
    assert page.h1 is not None and page.h1.get_text(strip=True) == text


def test_api_404_is_json(client: TestClient) -> None:
    response = client.get("/api/v1/ei-ole")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_accessibility_statement_has_feedback_contact(client: TestClient) -> None:
    page = soup(client.get("/saavutettavuus").text)
    assert page.select_one("#palaute") is not None
    assert page.select_one("a[href='mailto:palaute@polku.example']") is not None
    english = soup(client.get("/en/accessibility").text)
    assert english.h1 is not None and english.h1.get_text(strip=True) == "Accessibility statement"


def test_footer_links_to_accessibility_statement_and_feedback(client: TestClient) -> None:
    footer = soup(client.get("/sv").text).select_one("footer")
    assert footer is not None
    hrefs = {str(a["href"]) for a in footer.select("a")}
    assert "/sv/tillganglighet" in hrefs
    assert "/sv/tillganglighet/palaute" in hrefs


def test_pages_load_nothing_from_other_hosts(client: TestClient) -> None:
    for path in ("/", "/alueet", "/saavutettavuus", "/palvelut"):
        page = soup(client.get(path).text)
        for tag in page.select("script[src], link[href], img[src]"):
            address = str(tag.get("src") or tag.get("href"))
            if tag.name == "link" and tag.get("rel") == ["alternate"]:
                continue  # alternate-language links are addresses of this site, not loads
            assert address.startswith("/"), f"{path} loads {address}"
