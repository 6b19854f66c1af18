"""Security review 2026-12-05: operational surfaces (AC-10, IN-09)."""

from __future__ import annotations

import logging
import logging.config

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.web.main import create_app
from app.web.observability import logging_config

KEY = "k" * 40


def test_ac10_metrics_are_off_in_production_without_a_token() -> None:
    assert not Settings(environment="production", secret_key=KEY).metrics_served
    assert Settings(environment="production", secret_key=KEY, metrics_token="t" * 20).metrics_served
    assert Settings(environment="production", secret_key=KEY, metrics_public=True).metrics_served
    assert Settings(environment="development").metrics_served
    assert not Settings(environment="development", metrics_enabled=False).metrics_served


def test_ac10_a_production_site_without_a_token_has_no_metrics_route(
    site_settings: Settings,
) -> None:
    production = {**site_settings.model_dump(), "environment": "production", "secret_key": KEY}
    with TestClient(create_app(Settings(**production))) as client:
        assert client.get("/metrics").status_code == 404
    token = "t" * 20
    with TestClient(create_app(Settings(**{**production, "metrics_token": token}))) as client:
        assert client.get("/metrics").status_code == 401
        served = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert served.status_code == 200 and "polku_" in served.text


def test_in09_text_log_lines_escape_control_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.config.dictConfig(logging_config("text"))
    try:
        logging.getLogger("app.access").warning("GET %s 404", "/x\r\n2026-12-05 INFO forged\x00")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("app.errors").exception("failed on %s", "/y\nz")
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("GET /x\\x0d\\x0a2026-12-05 INFO forged\\x00 404")
    assert lines[1].endswith("failed on /y\\x0az")
    assert lines[2] == "Traceback (most recent call last):", "a traceback keeps its lines"
