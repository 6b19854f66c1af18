"""Open Referral HSDS 3.0: export, data package, import and the read-only API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.catalogue.providers import ProviderDetail, provider_details
from app.catalogue.resources import CatalogueResources
from app.config import Settings
from app.geography import municipality_regions
from app.interop.hsds.api import HsdsCache, catalogue_state
from app.interop.hsds.datapackage import write_hsds_datapackage
from app.interop.hsds.objects import export_hsds_json, hsds_id
from app.interop.hsds.parse import (
    KnownCodes,
    known_codes_for,
    parse_hsds,
)
from app.interop.hsds.tables import TABLES
from app.interop.hsds.values import absolute_url
from app.interop.records import PROVIDER_TEXT_FIELDS, ParsedSource, ProviderRecord
from app.models import Municipality, Organization, Provider
from app.web.main import create_app
from tests.hsds import conformance

BASE_URL = "https://polku.example"
Json = dict[str, Any]


def hsds_errors(schema: str, instance: Json) -> list[str]:
    """Why an object is not valid against the released HSDS 3.0 schema (`service`,
    `service_list` …), strictly and with formats checked (empty when it is valid)."""
    return conformance.errors(schema, instance)


@pytest.fixture
def catalogue(app: FastAPI) -> CatalogueResources:
    resources: CatalogueResources = app.state.catalogue
    return resources


OPENING_HOURS = "ma–pe 8.00–15.00; heinäkuussa suljettu"


@pytest.fixture
def document(db_session: Session, catalogue: CatalogueResources) -> Json:
    # the bundled data gives no opening hours: two entries get some (rolled back after the
    # test), so that schedules are exported, validated and read back too
    for provider in db_session.exec(select(Provider).order_by(col(Provider.id)).limit(2)):
        provider.opening_hours = OPENING_HOURS
    db_session.flush()
    return export_hsds_json(db_session, BASE_URL, catalogue=catalogue)


@pytest.fixture
def known(db_session: Session, catalogue: CatalogueResources) -> KnownCodes:
    return known_codes_for(session=db_session, vocabularies=catalogue.vocabularies)


@pytest.fixture
def regions(db_session: Session) -> dict[str, str]:
    return municipality_regions(session=db_session)


def all_details(session: Session) -> list[ProviderDetail]:
    ids = session.exec(select(Provider.id).order_by(col(Provider.id))).all()
    return provider_details(session=session, provider_ids=[pk for pk in ids if pk is not None])


def comparable(record: ProviderRecord) -> Json:
    """A record's fields without its id (the import names entries by their HSDS id)."""
    values = dict(vars(record))
    values.pop("external_id")
    return values


def expected_record(detail: ProviderDetail) -> Json:
    """What an HSDS round trip must give back for a provider: everything, with web addresses
    as HSDS writes them (absolute, `https://` before a bare host name)."""
    provider = detail.provider
    texts = {name: getattr(provider, name) for name in PROVIDER_TEXT_FIELDS}
    texts["website"] = absolute_url(provider.website)
    return comparable(
        ProviderRecord(
            external_id="",
            organization_name=detail.organization.name,
            organisation_type=detail.organization.organisation_type,
            organization_website=absolute_url(detail.organization.website),
            region_code=provider.region_code,
            services=detail.services,
            activities=detail.activities,
            target_groups=detail.target_groups,
            languages=detail.languages,
            assured_date=provider.assured_date,
            **texts,
        )
    )


def assert_round_trip(parsed: ParsedSource, session: Session) -> None:
    assert parsed.errors == []
    assert parsed.warnings == []
    by_service = {record.external_id: comparable(record) for record in parsed.records}
    details = all_details(session)
    assert len(by_service) == len(details) == 83
    for detail in details:
        sal_id = hsds_id("service_at_location", detail.provider.external_id)
        assert by_service[f"hsds:{sal_id}"] == expected_record(detail), detail.provider.external_id


# --- Export -----------------------------------------------------------------------------


def test_export_of_bundled_catalogue_is_valid_hsds(document: Json) -> None:
    tables = {
        "organizations": "organization", "services": "service", "locations": "location",
        "service_at_locations": "service_at_location", "taxonomies": "taxonomy",
        "taxonomy_terms": "taxonomy_term",
    }  # fmt: skip
    assert len(document["services"]) == 83
    schedules = [
        schedule
        for sal in document["service_at_locations"]
        for schedule in sal.get("schedules", [])
    ]
    assert [schedule["description"] for schedule in schedules] == [OPENING_HOURS] * 2
    for schedule in schedules:
        assert hsds_errors("schedule", schedule) == []
    for key, table in tables.items():
        assert document[key], key
        for index, item in enumerate(document[key]):
            assert hsds_errors(table, item) == [], f"{key}[{index}]"


def test_schema_check_rejects_what_hsds_forbids(document: Json) -> None:
    """The validation above would notice a broken export."""
    service = dict(document["services"][0])
    assert hsds_errors("service", {**service, "status": "closed"})
    assert hsds_errors("service", {**service, "description": None})
    assert hsds_errors("service", {**service, "url": "www.example.fi"})
    sal = service["service_at_locations"][0]
    incomplete = {**sal["location"], "addresses": [{"id": str(uuid.uuid4()), "address_1": "K 1"}]}
    assert hsds_errors("service_at_location", {**sal, "location": incomplete})
    draft_name = {**sal["location"], "addresss": []}  # the pre-release name: not HSDS 3.0
    assert hsds_errors("service_at_location", {**sal, "location": draft_name})


