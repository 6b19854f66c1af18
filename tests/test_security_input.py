"""Security review 2026-12-05: values people type (BI-05, IN-10, IM-03)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Provider
from tests.fixtures.admin import post_form
from tests.fixtures.catalogue import provider_ids_by_record
from tests.test_admin import edit_fields, soup

UNICODE_DIGITS = ["²", "①", "١٢", "𝟗", "10^23", "-1", "0x10", "٣"]


def test_bi05_numeric_fields_take_ascii_digits_only(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P003"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    client = signed_in["kymi"]
    for value in UNICODE_DIGITS:
        response = post_form(client, url, edit_fields(client, url, free_places=value))
        assert response.status_code == 422, value
        assert soup(response.text).select_one("#error-free_places") is not None
    for postal_code in ["١٢٣٤٥", "𝟗𝟗𝟗𝟗𝟗", "1234５"]:
        response = post_form(client, url, edit_fields(client, url, postal_code=postal_code))
        assert response.status_code == 422, postal_code
        assert soup(response.text).select_one("#error-postal_code") is not None
    admin_db.expire_all()
    provider = admin_db.get(Provider, provider_id)
    assert provider is not None and provider.postal_code not in ("١٢٣٤٥", "𝟗𝟗𝟗𝟗𝟗")
    ok = post_form(client, url, edit_fields(client, url, free_places=" 7 ", postal_code="48100"))
    assert ok.status_code == 303
    admin_db.expire_all()
    saved = admin_db.get(Provider, provider_id)
    assert saved is not None and (saved.free_places, saved.postal_code) == (7, "48100")


@pytest.mark.parametrize(
    "query",
    [
        {"region": "١٠"},
        {"municipality": "٠٩١"},
        {"region": "𝟏𝟎"},
    ],
)
def test_bi05_api_codes_take_ascii_digits_only(
    public_client: TestClient, query: dict[str, str]
) -> None:
    assert public_client.get("/api/v1/providers", params=query).status_code == 422
    assert public_client.get("/palveluntuottajat", params=query).status_code == 422
    pathway = {"age": "30-64", "situation": "employed", "municipality": "٠٩١"}
    assert public_client.get("/api/v1/pathway", params=pathway).status_code == 422
