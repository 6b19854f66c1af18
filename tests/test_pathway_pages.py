"""Questionnaire pages without JavaScript, privacy of the answers, and the pathway API."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web.observability import StripPrivateQueryStrings


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def answer(client: TestClient, page_url: str, values: dict[str, str | list[str]]) -> str:
    """Submit a question page's form as a browser would; return the next page's address."""
    page = soup(client.get(page_url).text)
    form = page.select_one("main form")
    assert form is not None
    params: list[tuple[str, str]] = [
        (str(i["name"]), str(i["value"])) for i in form.select("input[type=hidden]")
    ]
    for name, value in values.items():
        params += [(name, v) for v in (value if isinstance(value, list) else [value])]
    response = client.get(str(form["action"]), params=params, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


VATES_ANSWERS: list[tuple[str, dict[str, str | list[str]]]] = [
    ("age", {"age": "30-64"}),
    ("situation", {"situation": "unemployed-long"}),
    ("jobseeker", {"jobseeker": "yes"}),
    ("limits", {"limits": "some"}),
    ("disability", {"disability": "no"}),
    ("goal", {"goal": "studies"}),
    ("support", {"support": ["substance", "loneliness"]}),
    ("municipality", {"municipality": "285"}),
]


def walk(client: TestClient, prefix: str = "") -> str:
    """Answer the VATES persona's questions one page at a time; return the check page address."""
    start = soup(client.get(f"{prefix}/polku" if not prefix else f"{prefix}").text)
    start_link = start.select_one("main a[href*='/kysymys/']")
    assert start_link is not None
    url = str(start_link["href"])
    for question_id, values in VATES_ANSWERS:
        assert f"/kysymys/{question_id}" in url, (question_id, url)
        url = answer(client, url, values)
    return url


def test_start_page_says_how_many_questions_and_that_nothing_is_stored(client: TestClient) -> None:
    response = client.get("/polku")
    page = soup(response.text)
    text = page.get_text()
    assert "yhdeksän" in text and "tallenna" in text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in response.headers


def test_whole_questionnaire_without_javascript(client: TestClient) -> None:
    check_url = walk(client)
    assert "/polku/tarkista?" in check_url
    check = soup(client.get(check_url).text)
    rows = check.select(".summary-list__row")
    assert len(rows) == len(VATES_ANSWERS)
    result_link = check.select_one("main a[href*='/tulos?']")
    assert result_link is not None
    result = soup(client.get(str(result_link["href"])).text)
    titles = [a.get_text(strip=True) for a in result.select(".suggestion-card h2 a")]
    assert titles[0] == "Kuntouttava työtoiminta"
    assert "Kymenlaakson hyvinvointialue" in result.select_one("#contact").find_next("p").get_text()  # type: ignore[union-attr]
    catalogue_link = result.select_one(".suggestion-card a[href^='/palveluntuottajat?region=10']")
    assert catalogue_link is not None and "service=kuntouttava-tyotoiminta" in str(
        catalogue_link["href"]
    )
    assert result.select_one(".notice--info") is not None, "guidance, not a decision"


def test_every_question_page_has_exit_and_back_links(client: TestClient) -> None:
    page = soup(client.get("/polku/kysymys/limits?age=30-64&situation=employed").text)
    assert page.select_one("a[data-quick-exit]") is not None
    back = page.select_one(".back-link a")
    assert back is not None
    assert parse_qs(urlsplit(str(back["href"])).query) == {
        "age": ["30-64"],
        "situation": ["employed"],
    }
    assert "/kysymys/situation" in str(back["href"])


def test_back_link_keeps_the_earlier_answer_selected(client: TestClient) -> None:
    page = soup(client.get("/polku/kysymys/situation?age=30-64&situation=student").text)
    checked = page.select_one("input[name=situation][checked]")
    assert checked is not None and checked["value"] == "student"