def test_closed_providers_are_inactive_services(document: Json, db_session: Session) -> None:
    closed = db_session.exec(select(Provider.external_id).where(Provider.status == "closed")).all()
    inactive = {s["id"] for s in document["services"] if s["status"] == "inactive"}
    assert inactive == {hsds_id("service", external) for external in closed}


def test_export_ids_are_deterministic_uuids(
    document: Json, db_session: Session, catalogue: CatalogueResources
) -> None:
    again = export_hsds_json(db_session, BASE_URL, catalogue=catalogue)
    assert again == document
    ids = [service["id"] for service in document["services"]]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(value).version == 5 for value in ids)


def test_polku_codes_travel_as_attributes_of_polku_taxonomies(document: Json) -> None:
    uris = {taxonomy["uri"] for taxonomy in document["taxonomies"]}
    assert "urn:polku:taxonomy:regions" in uris
    service = document["services"][0]
    region = [a for a in service["attributes"] if a["link_type"] == "region"]
    assert len(region) == 1
    term = region[0]["taxonomy_term"]
    assert term["taxonomy"] == term["taxonomy_detail"]["uri"] == "urn:polku:taxonomy:regions"


# --- Data package -----------------------------------------------------------------------


def test_datapackage_resources_match_the_hsds_tables(
    db_session: Session, catalogue: CatalogueResources, tmp_path: Path
) -> None:
    out = tmp_path / "package"
    write_hsds_datapackage(db_session, out, BASE_URL, catalogue=catalogue)
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert {resource["name"] for resource in descriptor["resources"]} == set(TABLES)
    official = {resource["name"]: resource for resource in conformance.datapackage()["resources"]}
    for resource in descriptor["resources"]:
        expected = official[resource["name"]]
        fields = [field["name"] for field in resource["schema"]["fields"]]
        assert resource["path"] == expected["path"]
        assert resource["schema"]["fields"] == [
            {"name": field["name"], "type": field["type"]} for field in expected["schema"]["fields"]
        ], resource["name"]
        with (out / resource["path"]).open(encoding="utf-8", newline="") as file:
            rows = list(csv.reader(file))
        assert rows[0] == fields
        assert all(len(row) == len(fields) for row in rows)
    services = (out / "services.csv").read_text(encoding="utf-8").splitlines()
    assert len(services) == 1 + 83


def test_round_trip_through_json_gives_the_same_records(
    document: Json, db_session: Session, known: KnownCodes, regions: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "hsds.json"
    path.write_text(json.dumps(document, ensure_ascii=False))
    assert_round_trip(
        parse_hsds([path], municipality_regions=regions, known_codes=known), db_session
    )


def as_draft(value: Any) -> Any:
    """A document in the names of the pre-release draft Polku exported before HSDS 3.0."""
    if isinstance(value, list):
        return [as_draft(item) for item in value]
    if not isinstance(value, dict):
        return value
    renamed = {"addresses": "addresss", "accessibility": "accessibilitys"}
    draft = {renamed.get(key, key): as_draft(item) for key, item in value.items()}
    if "taxonomy_detail" in draft:  # the draft nested the taxonomy object as `taxonomy`
        draft["taxonomy"] = draft.pop("taxonomy_detail")
    return draft


def test_exports_in_the_draft_names_are_still_read(
    document: Json, db_session: Session, known: KnownCodes, regions: dict[str, str], tmp_path: Path
) -> None:
    draft = as_draft({key: value for key, value in document.items() if key != "taxonomy_terms"})
    text = json.dumps(draft, ensure_ascii=False)
    assert '"addresss"' in text and '"addresses"' not in text and "taxonomy_detail" not in text
    path = tmp_path / "draft.json"
    path.write_text(text)
    assert_round_trip(
        parse_hsds([path], municipality_regions=regions, known_codes=known), db_session
    )


def test_round_trip_through_list_of_services(
    document: Json, db_session: Session, known: KnownCodes, regions: dict[str, str], tmp_path: Path
) -> None:
    organizations = {org["id"]: org for org in document["organizations"]}
    services = [
        {**service, "organization": organizations[service["organization_id"]]}
        for service in document["services"]
    ]
    path = tmp_path / "services.json"
    path.write_text(json.dumps(services))
    assert_round_trip(
        parse_hsds([path], municipality_regions=regions, known_codes=known), db_session
    )


@pytest.mark.parametrize("name", ["package", "package.zip"])
def test_round_trip_through_datapackage_gives_the_same_records(
    name: str,
    db_session: Session,
    catalogue: CatalogueResources,
    known: KnownCodes,
    regions: dict[str, str],
    tmp_path: Path,
) -> None:
    out = tmp_path / name
    write_hsds_datapackage(db_session, out, BASE_URL, catalogue=catalogue)
    assert_round_trip(
        parse_hsds([out], municipality_regions=regions, known_codes=known), db_session
    )


# --- Import problems --------------------------------------------------------------------


def minimal_service(**changes: Any) -> Json:
    service: Json = {
        "id": "s1",
        "name": "Työpaja",
        "status": "active",
        "organization": {"id": "o1", "name": "Yhdistys ry", "description": ""},
        "service_at_locations": [
            {
                "id": "sal1",
                "location": {
                    "id": "l1",
                    "location_type": "physical",
                    "addresss": [
                        {"id": "a1", "address_1": "Katu 1", "city": "Kotka",
                         "postal_code": "48100", "region": "Kymenlaakson hyvinvointialue",
                         "state_province": "", "country": "FI", "address_type": "physical"}
                    ],
                },
            }
        ],
    }  # fmt: skip
    service.update(changes)
    return service


def parse_json(tmp_path: Path, content: object, known: KnownCodes, regions: dict[str, str]) -> Any:
    path = tmp_path / "input.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return parse_hsds([path], municipality_regions=regions, known_codes=known)


def test_foreign_service_takes_its_region_from_an_exact_region_name(
    tmp_path: Path, known: KnownCodes, regions: dict[str, str]
) -> None:
    parsed = parse_json(tmp_path, [minimal_service()], known, regions)
    assert parsed.errors == []
    [record] = parsed.records
    assert (record.external_id, record.region_code, record.post_office) == (
        "hsds:sal1",
        "10",
        "Kotka",
    )
    assert record.services == []  # a foreign service has no Polku codes, and none are guessed


def test_region_is_never_guessed_from_a_city(
    tmp_path: Path, known: KnownCodes, regions: dict[str, str]
) -> None:
    service = minimal_service()
    service["service_at_locations"][0]["location"]["addresss"][0]["region"] = "Kymenlaakso"
    parsed = parse_json(tmp_path, [service], known, regions)
    assert parsed.records == []
    assert [problem.where for problem in parsed.errors] == [
        "input.json: [0].service_at_locations[0]"
    ]
    assert "no region" in parsed.errors[0].message


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        ("{not json", "input.json line 1 column 2", "not valid JSON"),
        ('"a string"', "input.json", "expected a list of services"),
        ({"nothing": []}, "input.json", "no HSDS tables"),
        ({"services": {"id": "s1"}}, "input.json: services", "expected a list"),
        ([42], "input.json: [0]", "expected a service object"),
        ([{"name": "x"}], "input.json: [0]", "has no id"),
    ],
)
def test_broken_input_is_reported_with_file_and_position(
    tmp_path: Path,
    known: KnownCodes,
    regions: dict[str, str],
    content: object,
    where: str,
    message: str,
) -> None:
    parsed = parse_json(tmp_path, content, known, regions)
    assert parsed.records == []
    assert [problem.where for problem in parsed.errors] == [where]
    assert message in parsed.errors[0].message


