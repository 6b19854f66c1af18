"""Schemathesis fuzzing of every /api and /hsds operation, in-process through ASGI.

Requests are generated from the app's own OpenAPI schema, with valid and with invalid
parameters; every response must be no 5xx, have a documented status code and content type,
and match the documented schema. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.

The operations are collected here from the route modules rather than by schemathesis's
pytest plugin (its lazy loader needs pytest internals that pytest 9.2 renamed), so that a
failure names its operation; a test checks that the collection matches the served schema.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from app import routes as route_modules
from app.config import Settings
from app.web.main import create_app

FUZZED_PREFIXES = ("/api/", "/hsds/")
CONSTRAINTS = {"enum", "pattern", "maxLength", "minLength", "minimum", "maximum", "$ref"}
CONFORMANCE_CHECKS = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
CHECKS = [checks.not_a_server_error, *CONFORMANCE_CHECKS]
FUZZ_SETTINGS = settings(
    # enough to reach every enum value and bound of these small operations in about a
    # second each; derandomised so that CI replays the same cases on every run
    max_examples=25,
    derandomize=True,
    deadline=None,  # the first search of an index generation builds caches
    database=None,  # derandomised runs have nothing to replay from an example database
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def json_routes() -> list[APIRoute]:
    """The documented /api and /hsds routes of every route module, in path order."""
    routes = []
    for module_info in pkgutil.iter_modules(route_modules.__path__):
        module = importlib.import_module(f"app.routes.{module_info.name}")
        router = getattr(module, "router", None)
        routes += [
            route
            for route in getattr(router, "routes", [])
            if isinstance(route, APIRoute)
            and route.include_in_schema
            and route.path.startswith(FUZZED_PREFIXES)
        ]
    return sorted(routes, key=lambda route: route.path)


def can_be_invalid(parameter: dict[str, Any]) -> bool:
    """True when some value of the parameter breaks its schema (a free string never does)."""
    if parameter.get("required") and parameter["in"] != "path":
        return True  # leaving it out is invalid

    def constrained(schema: dict[str, Any]) -> bool:
        if "anyOf" in schema:
            return any(constrained(s) for s in schema["anyOf"] if s != {"type": "null"})
        if schema.get("type") == "array":
            return constrained(schema.get("items", {}))
        return schema.get("type", "string") != "string" or bool(CONSTRAINTS & set(schema))

    return constrained(parameter["schema"])


def fuzz_cases() -> list[object]:
    """(path, mode) pairs; invalid requests only where a parameter can be made invalid
    (otherwise hypothesis finds no example to run and reports Unsatisfiable)."""
    schema = get_openapi(title="fuzzed", version="1", routes=json_routes())
    cases: list[object] = []
    for path, methods in schema["paths"].items():
        parameters = methods["get"].get("parameters", [])
        cases.append(pytest.param(path, GenerationMode.POSITIVE, id=f"{path}-positive"))
        if any(can_be_invalid(parameter) for parameter in parameters):
            cases.append(pytest.param(path, GenerationMode.NEGATIVE, id=f"{path}-negative"))
    return cases


@pytest.fixture(scope="session")
def api_schema(app: FastAPI) -> schemathesis.BaseSchema:
    """The app's OpenAPI schema; cases are sent to the app in-process, no server."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(("path", "mode"), fuzz_cases())
def test_api_operation_conforms_to_its_schema(
    api_schema: schemathesis.BaseSchema, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path]["GET"]

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def responds_as_documented(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(checks=CHECKS)

    responds_as_documented()


def test_every_api_and_hsds_operation_is_fuzzed(app: FastAPI) -> None:
    """Every JSON operation the app serves is one of the fuzzed GETs above."""
    served = {
        (path, method)
        for path, methods in app.openapi()["paths"].items()
        if path.startswith(FUZZED_PREFIXES)
        for method in methods
    }
    fuzzed = {(route.path, "get") for route in json_routes()}
    assert len(fuzzed) >= 13  # regions, services, providers, pathway and the HSDS lists
    assert served == fuzzed


def test_provider_id_beyond_the_integer_range_is_not_found(app: FastAPI) -> None:
    """Regression: an id too large for the database's INTEGER gave a 500 (OverflowError)."""
    with TestClient(app) as client:
        for provider_id in ("9223372036854775808", "2147483648", "-9223372036854775809", "0"):
            response = client.get(f"/api/v1/providers/{provider_id}")
            assert response.status_code == 404, provider_id


@pytest.fixture(scope="module")
def outage_clients(
    site_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, TestClient]:
    """Clients of two broken sites: one without a search index, one without a database."""
    folder = tmp_path_factory.mktemp("outage")
    no_index = site_settings.model_copy(update={"index_dir": folder / "no-index"})
    no_database = site_settings.model_copy(
        update={"database_url": f"sqlite:///{folder / 'missing' / 'db.sqlite3'}"}
    )
    return {
        "index": TestClient(create_app(no_index)),
        "database": TestClient(create_app(no_database)),
    }


@pytest.mark.parametrize(
    ("outage", "path", "url"),
    [
        ("index", "/api/v1/providers", "/api/v1/providers?q=työ"),
        ("database", "/api/v1/regions", "/api/v1/regions"),
        ("database", "/api/v1/pathway", "/api/v1/pathway?age=30-64&situation=employed"),
        ("database", "/api/v1/providers/{provider_id}", "/api/v1/providers/1"),
    ],
)
def test_outage_answers_are_documented_503s(
    api_schema: schemathesis.BaseSchema,
    outage_clients: dict[str, TestClient],
    outage: str,
    path: str,
    url: str,
) -> None:
    """Regression: an outage's 503 was missing from the schema (status_code_conformance)."""
    response = outage_clients[outage].get(url)
    assert response.status_code == 503
    case = api_schema[path]["GET"].Case(
        path_parameters={"provider_id": 1} if "{provider_id}" in path else {},
        query=dict(response.request.url.params),
    )
    # an outage is a 5xx by nature: what matters is that the schema says it can happen
    case.validate_response(response, checks=CONFORMANCE_CHECKS)
