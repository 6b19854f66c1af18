"""Every HSDS answer for the bundled data, valid against the released HSDS 3.0 schemas.

The schema of each answer is the one the official API description (`schema/openapi.json`)
names for its path; objects are checked in strict mode (no property HSDS does not define)
with format checking. See `tests/hsds/conformance.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import FormatChecker

from tests.hsds import conformance

Json = dict[str, Any]
LISTS = ["/services", "/service_at_locations", "/organizations", "/taxonomies", "/taxonomy_terms"]


def test_the_format_checks_hsds_needs_are_installed() -> None:
    """Without rfc3986-validator a `uri` is never checked and the checks below pass vacuously."""
    checker = FormatChecker()
    assert set(conformance.CHECKED_FORMATS) <= set(checker.checkers)
    assert conformance.errors("service", {"id": "x", "name": "n", "status": "active"})
    url_error = conformance.errors(
        "service",
        {
            "id": "6d00123c-d427-5235-ba85-163bd218836b", "name": "n", "status": "active",
            "url": "www.example.fi", "last_modified": "yesterday",
        },
    )  # fmt: skip
    assert url_error == [
        "url: 'www.example.fi' is not a 'uri'",
        "last_modified: 'yesterday' is not a 'date-time'",
    ]


@pytest.mark.parametrize(
    ("schema", "example"),
    [
        ("service", "service_full"), ("organization", "organization_full"),
        ("service_at_location", "service_at_location_full"), ("taxonomy", "taxonomy"),
        ("taxonomy_term", "taxonomy_term"), ("location", "location"),
    ],
)  # fmt: skip
def test_official_examples_pass_the_strict_check(schema: str, example: str) -> None:
    """The validators are right: the specification's own examples pass them."""
    import json

    instance = json.loads((conformance.EXAMPLES_DIR / f"{example}.json").read_text())
    assert conformance.errors(schema, instance) == []
    assert conformance.errors(schema, {**instance, "not_hsds": 1})  # strict: extras fail


def _pages(client: TestClient, path: str, **params: object) -> list[Json]:
    pages, page = [], 1
    while True:
        response = client.get(f"/hsds{path}", params={**params, "page": page, "per_page": 100})
        assert response.status_code == 200, (path, response.text)
        pages.append(response.json())
        if pages[-1]["last_page"]:
            return pages
        page += 1


def check_every_answer(client: TestClient) -> tuple[int, list[str]]:
    """(objects validated, errors) over every list page and every object by id."""
    checked, found = 0, []
    for path in LISTS:
        schema, _ = conformance.response_schema_name(path)
        one, _ = conformance.response_schema_name(f"{path}/{{id}}")
        for page in _pages(client, path):
            checked += len(page["contents"]) + 1
            found += [f"{path}: {error}" for error in conformance.page_errors(page, schema)]
            for item in page["contents"]:
                answer = client.get(f"/hsds{path}/{item['id']}")
                checked += 1
                if answer.status_code != 200:
                    found.append(f"{path}/{item['id']}: {answer.status_code}")
                    continue
                found += [f"{path}/{{id}}: {e}" for e in conformance.errors(one, answer.json())]
    return checked, found


def test_every_list_page_and_object_is_valid_hsds(client: TestClient) -> None:
    checked, found = check_every_answer(client)
    assert found == []
    # 83 services and service_at_locations, 65 organizations, 7 taxonomies, 382 terms
    assert checked > 2 * (83 + 83 + 65 + 7 + 382)


TABLE_SCHEMAS = {
    "organizations": "organization", "services": "service",
    "service_at_locations": "service_at_location", "locations": "location",
    "taxonomies": "taxonomy", "taxonomy_terms": "taxonomy_term",
}  # fmt: skip


def test_export_json_is_valid_hsds(client: TestClient) -> None:
    document = client.get("/hsds/export.json").json()
    assert set(document) == set(TABLE_SCHEMAS)
    for key, schema in TABLE_SCHEMAS.items():
        assert document[key], key
        for index, item in enumerate(document[key]):
            assert conformance.errors(schema, item) == [], f"{key}[{index}]"


