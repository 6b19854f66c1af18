"""The provider API gives what the catalogue's pages give: how to apply, and with
`all_options` every facet option (0 included) and the "not recorded" counts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

KTT = "kuntouttava-tyotoiminta"


def _openapi(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/openapi.json").json()
    return spec


def _ktt_item(client: TestClient, **params: str) -> dict[str, Any]:
    body = client.get(
        "/api/v1/providers", params={"region": "10", "service": KTT, "per_page": "1", **params}
    ).json()
    item: dict[str, Any] = body["items"][0]
    return item


# --- How to apply -------------------------------------------------------------------------------


def test_a_listed_provider_says_how_to_apply_as_its_page_and_download_do(
    client: TestClient,
) -> None:
    item = _ktt_item(client)
    rows = client.get(
        "/palveluntuottajat.json", params={"region": "10", "service": KTT, "sort": "name"}
    ).json()
    row = next(row for row in rows if row["id"] == str(item["id"]))
    assert [route["text"] for route in item["how_to_apply"]] == row["how_to_apply"].split("; ")
    joint = item["how_to_apply"][0]
    assert joint["ask_first"] == "joint-plan" and joint["services"] == [KTT]
    assert "työllisyysalue" in joint["text"] and "Kymenlaakson" in joint["text"]
    covered = [code for route in item["how_to_apply"] for code in route["services"]]
    assert sorted(covered) == sorted(item["services"]), "every service has its route"


def test_one_provider_says_how_to_apply_in_the_requested_language(client: TestClient) -> None:
    provider_id = _ktt_item(client)["id"]
    finnish = client.get(f"/api/v1/providers/{provider_id}").json()["how_to_apply"]
    swedish = client.get(f"/api/v1/providers/{provider_id}", params={"lang": "sv"}).json()
    assert finnish[0]["ask_first"] == "joint-plan"
    assert "työllisyysalue" in finnish[0]["text"]
    assert "sysselsättningsområde" in swedish["how_to_apply"][0]["text"]
    assert [r["services"] for r in swedish["how_to_apply"]] == [r["services"] for r in finnish]
    page = client.get(f"/sv/tjansteproducenter/{provider_id}").text
    assert all(route["text"] in page for route in swedish["how_to_apply"])


def test_the_list_gives_how_to_apply_in_the_requested_language(client: TestClient) -> None:
    item = _ktt_item(client, lang="en")
    assert "employment area" in item["how_to_apply"][0]["text"]


def test_an_unknown_language_is_a_422_naming_lang(client: TestClient) -> None:
    response = client.get("/api/v1/providers", params={"lang": "de"})
    assert response.status_code == 422
    assert any(error["loc"] == ["query", "lang"] for error in response.json()["detail"])


# --- Every facet option and "not recorded" ------------------------------------------------------


def test_facet_counts_are_unchanged_and_the_new_fields_absent_by_default(
    client: TestClient,
) -> None:
    plain = client.get("/api/v1/providers", params={"region": "10"}).json()
    assert plain["facets_all_options"] is None and plain["facets_unrecorded"] is None
    assert all(count > 0 for counts in plain["facets"].values() for count in counts.values())
    with_all = client.get("/api/v1/providers", params={"region": "10", "all_options": "true"})
    assert with_all.json()["facets"] == plain["facets"], "existing field unchanged"


def test_all_options_lists_every_option_with_zero_counts(client: TestClient) -> None:
    body = client.get("/api/v1/providers", params={"region": "10", "all_options": "true"}).json()
    every = body["facets_all_options"]
    assert set(every) == set(body["facets"])
    for name, counts in body["facets"].items():
        assert {code: every[name][code] for code in counts} == counts
    organisers = {region["code"] for region in client.get("/api/v1/regions").json()}
    assert set(every["region"]) >= organisers, "every organiser, those without a match with 0"
    services = client.get("/api/v1/services").json()
    assert {service["code"] for service in services} >= set(every["service"])
    assert 0 in every["service"].values() and 0 in every["activity"].values()
    assert every["municipality"] == body["facets"]["municipality"], "not listed in full"


def test_all_options_counts_the_matches_with_nothing_recorded(client: TestClient) -> None:
    body = client.get("/api/v1/providers", params={"region": "10", "all_options": "true"}).json()
    unrecorded = body["facets_unrecorded"]
    assert set(unrecorded) == set(body["facets"])
    # a provider with no type of work recorded is neither counted under a value nor lost
    assert unrecorded["activity"] > 0
    with_activity = client.get(
        "/api/v1/providers",
        params=[("region", "10"), *(("activity", code) for code in body["facets"]["activity"])],
    ).json()
    assert with_activity["total"] + unrecorded["activity"] == body["total"]
    assert unrecorded["region"] == 0, "every provider has its organiser"


@pytest.mark.parametrize("name", ["facets_all_options", "facets_unrecorded"])
def test_openapi_documents_the_new_facet_fields(client: TestClient, name: str) -> None:
    spec = _openapi(client)
    page = spec["components"]["schemas"]["ProviderPage"]
    assert name not in page.get("required", [])
    assert "all_options=true" in page["properties"][name]["description"]
    parameters = spec["paths"]["/api/v1/providers"]["get"]["parameters"]
    assert {"all_options", "lang"} <= {parameter["name"] for parameter in parameters}


def test_openapi_documents_how_to_apply(client: TestClient) -> None:
    schemas = _openapi(client)["components"]["schemas"]
    for model in ("NearProviderItem", "ProviderFull"):
        field = schemas[model]["properties"]["how_to_apply"]
        assert "provider page" in field["description"]
    route = schemas["HowToApplyRoute"]["properties"]
    ask_first = set(route["ask_first"]["enum"])
    assert ask_first == {"region", "employment-area", "joint-plan", "elsewhere"}
    assert route["text"]["description"] and route["services"]["description"]