def test_service_without_organization_or_with_unknown_location_is_an_error(
    tmp_path: Path, known: KnownCodes, regions: dict[str, str]
) -> None:
    orphan = minimal_service(id="s2")
    del orphan["organization"]
    lost = minimal_service(id="s3", service_at_locations=[{"id": "sal3", "location_id": "nowhere"}])
    parsed = parse_json(tmp_path, [orphan, lost], known, regions)
    assert parsed.records == []
    messages = " | ".join(str(problem) for problem in parsed.errors)
    assert "organization is missing" in messages
    assert "unknown location 'nowhere'" in messages


def test_missing_file_and_missing_package_table_are_errors(
    tmp_path: Path, known: KnownCodes, regions: dict[str, str]
) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "datapackage.json").write_text(
        json.dumps({"resources": [{"name": "service", "path": "services.csv"}]})
    )
    parsed = parse_hsds(
        [tmp_path / "absent.json", package], municipality_regions=regions, known_codes=known
    )
    assert [problem.where for problem in parsed.errors] == ["absent.json", "package"]
    assert "services.csv" in parsed.errors[1].message


# --- API --------------------------------------------------------------------------------


def test_api_root_names_the_hsds_version(client: TestClient) -> None:
    response = client.get("/hsds/")
    assert response.status_code == 200
    assert response.json()["version"] == "3.0"


def test_services_are_paged_and_valid(client: TestClient) -> None:
    first = client.get("/hsds/services", params={"per_page": 30}).json()
    last = client.get("/hsds/services", params={"per_page": 30, "page": 3}).json()
    assert (first["total_items"], first["total_pages"], first["size"]) == (83, 3, 30)
    assert (first["first_page"], first["last_page"], len(first["contents"])) == (True, False, 30)
    assert (last["last_page"], len(last["contents"])) == (True, 23)
    assert last["size"] == 23  # the items on the page (HSDS 3.0.1)
    for service in first["contents"]:
        assert hsds_errors("service_list", service) == []
    beyond = client.get("/hsds/services", params={"page": 99}).json()
    assert (beyond["empty"], beyond["contents"]) == (True, [])


def test_services_filter_by_region(client: TestClient) -> None:
    params = {"region": "10", "per_page": 100, "full": "true"}
    page = client.get("/hsds/services", params=params).json()
    assert 0 < page["total_items"] < 83
    for service in page["contents"]:
        codes = [
            a["taxonomy_term"]["code"] for a in service["attributes"] if a["link_type"] == "region"
        ]
        assert codes == ["10"]


@pytest.mark.parametrize(
    "params", [{"page": 0}, {"per_page": 0}, {"per_page": 101}, {"page": "x"}, {"region": "1"}]
)
def test_bad_page_parameters_are_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/hsds/services", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")


def test_one_service_and_organization_by_id(client: TestClient) -> None:
    listed = client.get("/hsds/services", params={"per_page": 1}).json()["contents"][0]
    service = client.get(f"/hsds/services/{listed['id']}").json()
    assert service["id"] == listed["id"]
    assert hsds_errors("service", service) == []
    assert service["organization"]["id"] == listed["organization_id"]
    organization = client.get(f"/hsds/organizations/{listed['organization_id']}").json()
    assert hsds_errors("organization", organization) == []
    assert service["id"] in {item["id"] for item in organization["services"]}


@pytest.mark.parametrize(
    "kind", ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"]
)
def test_unknown_ids_are_404_json(client: TestClient, kind: str) -> None:
    response = client.get(f"/hsds/{kind}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("path", "table"),
    [("organizations", "organization_list"), ("taxonomies", "taxonomy"),
     ("taxonomy_terms", "taxonomy_term")],
)  # fmt: skip
def test_other_lists_are_valid_pages(client: TestClient, path: str, table: str) -> None:
    page = client.get(f"/hsds/{path}", params={"per_page": 100}).json()
    assert page["total_items"] > 0
    assert page["contents"]
    for item in page["contents"]:
        assert hsds_errors(table, item) == []


