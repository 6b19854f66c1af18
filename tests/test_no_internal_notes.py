"""The research notes of the bundled data never reach a public page or API answer.

The bundled CSV files keep maintainers' notes in English beside the facts (where a fact
came from, what is uncertain). They are for maintainers only: this test renders every
region page, the regions page, a questionnaire result for each region and the API answers
in all four reading versions, and looks for every note in them.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Iterator

from fastapi.testclient import TestClient

from app import i18n
from app.geography import DATA_DIR

# Bundled file -> its columns that are notes for maintainers, never for the public.
INTERNAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "region_websites.csv": ("social_services_contact", "notes"),
    "region_contacts.csv": ("applies_to", "verify_note"),
    "region_service_pages.csv": ("notes",),
    "providers.csv": ("notes",),
    "employment_areas.csv": ("notes",),
}
# Shorter notes ("working-age adults") are words the pages use themselves.
SHORTEST_NOTE = 25
RESULT_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=job&support=mental-health"
)


def _internal_notes() -> list[str]:
    notes: set[str] = set()
    for name, columns in INTERNAL_COLUMNS.items():
        with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                notes.update(
                    row[column].strip()
                    for column in columns
                    if len(row[column].strip()) >= SHORTEST_NOTE
                )
    return sorted(notes)


def _fragments(note: str) -> Iterator[str]:
    """The note itself and its opening words, so that a shortened copy is caught too."""
    yield note
    if len(note) > 40:
        yield note[:40]


def _region_codes(client: TestClient) -> list[str]:
    return [region["code"] for region in client.get("/api/v1/regions").json()]


def _first_municipalities(client: TestClient) -> list[str]:
    regions = client.get("/api/v1/regions").json()
    return [region["municipalities"][0]["code"] for region in regions]


def _public_answers(client: TestClient) -> Iterator[tuple[str, str]]:
    codes = _region_codes(client)
    municipalities = _first_municipalities(client)
    for version in i18n.VERSIONS:
        paths = [i18n.localized_path("/alueet", version)]
        paths += [i18n.localized_path(f"/alueet/{code}", version) for code in codes]
        paths += [
            f"{i18n.localized_path('/polku/tulos', version)}?{RESULT_ANSWERS}&municipality={code}"
            for code in municipalities
        ]
        paths += [
            f"/api/v1/pathway?{RESULT_ANSWERS}&municipality={code}&lang={version}"
            for code in municipalities
        ]
        paths += [  # "where to ask in your municipality" on the service pages
            f"{i18n.localized_path(f'/palvelut/{page}', version)}?kunta={code}"
            for page in ("kuntouttava-tyotoiminta", "tyollisyyspalvelut")
            for code in municipalities
        ]
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            yield path, html.unescape(response.text)
    response = client.get("/api/v1/regions")
    yield "/api/v1/regions", response.text
    provider_ids = [item["id"] for item in client.get("/palveluntuottajat.json").json()]
    assert provider_ids
    for provider_id in provider_ids:  # every provider page, its API answer and the exports
        for path in (f"/palveluntuottajat/{provider_id}", f"/api/v1/providers/{provider_id}"):
            yield path, html.unescape(client.get(path).text)
    for path in ("/palveluntuottajat.csv", "/hsds/export.json", "/palveluntuottajat/tuloste"):
        yield path, html.unescape(client.get(path).text)


def test_the_bundled_data_has_internal_notes_to_look_for() -> None:
    notes = _internal_notes()
    assert len(notes) > 20
    assert any("No number appears in the stored excerpt" in note for note in notes)


def test_no_internal_note_reaches_a_public_page_or_api_answer(client: TestClient) -> None:
    notes = _internal_notes()
    leaks = [
        (path, fragment)
        for path, text in _public_answers(client)
        for note in notes
        for fragment in _fragments(note)
        if fragment in text
    ]
    assert leaks == []
