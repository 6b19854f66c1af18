"""Security headers on every kind of response: HTML, JSON, static, 404, 422 and 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from app.config import Settings
from app.web.main import create_app

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def assert_security_headers(response: Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    for name, value in EXPECTED.items():
        assert response.headers[name] == value


@pytest.fixture
def failing_app(site_settings: Settings) -> Iterator[FastAPI]:
    """The site with one extra route that fails, to see the 500 page."""
    app = create_app(site_settings)

    @app.get("/sv/boom-test")
    @app.get("/boom-test")
    def boom() -> None:
        raise RuntimeError("test failure")

    yield app


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/alueet",
        "/api/v1/regions",
        "/healthz",
        "/static/css/polku.css",
        "/ei-ole",
        "/openapi.json",
    ],
)
def test_headers_on_every_response_type(client: TestClient, path: str) -> None:
    assert_security_headers(client.get(path))


def test_headers_on_validation_errors(client: TestClient) -> None:
    response = client.get("/api/v1/services?lang=xx")
    assert response.status_code == 422
    assert_security_headers(response)


def test_500_page_has_headers_and_speaks_the_readers_language(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as client:
        response = client.get("/sv/boom-test")
    assert response.status_code == 500
    assert_security_headers(response)
    assert 'lang="sv"' in response.text
    assert "Något gick fel" in response.text


def test_hsts_only_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://polku.example") as https_client:
        assert "max-age=" in https_client.get("/").headers["strict-transport-security"]
    with TestClient(app, base_url="http://polku.example") as http_client:
        assert "strict-transport-security" not in http_client.get("/").headers


def test_interactive_docs_that_load_cdn_scripts_are_off(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_text_responses_are_gzipped(client: TestClient) -> None:
    response = client.get("/palvelut", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert_security_headers(response)


def test_fingerprinted_static_files_are_cached_for_a_year(client: TestClient) -> None:
    page = client.get("/").text
    stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert "?v=" in stylesheet
    cached = client.get(stylesheet)
    assert (
        "immutable" in cached.headers["cache-control"]
        and "max-age=31536000" in cached.headers["cache-control"]
    )
    plain = client.get("/static/css/polku.css")
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert (
        client.get(stylesheet, headers={"If-None-Match": cached.headers["etag"]}).status_code == 304
    )


def test_maintainer_pages_are_not_compressed(client: TestClient) -> None:
    response = client.get("/admin/login", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