def test_hsds_routes_are_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/hsds/", "/hsds/services", "/hsds/services/{service_id}"} <= set(paths)


def all_pages(client: TestClient, path: str, per_page: int, **params: object) -> list[Json]:
    """Every page of a list, fetched one after another until HSDS says it is the last."""
    pages = [client.get(path, params={**params, "per_page": per_page}).json()]
    while not pages[-1]["last_page"]:
        next_number = pages[-1]["page_number"] + 1
        pages.append(
            client.get(path, params={**params, "per_page": per_page, "page": next_number}).json()
        )
    return pages


@pytest.mark.parametrize(
    ("path", "params"),
    [("/hsds/services", {}), ("/hsds/service_at_locations", {}), ("/hsds/organizations", {}),
     ("/hsds/services", {"search": "työ"}), ("/hsds/organizations", {"search": "työ"})],
)  # fmt: skip
def test_pages_put_together_are_the_whole_list_once(
    client: TestClient, path: str, params: dict[str, object]
) -> None:
    whole = client.get(path, params={**params, "per_page": 100}).json()
    pages = all_pages(client, path, 7, **params)
    assert len(pages) == -(-whole["total_items"] // 7) == pages[0]["total_pages"]
    assert [page["page_number"] for page in pages] == list(range(1, len(pages) + 1))
    assert all(page["total_items"] == whole["total_items"] for page in pages)
    assert [p["first_page"] for p in pages] == [True] + [False] * (len(pages) - 1)
    assert all(len(page["contents"]) == 7 for page in pages[:-1])
    ids = [item["id"] for page in pages for item in page["contents"]]
    assert ids == [item["id"] for item in whole["contents"]]
    assert len(set(ids)) == len(ids) == whole["total_items"] > 0


def test_service_at_locations_are_valid_with_service_and_location_nested(
    client: TestClient,
) -> None:
    page = client.get("/hsds/service_at_locations", params={"per_page": 100}).json()
    assert page["total_items"] == 83
    for sal in page["contents"]:
        assert hsds_errors("service_at_location_list", sal) == []
        assert hsds_errors("service", sal["service"]) == []
        assert hsds_errors("organization", sal["service"]["organization"]) == []
        assert sal["service"]["id"] == sal["service_id"]
        assert sal["location"]["id"] == sal["location_id"]
        # a list shows one-to-one fields only; the lists come with the single object
        assert not any(isinstance(v, list) for v in (*sal.values(), *sal["service"].values()))


def test_one_service_at_location_is_fully_nested(client: TestClient, document: Json) -> None:
    expected = next(
        s
        for s in document["services"]
        if s.get("phones") and s["service_at_locations"][0]["location"].get("addresses")
    )
    expected_sal = expected["service_at_locations"][0]
    sal = client.get(f"/hsds/service_at_locations/{expected_sal['id']}").json()
    assert hsds_errors("service_at_location", sal) == []
    assert hsds_errors("service", sal["service"]) == []
    assert sal["location"] == expected_sal["location"]
    assert sal["service"]["phones"] == expected["phones"]
    assert sal["service"]["attributes"] == expected["attributes"]
    assert sal["service"]["organization"]["id"] == expected["organization_id"]
    assert "service_at_locations" not in sal["service"]


@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/service_at_locations"])
def test_search_understands_inflected_finnish(client: TestClient, path: str) -> None:
    page = client.get(path, params={"search": "kierrätyksessä", "per_page": 100}).json()
    names = [item.get("name") or item["service"]["name"] for item in page["contents"]]
    assert any("Sotek Porvoo" in name for name in names)
    assert 0 < page["total_items"] < 83
    assert page["total_items"] == len(names)


def test_search_includes_closed_providers_and_combines_with_region(
    client: TestClient, db_session: Session
) -> None:
    closed = db_session.exec(select(Provider).where(Provider.status == "closed")).first()
    assert closed is not None
    page = client.get(
        "/hsds/services",
        params={"search": closed.name, "region": closed.region_code, "per_page": 100},
    ).json()
    found = {service["id"]: service for service in page["contents"]}
    assert found[hsds_id("service", closed.external_id)]["status"] == "inactive"
    other_region = "01" if closed.region_code != "01" else "02"
    elsewhere = client.get("/hsds/services", params={"search": closed.name, "region": other_region})
    assert hsds_id("service", closed.external_id) not in {
        s["id"] for s in elsewhere.json()["contents"]
    }


def test_organizations_search_finds_those_running_a_matching_provider(
    client: TestClient,
) -> None:
    services = client.get("/hsds/services", params={"search": "kierrätyksessä"}).json()
    organizations = client.get("/hsds/organizations", params={"search": "kierrätyksessä"}).json()
    expected = {service["organization_id"] for service in services["contents"]}
    assert {org["id"] for org in organizations["contents"]} == expected
    assert organizations["total_items"] == len(expected)


@pytest.mark.parametrize("search", ["", "   ", "?!*"])
def test_search_without_words_lists_everything(client: TestClient, search: str) -> None:
    page = client.get("/hsds/services", params={"search": search, "per_page": 1}).json()
    assert page["total_items"] == 83


@pytest.mark.parametrize("search", ["", "työ"])
@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/service_at_locations"])
def test_organization_id_narrows_to_its_services(
    client: TestClient, document: Json, path: str, search: str
) -> None:
    counts: dict[str, int] = {}
    for service in document["services"]:
        counts[service["organization_id"]] = counts.get(service["organization_id"], 0) + 1
    organization = max(counts, key=counts.__getitem__)
    params = {"organization_id": organization, "per_page": 100, "search": search}
    page = client.get(path, params=params).json()
    owners = {item.get("organization_id") or item["service"]["organization_id"]
              for item in page["contents"]}  # fmt: skip
    assert owners == {organization}
    assert page["total_items"] <= counts[organization]
    if not search:
        assert page["total_items"] == counts[organization] > 1


@pytest.mark.parametrize("organization_id", ["0b5e4f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", "not-a-uuid"])
def test_unknown_organization_id_gives_an_empty_list(
    client: TestClient, organization_id: str
) -> None:
    page = client.get("/hsds/services", params={"organization_id": organization_id}).json()
    assert (page["total_items"], page["empty"], page["contents"]) == (0, True, [])


@pytest.mark.parametrize(
    "kind", ["services", "service_at_locations", "organizations", "taxonomies", "taxonomy_terms"]
)
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "0", "ä" * 300, "%00", "{id}"])
def test_malformed_ids_are_404_json(client: TestClient, kind: str, bad_id: str) -> None:
    response = client.get(f"/hsds/{kind}/{bad_id}")
    # a NUL byte is refused before any route runs (security review PG-01)
    assert response.status_code == (400 if bad_id == "%00" else 404)
    assert "detail" in response.json()


