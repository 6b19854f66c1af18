"""Operations: JSON logs with request ids and no personal data, metrics, ETags, shutdown."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from app import __main__ as cli
from app.config import Settings
from app.models import ImportRun
from app.web.main import create_app
from app.web.observability import logging_config
from tests.fixtures.catalogue import provider_ids_by_record

ANSWERS = "age=30-64&situation=pension&limits=none&goal=job&support=none"
SEARCH_WORD = "zorbakuppi"  # a word no page or log line contains by itself
CONFIGURED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "app", "app.access")


# --- Logs --------------------------------------------------------------------------------


@pytest.fixture
def json_logs() -> Iterator[Any]:
    """The server's JSON logging config applied for one test; yields a reader of the lines."""
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    saved = {
        name: (lg.handlers[:], lg.level, lg.propagate, lg.disabled)
        for name in CONFIGURED_LOGGERS
        for lg in [logging.getLogger(name)]
    }
    logging.config.dictConfig(logging_config("json"))
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)  # the configured handler, writing here instead of stderr

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    yield read
    root.handlers[:], root.level = saved_root
    for name, (handlers, level, propagate, disabled) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:], lg.level, lg.propagate, lg.disabled = handlers, level, propagate, disabled


@pytest.fixture
def logging_app(site_settings: Settings) -> FastAPI:
    """The site with one extra route that writes an application log line."""
    app = create_app(site_settings)

    @app.get("/log-test")
    def log_something() -> dict[str, str]:
        logging.getLogger("app.test").warning("inside the request")
        return {"ok": "yes"}

    return app


def test_log_lines_are_json_with_the_request_id_of_the_response(
    logging_app: FastAPI, json_logs: Any
) -> None:
    with TestClient(logging_app) as client:
        response = client.get("/log-test")
    request_id = response.headers["x-request-id"]
    lines = json_logs()
    app_line = next(line for line in lines if line["logger"] == "app.test")
    access = next(line for line in lines if line["logger"] == "app.access")
    assert app_line["message"] == "inside the request"
    assert app_line["level"] == "WARNING"
    assert app_line["request_id"] == request_id
    assert access["request_id"] == request_id
    assert access["method"] == "GET" and access["path"] == "/log-test"
    assert access["status"] == 200 and access["route"] == "/log-test"
    assert access["bytes"] == len(response.content)
    assert isinstance(access["duration_ms"], float)
    assert dt.datetime.fromisoformat(access["time"]).tzinfo is not None


def test_server_errors_are_logged_with_the_request_id(
    site_settings: Settings, json_logs: Any
) -> None:
    app = create_app(site_settings)

    @app.get("/boom-test")
    def boom() -> None:
        raise RuntimeError("test failure")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom-test?secret=1", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-500"
    lines = json_logs()
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == "trace-500" and "RuntimeError" in error["exception"]
    access = next(line for line in lines if line["logger"] == "app.access")
    assert access["status"] == 500 and access["request_id"] == "trace-500"


def test_answers_and_search_words_never_reach_the_logs(client: TestClient, json_logs: Any) -> None:
    urls = [
        f"/polku/tulos?{ANSWERS}",
        f"/selko/polku/tulos?{ANSWERS}",
        f"/api/v1/pathway?{ANSWERS}",
        f"/palveluntuottajat?q={SEARCH_WORD}",
        f"/api/v1/providers?q={SEARCH_WORD}",
    ]
    for url in urls:
        assert client.get(url).status_code < 500
    # the test client's own httpx log lines are not the server's
    lines = [line for line in json_logs() if not line["logger"].startswith("httpx")]
    access_paths = [line["path"] for line in lines if line["logger"] == "app.access"]
    assert "/polku/tulos" in access_paths and "/palveluntuottajat" in access_paths
    text = json.dumps(lines)
    for secret in ("pension", "situation", "30-64", SEARCH_WORD, "?"):
        assert secret not in text


def test_server_logging_config_routes_uvicorn_through_the_json_handler(json_logs: Any) -> None:
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 1)
    logging.getLogger("uvicorn.access").info("old-style access line")
    lines = json_logs()
    assert [line["message"] for line in lines] == ["Started server process [1]"]
    assert lines[0]["logger"] == "uvicorn.error" and lines[0]["request_id"] is None


def test_log_format_defaults_to_json_in_production_and_text_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert Settings(environment="development").log_format == "text"
    key = "k" * 40
    assert Settings(environment="production", secret_key=key).log_format == "json"
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert Settings(environment="production", secret_key=key).log_format == "text"
    text_config = logging_config("text")["formatters"]["default"]
    assert "%(request_id)s" in text_config["format"]


# --- Request ids -------------------------------------------------------------------------


def test_a_sane_incoming_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/", headers={"X-Request-ID": "edge-abc-123"})
    assert response.headers["x-request-id"] == "edge-abc-123"


