"""Service guide pages and `/api/v1/services`."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.guide.content import ALL_CODES, CORE_CODES, RELATED_CODES, Guide


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("prefix", ["", "/selko", "/sv/tjanster", "/en/services"])
def test_service_index_groups_core_and_related(client: TestClient, prefix: str) -> None:
    path = prefix if prefix.endswith(("tjanster", "services")) else f"{prefix}/palvelut"
    page = soup(client.get(path).text)
    lists = page.select("main ul.cards")
    assert len(lists) == 2
    assert len(lists[0].select(".card")) == len(CORE_CODES)
    assert len(lists[1].select(".card")) == len(RELATED_CODES)


@pytest.mark.parametrize("code", ALL_CODES)
@pytest.mark.parametrize("prefix", ["/palvelut", "/selko/palvelut", "/sv/tjanster", "/en/services"])
def test_every_service_page_renders_with_sources_and_date(
    client: TestClient, code: str, prefix: str
) -> None:
    response = client.get(f"{prefix}/{code}")
    assert response.status_code == 200
    page = soup(response.text)
    assert page.select_one("#sources") is not None
    assert page.select(".sources li"), "sources are listed"
    assert page.select_one(".meta") is not None


def test_core_page_links_to_the_reform_with_a_notice(client: TestClient) -> None:
    page = soup(client.get("/palvelut/kuntouttava-tyotoiminta").text)
    notice = page.select_one(".notice--change")
    assert notice is not None
    assert notice.select_one("a[href='/palvelut/uudistus-2026']") is not None
    assert [a["href"] for a in page.select(".toc a")][:2] == ["#what", "#for-whom"]


def test_version_switch_keeps_the_reader_on_the_same_service(client: TestClient) -> None:
    page = soup(client.get("/sv/tjanster/sosiaalinen-kuntoutus").text)
    links = {a.get_text(strip=True): a["href"] for a in page.select(".language-switch a")}
    assert links["Selkosuomi"] == "/selko/palvelut/sosiaalinen-kuntoutus"
    assert links["English"] == "/en/services/sosiaalinen-kuntoutus"


def test_listen_button_only_on_easy_finnish_pages(client: TestClient) -> None:
    selko = soup(client.get("/selko/palvelut/vammaisten-tyotoiminta").text)
    assert selko.select_one(".listen[hidden] button[data-listen-target]") is not None
    assert selko.select_one("script[src*='listen.js']") is not None
    for path in ("/palvelut/vammaisten-tyotoiminta", "/sv/tjanster/vammaisten-tyotoiminta"):
        page = soup(client.get(path).text)
        assert page.select_one("[data-listen-target]") is None
        assert page.select_one("script[src*='listen.js']") is None


def test_print_line_carries_address_and_date(client: TestClient) -> None:
    page = soup(client.get("/en/services/vertailu").text)
    line = page.select_one(".print-only")
    assert line is not None
    assert "https://polku.example/en/services/vertailu" in line.get_text()


def test_unknown_service_is_a_404(client: TestClient) -> None:
    assert client.get("/palvelut/ei-ole").status_code == 404


def test_missing_translation_falls_back_visibly(app: FastAPI, client: TestClient) -> None:
    guide: Guide = app.state.guide
    swedish = guide.pages[("tyokokeilu", "sv")]
    swedish.missing = True
    try:
        page = soup(client.get("/sv/tjanster/tyokokeilu").text)
    finally:
        swedish.missing = False
    notice = page.select_one(".notice--warning")
    assert notice is not None and "finns ännu inte på svenska" in notice.get_text()
    article = page.select_one("article")
    assert article is not None and article.get("lang") == "fi"


def test_services_api_lists_every_page_with_version_urls(client: TestClient) -> None:
    services = client.get("/api/v1/services").json()
    assert [service["code"] for service in services] == list(ALL_CODES)
    first = services[0]
    assert first["code"] == "kuntouttava-tyotoiminta" and first["kind"] == "core"
    assert first["url"] == "https://polku.example/palvelut/kuntouttava-tyotoiminta"
    assert first["url_selko"] == "https://polku.example/selko/palvelut/kuntouttava-tyotoiminta"
    assert first["url_sv"] == "https://polku.example/sv/tjanster/kuntouttava-tyotoiminta"
    assert first["url_en"] == "https://polku.example/en/services/kuntouttava-tyotoiminta"
    assert all(service["summary"] and service["last_checked"] for service in services)


def test_service_api_adds_sections_in_the_requested_version(client: TestClient) -> None:
    detail = client.get("/api/v1/services/sosiaalinen-kuntoutus?lang=en").json()
    assert detail["version"] == "en"
    assert [s["id"] for s in detail["sections"]][:2] == ["what", "for-whom"]
    assert any("1301/2014" in law["name"] for law in detail["law"])


def test_service_api_errors(client: TestClient) -> None:
    assert client.get("/api/v1/services/ei-ole").status_code == 404
    response = client.get("/api/v1/services?lang=de")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "lang"]


def test_services_api_is_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/services", "/api/v1/services/{code}"} <= set(paths)