def test_ids_of_one_kind_are_not_found_as_another(client: TestClient, document: Json) -> None:
    service = document["services"][0]
    assert client.get(f"/hsds/services/{service['id'].upper()}").status_code == 200
    assert client.get(f"/hsds/service_at_locations/{service['id']}").status_code == 404
    sal_id = service["service_at_locations"][0]["id"]
    assert client.get(f"/hsds/services/{sal_id}").status_code == 404


def test_search_needs_the_index_but_lists_do_not(site_settings: Settings, tmp_path: Path) -> None:
    settings = site_settings.model_copy(update={"index_dir": tmp_path / "missing"})
    with TestClient(create_app(settings)) as client:
        searched = client.get("/hsds/services", params={"search": "työ"})
        listed = client.get("/hsds/services")
    assert searched.status_code == 503
    assert searched.json()["detail"]
    assert listed.status_code == 200


# --- Downloads --------------------------------------------------------------------------


def test_datapackage_download_is_the_cli_export(
    client: TestClient, db_session: Session, catalogue: CatalogueResources, tmp_path: Path
) -> None:
    response = client.get("/hsds/datapackage.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment;")
    out = tmp_path / "cli.zip"
    write_hsds_datapackage(db_session, out, BASE_URL, catalogue=catalogue)
    assert response.content == out.read_bytes()
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert {"datapackage.json", "services.csv"} <= set(archive.namelist())


def test_json_download_is_the_export(
    client: TestClient, db_session: Session, catalogue: CatalogueResources
) -> None:
    response = client.get("/hsds/export.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.json() == export_hsds_json(db_session, BASE_URL, catalogue=catalogue)


@pytest.mark.parametrize("path", ["/hsds/datapackage.zip", "/hsds/export.json"])
def test_download_is_304_when_the_client_has_it(client: TestClient, path: str) -> None:
    etag = client.get(path).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get(path, headers={"If-None-Match": header})
        assert (response.status_code, response.content) == (304, b""), header
        assert response.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_cache_is_rebuilt_when_a_provider_changes(db_session: Session) -> None:
    cache = HsdsCache()
    builds: list[int] = []

    def build() -> int:
        builds.append(1)
        return len(builds)

    assert cache.get(db_session, "value", build) == 1
    assert cache.get(db_session, "value", build) == 1, "unchanged catalogue: no rebuild"
    provider = db_session.exec(select(Provider)).first()
    assert provider is not None
    provider.updated_at = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    db_session.add(provider)
    db_session.flush()
    assert catalogue_state(db_session)[2] is not None
    assert cache.get(db_session, "value", build) == 2


def test_new_hsds_routes_are_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/hsds/service_at_locations", "/hsds/service_at_locations/{service_at_location_id}",
        "/hsds/datapackage.zip", "/hsds/export.json",
    ):  # fmt: skip
        assert "get" in paths[path], path
    parameters = {p["name"] for p in paths["/hsds/services"]["get"]["parameters"]}
    assert {"search", "page", "per_page", "region", "organization_id"} <= parameters
    assert "application/zip" in paths["/hsds/datapackage.zip"]["get"]["responses"]["200"]["content"]
    assert "404" in paths["/hsds/service_at_locations/{service_at_location_id}"]["get"]["responses"]


# --- Parameters of the HSDS 3.0 API reference -------------------------------------------


def service_ids(client: TestClient, path: str, **params: object) -> set[str]:
    """The service ids of every page of a list (`/services` or `/service_at_locations`)."""
    return {
        item.get("service_id") or item["id"]
        for page in all_pages(client, path, 100, **params)
        for item in page["contents"]
    }


def services_with(document: Json, keep: Any) -> set[str]:
    """The export's services having an attribute for which `keep(attribute)` holds."""
    return {
        service["id"]
        for service in document["services"]
        if any(keep(attribute) for attribute in service["attributes"])
    }


def some_terms(document: Json) -> list[str]:
    """For each Polku taxonomy, a term that some services have and some do not (or any)."""
    counts: dict[str, dict[str, int]] = {}
    for service in document["services"]:
        for attribute in service["attributes"]:
            term = attribute["taxonomy_term"]
            by_term = counts.setdefault(term["taxonomy_id"], {})
            by_term[term["id"]] = by_term.get(term["id"], 0) + 1
    chosen = []
    for by_term in counts.values():
        partial = [term for term, count in by_term.items() if count < len(document["services"])]
        chosen.append((partial or list(by_term))[0])
    return chosen