def test_missing_answer_shows_an_error_summary(client: TestClient) -> None:
    response = client.get("/polku/seuraava", params={"kysymys": "situation", "age": "30-64"})
    assert response.status_code == 422
    page = soup(response.text)
    assert page.select_one(".error-summary[role=alert] a[href='#answer-situation-0']") is not None
    assert page.title is not None and page.title.get_text().startswith("Virhe:")


def test_changing_an_answer_returns_to_the_check_page(client: TestClient) -> None:
    base = "age=30-64&situation=employed&limits=none&goal=job&support=none"
    page = soup(client.get(f"/polku/tarkista?{base}").text)
    change = page.select_one("a[href*='/kysymys/goal']")
    assert change is not None and "muuta=1" in str(change["href"])
    location = answer(client, str(change["href"]), {"goal": "studies"})
    assert location.startswith("/polku/tarkista?")
    assert parse_qs(urlsplit(location).query)["goal"] == ["studies"]


def test_a_change_that_opens_a_new_question_asks_it(client: TestClient) -> None:
    base = "age=30-64&situation=employed&limits=none&goal=job&support=none"
    location = answer(client, f"/polku/kysymys/limits?{base}&muuta=1", {"limits": "a-lot"})
    assert "/kysymys/disability" in location and "muuta=1" in location


def test_over_64_gets_services_that_fit_after_a_short_questionnaire(client: TestClient) -> None:
    location = answer(client, "/polku/kysymys/age", {"age": "65-plus"})
    assert "/kysymys/disability" in location, "no questions about work or job seeking"
    location = answer(client, location, {"disability": "no"})
    assert "/kysymys/support" in location
    result = soup(client.get("/polku/tulos?age=65-plus&disability=no&support=loneliness").text)
    titles = [a.get_text(strip=True) for a in result.select(".suggestion-card h2 a")]
    assert "Kohtaamispaikat ja välityömarkkinat" in titles, "never an empty result"
    assert "ikääntyneiden palvelujen" in result.select_one("[data-note=over-64]").get_text()  # type: ignore[union-attr]


def test_parent_of_a_minor_is_pointed_to_disability_social_work(client: TestClient) -> None:
    location = answer(client, "/polku/kysymys/age", {"age": "under-18"})
    assert "/kysymys/intellectual_disability" in location
    location = answer(client, location, {"intellectual_disability": "yes"})
    assert "/kysymys/municipality" in location
    result = soup(client.get("/polku/tulos?age=under-18&intellectual_disability=yes").text)
    note = result.select_one("[data-note=under-18-intellectual-disability]")
    assert note is not None and "ennen kuin koulu päättyy" in note.get_text()
    titles = [a.get_text(strip=True) for a in result.select(".suggestion-card h2 a")]
    assert titles == ["Kehitysvammaisten henkilöiden työtoiminta ja työhönvalmennus"]


def test_an_old_link_with_a_retired_age_band_asks_the_age_again(client: TestClient) -> None:
    response = client.get(
        "/polku/tulos?age=18-29&situation=other&jobseeker=no&limits=none&goal=job&support=none",
        follow_redirects=False,
    )
    assert response.status_code == 303
    check = client.get(str(response.headers["location"]), follow_redirects=False)
    assert check.status_code == 303 and "/kysymys/age" in check.headers["location"]


URGENT_PAGES = {
    "fi": ("/polku/tulos", "/palvelut/mielenterveys-ja-paihdepalvelut"),
    "fi-selko": ("/selko/polku/tulos", "/selko/palvelut/mielenterveys-ja-paihdepalvelut"),
    "sv": ("/sv/vagen/tulos", "/sv/tjanster/mielenterveys-ja-paihdepalvelut"),
    "en": ("/en/pathway/tulos", "/en/services/mielenterveys-ja-paihdepalvelut"),
}
MENTAL_HEALTH_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=a-lot&disability=no"
    "&goal=everyday-life&support=mental-health"
)


