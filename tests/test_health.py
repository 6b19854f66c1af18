"""`/healthz` checks the database and the search index."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.web.main import create_app


def test_health_is_ok_when_database_and_index_work(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["index"] == "ok"
    assert body["index_documents"] > 300


def test_health_is_503_without_an_index(site_settings: Settings, tmp_path: Path) -> None:
    settings = site_settings.model_copy(update={"index_dir": tmp_path / "no-index"})
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["index"] == "unavailable"


def test_health_is_503_when_the_database_is_unreachable(
    site_settings: Settings, tmp_path: Path
) -> None:
    index_copy = tmp_path / "index"
    shutil.copytree(site_settings.search_index_dir, index_copy)
    settings = site_settings.model_copy(
        update={
            "database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
            "index_dir": index_copy,
        }
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["index"] == "ok"