@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/service_at_locations"])
def test_taxonomy_term_id_finds_the_services_with_that_term(
    client: TestClient, document: Json, path: str
) -> None:
    terms = some_terms(document)
    assert len(terms) == 7
    narrowed = 0
    for term_id in terms:
        expected = services_with(document, lambda a, t=term_id: a["taxonomy_term_id"] == t)
        assert service_ids(client, path, taxonomy_term_id=term_id) == expected, term_id
        narrowed += 0 < len(expected) < 83
    assert narrowed >= 5  # most chosen terms really narrow the list


@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/service_at_locations"])
def test_taxonomy_id_finds_the_services_with_any_term_of_it(
    client: TestClient, document: Json, path: str
) -> None:
    for taxonomy in document["taxonomies"]:
        expected = services_with(
            document, lambda a, t=taxonomy["id"]: a["taxonomy_term"]["taxonomy_id"] == t
        )
        assert service_ids(client, path, taxonomy_id=taxonomy["id"]) == expected, taxonomy["uri"]
    municipalities = next(t for t in document["taxonomies"] if t["uri"].endswith("municipalities"))
    assert 0 < len(service_ids(client, path, taxonomy_id=municipalities["id"])) < 83


def test_filters_are_cumulative(client: TestClient, document: Json) -> None:
    """The specification's own example: taxonomy_id and organization_id together."""
    services_taxonomy = next(t for t in document["taxonomies"] if t["uri"].endswith(":services"))
    for term_id in some_terms(document):
        with_term = services_with(document, lambda a, t=term_id: a["taxonomy_term_id"] == t)
        owners = {s["organization_id"] for s in document["services"] if s["id"] in with_term}
        for organization in sorted(owners)[:3]:
            expected = {
                s["id"] for s in document["services"]
                if s["id"] in with_term and s["organization_id"] == organization
            }  # fmt: skip
            params = {"taxonomy_term_id": term_id, "organization_id": organization}
            assert service_ids(client, "/hsds/services", **params) == expected
    organization = document["organizations"][0]["id"]
    params = {"taxonomy_id": services_taxonomy["id"], "organization_id": organization}
    expected = {
        s["id"] for s in document["services"]
        if s["organization_id"] == organization
        and any(a["taxonomy_term"]["taxonomy_id"] == services_taxonomy["id"]
                for a in s["attributes"])
    }  # fmt: skip
    assert service_ids(client, "/hsds/services", **params) == expected


def test_taxonomy_term_id_combines_with_search(client: TestClient, document: Json) -> None:
    searched = service_ids(client, "/hsds/services", search="työ")
    for term_id in some_terms(document):
        with_term = services_with(document, lambda a, t=term_id: a["taxonomy_term_id"] == t)
        both = service_ids(client, "/hsds/services", search="työ", taxonomy_term_id=term_id)
        assert both == searched & with_term


@pytest.mark.parametrize("param", ["taxonomy_term_id", "taxonomy_id"])
@pytest.mark.parametrize("value", [str(uuid.UUID(int=7)), "not-a-uuid"])
def test_unknown_taxonomy_ids_give_an_empty_list(
    client: TestClient, param: str, value: str
) -> None:
    page = client.get("/hsds/services", params={param: value}).json()
    assert (page["total_items"], page["size"], page["contents"]) == (0, 0, [])


def test_modified_after_compares_with_last_modified(client: TestClient) -> None:
    # The served export, not the `document` fixture: that one changes two entries in an
    # uncommitted transaction, which stamps them with a newer `updated_at`.
    document = client.get("/hsds/export.json").json()
    moments = sorted(dt.datetime.fromisoformat(s["last_modified"]) for s in document["services"])
    newest, oldest = moments[-1], moments[0]
    assert newest.tzinfo is not None
    everything = service_ids(client, "/hsds/services", modified_after=oldest.isoformat())
    assert len(everything) == 83
    on_or_after = {
        s["id"] for s in document["services"]
        if dt.datetime.fromisoformat(s["last_modified"]) >= newest
    }  # fmt: skip
    assert service_ids(client, "/hsds/services", modified_after=newest.isoformat()) == on_or_after
    later = (newest + dt.timedelta(microseconds=1)).isoformat()
    assert service_ids(client, "/hsds/services", modified_after=later) == set()
    naive = (newest + dt.timedelta(hours=1)).replace(tzinfo=None).isoformat()  # read as UTC
    assert service_ids(client, "/hsds/service_at_locations", modified_after=naive) == set()
    bad = client.get("/hsds/services", params={"modified_after": "yesterday"})
    assert bad.status_code == 422


def test_minimal_gives_ids_and_last_modified_only(client: TestClient) -> None:
    document = client.get("/hsds/export.json").json()  # as served (see above)
    page = client.get("/hsds/services", params={"minimal": "true", "per_page": 100}).json()
    assert page["total_items"] == page["size"] == 83
    assert all(set(item) == {"id", "last_modified"} for item in page["contents"])
    expected = {s["id"]: s["last_modified"] for s in document["services"]}
    assert {item["id"]: item["last_modified"] for item in page["contents"]} == expected
    both = client.get("/hsds/services", params={"minimal": "true", "full": "true"})
    assert both.status_code == 400
    assert "minimal" in both.json()["detail"]


