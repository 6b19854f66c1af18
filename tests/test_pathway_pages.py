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


def test_over_64_gets_a_result_after_one_question(client: TestClient) -> None:
    location = answer(client, "/polku/kysymys/age", {"age": "65-plus"})
    assert location.startswith("/polku/tarkista")
    result = soup(client.get("/polku/tulos?age=65-plus").text)
    assert not result.select(".suggestion-card")
    assert "ikääntyneiden" in result.get_text()


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