def assert_urgent_box(page: BeautifulSoup, version: str) -> None:
    box = page.select_one("main aside.urgent-help")
    assert box is not None, version
    heading = box.select_one("h2")
    assert heading is not None and heading["id"] == box["aria-labelledby"]
    tel = {str(a["href"]) for a in box.select("a[href^='tel:']")}
    assert {"tel:112", "tel:116117", "tel:+358925250111"} <= tel
    expected_extra = {"sv": "tel:+358925250112", "en": "tel:+358925250116"}.get(version)
    if expected_extra:
        assert expected_extra in tel
    assert "2026" in box.select("p.meta")[-1].get_text(), "the date the numbers were checked"
    assert all(a.get_text(strip=True) for a in box.select("a"))


@pytest.mark.parametrize("version", list(URGENT_PAGES))
def test_urgent_help_box_on_the_result_when_mental_health_support_is_asked(
    client: TestClient, version: str
) -> None:
    result_path, _guide = URGENT_PAGES[version]
    page = soup(client.get(f"{result_path}?{MENTAL_HEALTH_ANSWERS}").text)
    assert_urgent_box(page, version)
    substance = MENTAL_HEALTH_ANSWERS.replace("support=mental-health", "support=substance")
    assert_urgent_box(soup(client.get(f"{result_path}?{substance}").text), version)
    none = MENTAL_HEALTH_ANSWERS.replace("support=mental-health", "support=none")
    assert soup(client.get(f"{result_path}?{none}").text).select_one(".urgent-help") is None


@pytest.mark.parametrize("version", list(URGENT_PAGES))
def test_urgent_help_box_on_the_mental_health_guide_page(client: TestClient, version: str) -> None:
    _result, guide_path = URGENT_PAGES[version]
    assert_urgent_box(soup(client.get(guide_path).text), version)
    other = guide_path.replace("mielenterveys-ja-paihdepalvelut", "kuntouttava-tyotoiminta")
    assert soup(client.get(other).text).select_one(".urgent-help") is None


def test_aland_gets_its_own_route_and_no_made_up_contact(client: TestClient) -> None:
    answers = (
        "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
        "&goal=job&support=none&municipality=478"
    )
    response = client.get(f"/polku/tulos?{answers}")
    assert response.status_code == 200
    page = soup(response.text)
    note = page.select_one("[data-note=outside-regions]")
    assert note is not None and "Ahvenanmaa ei kuulu hyvinvointialueisiin" in note.get_text()
    links = {str(a["href"]) for a in page.select("main a[href^='https://']")}
    assert {"https://www.kst.ax", "https://www.ams.ax"} <= links
    assert not page.select("a[href*='/alueet/91']"), "Åland has no region page"
    assert not page.select("a[href*='region=91']")
    assert not page.select("a[href^='tel:']"), "no phone number we could not confirm"


@pytest.mark.parametrize(
    ("answers", "note", "words"),
    [
        ("age=18-24&situation=unemployed-short&jobseeker=yes&limits=none&goal=studies"
         "&support=none", "under-25", "vähintään 2 koulutuspaikkaa"),
        ("age=30-64&situation=other&jobseeker=no&limits=some&disability=no&goal=job"
         "&support=integration", "integration", "kotoutumis"),
        ("age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
         "&goal=job&support=none", "kt-duties", "Puhu aina ensin"),
    ],
)  # fmt: skip
def test_result_notes_for_young_people_immigrants_and_duties(
    client: TestClient, answers: str, note: str, words: str
) -> None:
    page = soup(client.get(f"/polku/tulos?{answers}").text)
    shown = page.select_one(f"[data-note={note}]")
    assert shown is not None and words in shown.get_text()


def test_not_registered_jobseeker_is_told_to_register_first(client: TestClient) -> None:
    answers = (
        "age=30-64&situation=unemployed-long&jobseeker=no&limits=some&disability=no"
        "&goal=everyday-life&support=none"
    )
    page = soup(client.get(f"/polku/tulos?{answers}").text)
    cards = page.select(".suggestion-card")
    register = next(c for c in cards if "Työllisyysalueen palvelut" in c.get_text())
    assert register.select_one(".fit--likely") is not None
    kt = next(c for c in cards if "Kuntouttava työtoiminta" in c.get_text())
    assert kt.select_one(".fit--possible") is not None
    assert "Ensimmäinen askel on ilmoittautua työnhakijaksi" in kt.get_text()