def test_full_lists_nest_everything_like_the_single_objects(client: TestClient) -> None:
    services = client.get("/hsds/services", params={"full": "true", "per_page": 5}).json()
    for service in services["contents"]:
        assert service == client.get(f"/hsds/services/{service['id']}").json()
    sals = client.get("/hsds/service_at_locations", params={"full": "true", "per_page": 5}).json()
    for sal in sals["contents"]:
        assert sal == client.get(f"/hsds/service_at_locations/{sal['id']}").json()
    summary = client.get("/hsds/services", params={"full": "false", "per_page": 5}).json()
    assert not any(isinstance(v, list) for s in summary["contents"] for v in s.values())


def test_organizations_carry_their_services(client: TestClient, document: Json) -> None:
    plain = client.get("/hsds/organizations", params={"per_page": 100}).json()
    assert all("services" not in organization for organization in plain["contents"])
    full = client.get("/hsds/organizations", params={"full": "true", "per_page": 100}).json()
    detailed = client.get(
        "/hsds/organizations", params={"full_service": "true", "per_page": 100}
    ).json()
    for summary, nested in zip(full["contents"], detailed["contents"], strict=True):
        expected = {s["id"] for s in document["services"] if s["organization_id"] == summary["id"]}
        assert {s["id"] for s in summary["services"]} == expected
        assert [s["id"] for s in nested["services"]] == [s["id"] for s in summary["services"]]
        assert all(
            not any(isinstance(value, list) for value in service.values())
            for service in summary["services"]
        )
        assert all("attributes" in service for service in nested["services"])
    one = client.get(f"/hsds/organizations/{full['contents'][0]['id']}").json()
    assert one == full["contents"][0]


def test_organizations_have_a_description_from_known_fields(
    document: Json, db_session: Session
) -> None:
    for organization in document["organizations"]:
        description = organization["description"]
        assert description.startswith(f"{organization['name']}: palveluntuottajaorganisaatio")
        if organization.get("legal_status"):
            assert f"Organisaatiomuoto lähteen mukaan: {organization['legal_status']}." in (
                description
            )
    sotek = next(o for o in document["organizations"] if o["name"] == "Sotek-säätiö")
    municipalities = sorted(
        {
            name
            for name in db_session.exec(
                select(Municipality.name_fi)
                .join(Provider, col(Provider.municipality_code) == col(Municipality.code))
                .join(Organization, col(Organization.id) == col(Provider.organization_id))
                .where(Organization.name == "Sotek-säätiö")
            )
        }
    )
    assert municipalities
    assert f"Yksiköiden kunnat: {', '.join(municipalities)}." in sotek["description"]


def test_service_urls_are_absolute_or_left_out(document: Json, db_session: Session) -> None:
    stored = {
        hsds_id("service", external): website
        for external, website in db_session.exec(select(Provider.external_id, Provider.website))
    }
    with_website = [service for service in document["services"] if stored[service["id"]]]
    assert all("url" in service for service in with_website)  # none needed leaving out
    bare = [s for s in with_website if not str(stored[s["id"]]).startswith("http")]
    assert [service["url"] for service in bare] == ["https://www.tyollisyysmikkeli.fi"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://kunta.fi/palvelut?a=1", "https://kunta.fi/palvelut?a=1"),
        ("http://www.example.fi", "http://www.example.fi"),
        ("www.tyollisyysmikkeli.fi", "https://www.tyollisyysmikkeli.fi"),
        ("tyollisyysmikkeli.fi/työpajat", "https://tyollisyysmikkeli.fi/ty%C3%B6pajat"),
        ("https://www.äänekoski.fi/a b", None),
        ("https://www.äänekoski.fi/palvelut", "https://www.xn--nekoski-4waa.fi/palvelut"),
        ("HTTPS://kunta.fi/100%", "https://kunta.fi/100%25"),
        ("https://kunta.fi/a%C3%B6", "https://kunta.fi/a%C3%B6"),
        (" www.kunta.fi ", "https://www.kunta.fi"),
        ("info@kunta.fi", None),
        ("www.a.fi, www.b.fi", None),
        ("katso kunnan sivut", None),
        ("ftp://kunta.fi", None),
        ("https://", None),
        ("kunta", None),
        ("", None),
        (None, None),
    ],
)
def test_absolute_url_adds_https_only_to_a_bare_host(
    value: str | None, expected: str | None
) -> None:
    assert absolute_url(value) == expected


@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/service_at_locations",
                                  "/hsds/organizations", "/hsds/taxonomies",
                                  "/hsds/taxonomy_terms"])  # fmt: skip