@pytest.mark.parametrize("incoming", ["has space", "x" * 65, "semi;colon", "ä".encode()])
def test_an_insane_request_id_is_replaced(client: TestClient, incoming: str | bytes) -> None:
    response = client.get("/api/v1/regions", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_request_ids_differ_between_requests(client: TestClient) -> None:
    first, second = client.get("/ei-ole"), client.get("/ei-ole")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


# --- Metrics -----------------------------------------------------------------------------


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def test_metrics_count_requests_by_route_template(client: TestClient, db_session: Session) -> None:
    provider_id = next(iter(provider_ids_by_record(db_session).values()))
    assert client.get(f"/palveluntuottajat/{provider_id}").status_code == 200
    assert client.get(f"/sv/palveluntuottajat/{provider_id}").status_code in (200, 404)
    assert client.get("/ei-ole-olemassa-12345").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    requests = {
        (labels["method"], labels["route"], labels["status"]): value
        for name, labels, value in samples
        if name == "http_requests_total"
    }
    assert requests[("GET", "/palveluntuottajat/{provider_id}", "200")] >= 1
    assert requests[("GET", "unmatched", "404")] >= 1
    routes = {route for _, route, _ in requests}
    assert f"/palveluntuottajat/{provider_id}" not in routes
    assert not any("12345" in route for route in routes)
    durations = [
        value
        for name, labels, value in samples
        if name == "http_request_duration_seconds_count"
        and labels["route"] == "/palveluntuottajat/{provider_id}"
    ]
    assert durations and durations[0] >= 1


def test_metrics_report_the_search_index_age(client: TestClient) -> None:
    samples = _samples(client.get("/metrics").text)
    age = [value for name, _, value in samples if name == "polku_search_index_age_seconds"]
    documents = [value for name, _, value in samples if name == "polku_search_index_documents"]
    assert len(age) == 1 and 0 <= age[0] < 24 * 3600
    assert documents and documents[0] > 0


def test_metrics_report_import_runs_by_source(public_client: TestClient, admin_db: Session) -> None:
    at = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    for when in (at - dt.timedelta(days=1), at):
        admin_db.add(ImportRun(source="ptv", files="a.json", at=when, created=1))
    admin_db.commit()
    samples = _samples(public_client.get("/metrics").text)
    runs = {
        labels["source"]: value
        for name, labels, value in samples
        if name == "polku_import_runs_total"
    }
    last = {
        labels["source"]: value
        for name, labels, value in samples
        if name == "polku_import_last_run_timestamp_seconds"
    }
    assert runs["ptv"] == 2
    assert last["ptv"] == at.timestamp()


def test_metrics_are_not_in_the_openapi_schema(client: TestClient) -> None:
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_metrics_can_be_disabled(site_settings: Settings) -> None:
    app = create_app(site_settings.model_copy(update={"metrics_enabled": False}))
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/").status_code == 200


def test_metrics_token_is_required_when_set(site_settings: Settings) -> None:
    app = create_app(site_settings.model_copy(update={"metrics_token": "s3cret-token"}))
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert right.status_code == 200 and "http_requests_total" in right.text


# --- ETags -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/palvelut", "/sv/tjanster", "/api/v1/regions"])
def test_pages_and_the_api_answer_if_none_match_with_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "accept-encoding" in again.headers["vary"].lower()
    assert "content-type" not in again.headers
    changed = client.get(path, headers={"If-None-Match": 'W/"something-else"'})
    assert changed.status_code == 200 and changed.content == first.content


def test_etag_is_computed_before_gzip(client: TestClient) -> None:
    plain = client.get("/palvelut", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/palvelut", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.headers["etag"] == plain.headers["etag"]
    not_modified = client.get(
        "/palvelut", headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]}
    )
    assert not_modified.status_code == 304 and "content-encoding" not in not_modified.headers


def test_maintainer_and_questionnaire_pages_get_no_etag(client: TestClient) -> None:
    admin = client.get("/admin/login")
    assert admin.status_code == 200 and "etag" not in admin.headers
    questionnaire = client.get(f"/polku/tulos?{ANSWERS}")
    assert "etag" not in questionnaire.headers
    assert questionnaire.headers["cache-control"] == "no-store"


def test_routes_keep_their_own_cache_control(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.headers["cache-control"] == "no-store"
    assert "etag" not in health.headers


# --- Shutdown ----------------------------------------------------------------------------


def test_serve_shuts_down_gracefully_and_writes_its_own_access_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append(kwargs))
    settings = Settings(var_dir=tmp_path, log_format="json")
    assert cli.command_serve(settings, "127.0.0.1", 8000, 2, False, keep_index=False) == 0
    options = calls[0]
    assert options["timeout_graceful_shutdown"] > 0
    assert options["access_log"] is False
    formatter = options["log_config"]["formatters"]["default"]
    assert formatter["()"] == "app.web.observability.JsonFormatter"


def test_shutdown_closes_the_index_and_the_database(site_settings: Settings) -> None:
    app = create_app(site_settings)
    closed: list[str] = []
    reader_close, engine_dispose = app.state.index_reader.close, app.state.engine.dispose

    def close_index() -> None:
        closed.append("index")
        reader_close()

    def dispose_engine() -> None:
        closed.append("database")
        engine_dispose()

    app.state.index_reader.close = close_index
    app.state.engine.dispose = dispose_engine
    with TestClient(app) as client:
        assert client.get("/").status_code == 200
        assert closed == []
    assert closed == ["index", "database"]


# --- Start-up ----------------------------------------------------------------------------


def test_the_facet_table_is_built_before_the_first_request(
    site_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 100 000 providers it takes about 3 s: not something the first visitor should wait for.
    from app.search.facet_table import FacetTable

    built: list[int] = []
    original = FacetTable.for_generation.__func__  # type: ignore[attr-defined]

    def counting(cls: type[FacetTable], searcher: Any, directory: Any) -> FacetTable:
        built.append(1)
        return original(cls, searcher, directory)  # type: ignore[no-any-return]

    monkeypatch.setattr(FacetTable, "for_generation", classmethod(counting))
    app = create_app(site_settings)
    with TestClient(app) as client:
        assert built == [1]
        assert client.get("/api/v1/providers?q=työ").status_code == 200
        assert built == [1]


def test_a_missing_index_does_not_stop_the_site_from_starting(tmp_path: Any) -> None:
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/providers?q=työ").status_code == 503
