"""`/api/v1/regions` and the OpenAPI schema."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_regions_api_lists_22_organisers_with_municipalities(client: TestClient) -> None:
    regions = client.get("/api/v1/regions").json()
    assert len(regions) == 22
    assert sum(len(region["municipalities"]) for region in regions) == 292
    helsinki = next(region for region in regions if region["code"] == "90")
    assert helsinki["municipalities"] == [
        {"code": "091", "name_fi": "Helsinki", "name_sv": "Helsingfors"}
    ]
    assert helsinki["url"] == "https://polku.example/alueet#alue-90"


def test_regions_api_never_gives_the_research_notes(client: TestClient) -> None:
    regions = {region["code"]: region for region in client.get("/api/v1/regions").json()}
    for field in ("social_services_contact", "contact_evidence_url", "website_evidence_url"):
        assert field not in regions["01"]


def test_regions_api_is_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/regions" in schema["paths"]
    assert "RegionPublic" in schema["components"]["schemas"]
    assert "/" not in schema["paths"], "HTML pages stay out of the API schema"