def test_tampered_address_is_a_clear_422(client: TestClient) -> None:
    response = client.get("/polku/tulos?age=30-64&situation=astronaut")
    assert response.status_code == 422
    assert "situation=astronaut" in response.text


def test_swedish_and_easy_finnish_versions(client: TestClient) -> None:
    swedish = soup(client.get("/sv/vagen/kysymys/age").text)
    assert swedish.html is not None and swedish.html["lang"] == "sv"
    form = swedish.select_one("main form")
    assert form is not None and form["action"] == "/sv/vagen/seuraava"
    selko = soup(client.get("/selko/polku").text)
    assert selko.h1 is not None and selko.h1.get_text(strip=True)


def test_access_log_lines_lose_the_answers() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/sv/vagen/tulos?age=30-64&situation=pension", "1.1", 200), None,
    )  # fmt: skip
    StripPrivateQueryStrings().filter(record)
    assert "pension" not in record.getMessage()
    assert "/sv/vagen/tulos" in record.getMessage()
    other = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/palveluntuottajat?q=paja", "1.1", 200), None,
    )  # fmt: skip
    StripPrivateQueryStrings().filter(other)
    assert "q=paja" in other.getMessage()


def test_pathway_api_returns_suggestions_exclusions_and_region(client: TestClient) -> None:
    body = client.get(
        "/api/v1/pathway",
        params={"age": "30-64", "situation": "pension", "limits": "a-lot", "disability": "yes",
                "intellectual_disability": "no", "goal": "daily-activity", "municipality": "091",
                "lang": "en"},
    ).json()  # fmt: skip
    assert {s["service"] for s in body["suggestions"]} >= {"vammaisten-tyotoiminta"}
    assert body["excluded"][0]["service"] == "kuntouttava-tyotoiminta"
    assert "pension" in body["excluded"][0]["reason"].lower()
    assert body["region"]["code"] == "90"


def test_pathway_api_takes_the_new_answers(client: TestClient) -> None:
    body = client.get(
        "/api/v1/pathway",
        params={"age": "30-64", "situation": "pension-partial", "jobseeker": "yes",
                "limits": "some", "disability": "no", "goal": "job", "support": "integration"},
    ).json()  # fmt: skip
    assert "kuntouttava-tyotoiminta" in {s["service"] for s in body["suggestions"]}
    assert body["excluded"] == []
    older = client.get("/api/v1/pathway", params={"age": "65-plus", "disability": "no"})
    assert older.status_code == 200, "no situation is asked over 64"
    assert {s["service"] for s in older.json()["suggestions"]} == {"kohtaamispaikat"}
    assert client.get("/api/v1/pathway", params={"age": "18-29"}).status_code == 422


@pytest.mark.parametrize(
    "params",
    [{}, {"age": "old"}, {"age": "30-64"}, {"age": "30-64", "situation": "x"},
     {"age": "30-64", "situation": "other", "support": "cake"},
     {"age": "30-64", "situation": "other", "municipality": "12"},
     {"age": "30-64", "situation": "other", "municipality": "999"},
     {"age": "30-64", "situation": "other", "lang": "de"}],
)  # fmt: skip
def test_pathway_api_rejects_unknown_or_missing_values_with_422(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/api/v1/pathway", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_pathway_api_is_documented(client: TestClient) -> None:
    parameters = {
        p["name"]
        for p in client.get("/openapi.json").json()["paths"]["/api/v1/pathway"]["get"]["parameters"]
    }
    assert parameters == {
        "age", "situation", "jobseeker", "limits", "disability", "intellectual_disability",
        "goal", "support", "municipality", "lang",
    }  # fmt: skip