@pytest.mark.parametrize(
    ("path", "params", "schema"),
    [
        ("/services", {"full": "true"}, "service"),
        ("/service_at_locations", {"full": "true"}, "service_at_location"),
        ("/organizations", {"full": "true"}, "organization"),
        ("/organizations", {"full_service": "true"}, "organization"),
    ],
)
def test_fully_nested_lists_are_valid_hsds(
    client: TestClient, path: str, params: dict[str, str], schema: str
) -> None:
    """`full` answers carry lists, so their items are checked against the full schemas."""
    checked = 0
    for page in _pages(client, path, **params):
        assert conformance.page_errors(page, schema) == []
        checked += len(page["contents"])
    assert checked >= 65


def test_organizations_by_id_with_full_services_are_valid_hsds(client: TestClient) -> None:
    services = 0
    for page in _pages(client, "/organizations"):
        for item in page["contents"]:
            answer = client.get(f"/hsds/organizations/{item['id']}?full_service=true").json()
            assert conformance.errors("organization", answer) == []
            assert all("attributes" in service for service in answer["services"])
            services += len(answer["services"])
    assert services == 83


def _cell_errors(field: Json, value: str) -> list[str]:
    """What the official table schema says is wrong with one CSV cell (as frictionless reads
    it: an empty cell is a missing value)."""
    name, constraints = field["name"], field.get("constraints", {})
    if value == "":
        return [f"{name}: required"] if constraints.get("required") else []
    checks: dict[str, Callable[[str], object]] = {
        "date": lambda v: dt.date.fromisoformat(v),
        "datetime": lambda v: dt.datetime.fromisoformat(v),
        "number": float,
    }
    found = []
    if field["type"] in checks:
        try:
            checks[field["type"]](value)
        except ValueError:
            found.append(f"{name}: {value!r} is no {field['type']}")
    if field.get("format") in ("uri", "email", "uuid") and not FormatChecker().conforms(
        value, field["format"]
    ):
        found.append(f"{name}: {value!r} is no {field['format']}")
    if constraints.get("enum") and value not in constraints["enum"]:
        found.append(f"{name}: {value!r} not in {constraints['enum']}")
    return found


UNKNOWN_ADDRESS_LINES = (": address_1: required", ": city: required", ": postal_code: required")


def test_data_package_matches_the_official_table_schemas(client: TestClient) -> None:
    """File names, columns (all, in order) and every cell against the official
    datapackage.json: required cells filled, types and formats right."""
    official = {resource["path"]: resource for resource in conformance.datapackage()["resources"]}
    archive = zipfile.ZipFile(io.BytesIO(client.get("/hsds/datapackage.zip").content))
    rows_checked, found = 0, []
    for name in archive.namelist():
        if name == "datapackage.json":
            continue
        assert name in official, f"{name} is not a file of the HSDS 3.0 data package"
        fields = official[name]["schema"]["fields"]
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
        assert rows[0] == [field["name"] for field in fields], name
        for number, row in enumerate(rows[1:], start=2):
            rows_checked += 1
            for field, value in zip(fields, row, strict=True):
                found += [f"{name} line {number}: {e}" for e in _cell_errors(field, value)]
    # The one deviation (docs/hsds.md): an address line Polku does not know stays empty rather
    # than guessed; HSDS requires it, and the JSON's "" passes, but a CSV cell cannot say "".
    unknown_lines = {
        error for error in found
        if error.startswith("addresses.csv") and error.endswith(UNKNOWN_ADDRESS_LINES)
    }  # fmt: skip
    assert sorted(set(found) - unknown_lines) == []
    assert len(unknown_lines) < 25 * 3  # every address has at least one line known
    assert "addresses.csv" in archive.namelist()
    assert rows_checked > 83 + 65 + 382


@pytest.mark.parametrize(
    "value",
    ["tyollisyysmikkeli.fi/työpajat", "https://www.äänekoski.fi/palvelut", "HTTPS://a.fi/100%",
     "www.x.fi?q=ä#ö", "http://www.hel.fi:8080/x", "https://a.fi/[x]", "https://a.fi/<s>",
     'www.a.fi/"x"', "www.a.fi/a|b^c`d{e}", "https://a.fi/%zz%C3%B6", "https://a.fi#x#y"],
)  # fmt: skip
def test_normalised_urls_are_valid_uris(value: str) -> None:
    """What `absolute_url` gives is a `format: uri` by the validator HSDS's checks use."""
    from app.interop.hsds.values import absolute_url

    url = absolute_url(value)
    assert url is not None
    assert FormatChecker().conforms(url, "uri"), url