def test_format_json_is_the_default_and_others_are_refused(client: TestClient, path: str) -> None:
    default = client.get(path, params={"per_page": 3}).json()
    assert client.get(path, params={"per_page": 3, "format": "json"}).json() == default
    for other in ("xml", "NDJSON"):
        response = client.get(path, params={"format": other})
        assert response.status_code == 400, other
        assert other in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params"),
    [("/hsds/services", {}), ("/hsds/services", {"minimal": "true"}),
     ("/hsds/services", {"search": "työ", "full": "true"}),
     ("/hsds/service_at_locations", {"region": "10"}), ("/hsds/organizations", {}),
     ("/hsds/organizations", {"full_service": "true"}), ("/hsds/taxonomies", {}),
     ("/hsds/taxonomy_terms", {}), ("/hsds/taxonomy_terms", {"search": "hyvinvointialue"})],
)  # fmt: skip
def test_ndjson_streams_every_item_of_the_list(
    client: TestClient, path: str, params: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """All results without pagination, one object per line, the same as the pages hold."""
    monkeypatch.setattr("app.interop.hsds.api.NDJSON_PAGE", 3)  # several steps even here
    paged = [item for page in all_pages(client, path, 100, **params) for item in page["contents"]]
    response = client.get(path, params={**params, "format": "ndjson", "per_page": 2, "page": 3})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert [json.loads(line) for line in lines] == paged
    assert len(lines) == len(paged) > 3


def test_ndjson_of_an_unknown_organization_is_empty(client: TestClient) -> None:
    params = {"format": "ndjson", "organization_id": str(uuid.UUID(int=1))}
    response = client.get("/hsds/services", params=params)
    assert (response.status_code, response.text) == (200, "")


@pytest.mark.parametrize("param", ["postcode", "proximity"])
def test_postcode_and_proximity_are_refused_not_ignored(client: TestClient, param: str) -> None:
    response = client.get("/hsds/service_at_locations", params={param: "00100"})
    assert response.status_code == 400
    assert param in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "param"),
    [("/hsds/services", "minimal"), ("/hsds/services", "full"),
     ("/hsds/service_at_locations", "full"), ("/hsds/organizations", "full"),
     ("/hsds/organizations", "full_service"), ("/hsds/taxonomy_terms", "top_only")],
)  # fmt: skip
@pytest.mark.parametrize("value", ["null", "maybe", ""])
def test_booleans_are_validated(client: TestClient, path: str, param: str, value: str) -> None:
    response = client.get(path, params={param: value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")


def test_organization_by_id_validates_full_service(client: TestClient, document: Json) -> None:
    organization = document["organizations"][0]["id"]
    response = client.get(f"/hsds/organizations/{organization}", params={"full_service": "null"})
    assert response.status_code == 422


def test_taxonomies_search(client: TestClient) -> None:
    found = client.get("/hsds/taxonomies", params={"search": "municipality codes"}).json()
    assert [t["uri"] for t in found["contents"]] == ["urn:polku:taxonomy:municipalities"]
    assert client.get("/hsds/taxonomies", params={"search": "zzzz"}).json()["total_items"] == 0
    assert client.get("/hsds/taxonomies", params={"search": ""}).json()["total_items"] == 7


def test_taxonomy_terms_search_taxonomy_and_parent(client: TestClient) -> None:
    regions = next(
        t for t in client.get("/hsds/taxonomies").json()["contents"] if t["uri"].endswith("regions")
    )
    in_regions = client.get(
        "/hsds/taxonomy_terms", params={"taxonomy_id": regions["id"], "per_page": 100}
    ).json()
    assert in_regions["total_items"] == 23  # 21 wellbeing regions, Helsinki, Åland
    assert {term["taxonomy_id"] for term in in_regions["contents"]} == {regions["id"]}
    found = client.get(
        "/hsds/taxonomy_terms", params={"search": "kymenlaakso", "taxonomy_id": regions["id"]}
    ).json()
    assert [term["name"] for term in found["contents"]] == ["Kymenlaakson hyvinvointialue"]
    everything = client.get("/hsds/taxonomy_terms", params={"per_page": 1}).json()["total_items"]
    top = client.get("/hsds/taxonomy_terms", params={"top_only": "true", "per_page": 1}).json()
    assert top["total_items"] == everything  # Polku's terms have no parents
    term_id = in_regions["contents"][0]["id"]
    children = client.get("/hsds/taxonomy_terms", params={"parent_id": term_id}).json()
    assert children["total_items"] == 0
    unknown = client.get("/hsds/taxonomy_terms", params={"taxonomy_id": str(uuid.uuid4())})
    assert unknown.json()["total_items"] == 0


def test_taxonomies_and_terms_by_id(client: TestClient) -> None:
    for taxonomy in client.get("/hsds/taxonomies").json()["contents"]:
        assert client.get(f"/hsds/taxonomies/{taxonomy['id']}").json() == taxonomy
    listed = client.get("/hsds/taxonomy_terms", params={"per_page": 3}).json()["contents"]
    for term in listed:
        one = client.get(f"/hsds/taxonomy_terms/{term['id']}").json()
        assert {key: value for key, value in one.items() if key != "taxonomy_detail"} == term
        assert one["taxonomy_detail"]["id"] == term["taxonomy_id"]
        assert one["taxonomy_detail"]["uri"] == term["taxonomy"]


def test_profile_url_resolves_to_the_profile(client: TestClient, site_settings: Settings) -> None:
    profile = client.get("/hsds/").json()["profile"]
    assert profile.startswith(f"{site_settings.base_url}/")
    response = client.get(profile.removeprefix(site_settings.base_url))
    assert response.status_code == 200
    document = response.json()
    assert document["url"] == profile
    assert document["hsds_version"] == "3.0"
    taxonomies = client.get("/hsds/taxonomies").json()["contents"]
    assert [t["uri"] for t in document["taxonomies"]] == [t["uri"] for t in taxonomies]
    assert {t["attribute_link_type"] for t in document["taxonomies"]} >= {"region", "provenance"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/", "/palvelut"])
def test_wrong_method_is_405_with_allow(client: TestClient, method: str, path: str) -> None:
    """RFC 9110: a 405 names the methods the resource has (also on an HTML error page)."""
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_streamed_json_export_is_byte_for_byte_the_whole_document(
    client: TestClient, db_session: Session, catalogue: CatalogueResources
) -> None:
    """/hsds/export.json is written a chunk of providers at a time (100 000 nationally), and
    is still exactly `json.dumps` of the whole document, in pieces when it is long."""
    import json

    from app.interop.hsds import objects

    whole = json.dumps(export_hsds_json(db_session, BASE_URL, catalogue=catalogue),
                       ensure_ascii=False)  # fmt: skip
    pieces = list(objects.hsds_json_pieces(db_session, BASE_URL, catalogue=catalogue))
    assert "".join(pieces) == whole
    assert len(pieces) > 1, "the bundled catalogue is longer than one piece"
    assert client.get("/hsds/export.json").content == whole.encode("utf-8")
