"""Golden output: the main public pages and API answers, byte for byte, for the bundled data.

A refactoring must not change what readers and API clients get. When a change is meant to
alter an answer (new content, a fixed fact), regenerate the files and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_output.py -n 0

Only values that differ between two runs of the same site are masked: form tokens (signed
with a per-site secret) and the ETags derived from them, and HSDS's `last_modified` (the
time the bundled data was loaded).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from babel import dates as babel_dates
from fastapi.testclient import TestClient

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

PATHWAY_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=job&support=mental-health&municipality=286"
)

PATHS = [
    "/",
    "/selko",
    "/sv",
    "/en",
    "/palvelut",
    "/palvelut/kuntouttava-tyotoiminta",
    "/palvelut/vertailu",
    "/palvelut/uudistus-2026",
    "/selko/palvelut/kuntouttava-tyotoiminta",
    "/sv/tjanster/sosiaalinen-kuntoutus",
    "/en/services/kehitysvammaisten-tyotoiminta",
    "/alueet",
    "/alueet/10",
    "/en/regions/02",
    "/saavutettavuus",
    "/palveluntuottajat",
    "/palveluntuottajat?q=puutöitä",
    "/palveluntuottajat?q=kahvila&alue=10",
    "/sv/tjansteproducenter?q=verkstad",
    "/palveluntuottajat/tuloste",
    "/palveluntuottajat.csv",
    "/palveluntuottajat.json?q=kuntouttava",
    "/palveluntuottajat/1",
    "/palveluntuottajat/1/korjaus",
    "/polku",
    "/polku/kysymys/situation?age=30-64",
    f"/polku/tulos?{PATHWAY_ANSWERS}",
    f"/en/pathway/tulos?{PATHWAY_ANSWERS}",
    "/api/v1/regions",
    "/api/v1/regions/10",
    "/api/v1/regions/10/providers",
    "/api/v1/services",
    "/api/v1/services/kuntouttava-tyotoiminta",
    "/api/v1/providers?q=puutyö&per_page=5",
    "/api/v1/providers/1",
    f"/api/v1/pathway?{PATHWAY_ANSWERS}",
    "/openapi.json",
    "/hsds/",
    "/hsds/services?per_page=3",
    "/hsds/services/6d00123c-d427-5235-ba85-163bd218836b",
    "/hsds/organizations/d32b4aaa-e839-527b-877a-9458fe988637",
    "/hsds/organizations?per_page=3",
    "/hsds/taxonomies",
    "/hsds/taxonomy_terms?per_page=5",
    "/hsds/service_at_locations?per_page=3",
    "/hsds/export.json",
    "/healthz",
    "/not-a-page",
]

_VOLATILE: list[tuple[re.Pattern[bytes], bytes]] = [
    (re.compile(rb'(name="(?:csrf_token|form_token)" value=")[^"]*'), rb"\1<token>"),
    (re.compile(rb'(<input[^>]*name="token"[^>]*value=")[^"]*'), rb"\1<token>"),
    # HSDS's last_modified: when the bundled data was loaded into this run's database
    (re.compile(rb'("last_modified": ?")[^"]*'), rb"\1<time>"),
]


def _golden_name(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"


def _today_as_pages_write_it() -> bytes:
    """Today's date in the pages' long form (the print view's "printed on"), in Finnish:
    the golden answers are the Finnish pages."""
    return babel_dates.format_date(dt.date.today(), format="long", locale="fi").encode()


def _snapshot(client: TestClient, path: str) -> bytes:
    response = client.get(path, follow_redirects=False)
    body: bytes = response.content
    for pattern, replacement in _VOLATILE:
        body = pattern.sub(replacement, body)
    # a golden file written on one day must hold on the next (CI runs later than a change)
    body = body.replace(_today_as_pages_write_it(), b"<today>")
    header = f"{response.status_code} {response.headers.get('content-type', '')}\n\n"
    return header.encode() + body


@pytest.mark.parametrize("path", PATHS)
def test_public_answer_is_unchanged(client: TestClient, database_kind: str, path: str) -> None:
    golden = GOLDEN_DIR / f"{_golden_name(path)}.txt"
    actual = _snapshot(client, path)
    if database_kind != "sqlite":
        # Only answers that differ from SQLite's (collation order) have a file of their own.
        own = GOLDEN_DIR / database_kind / golden.name
        if UPDATE and golden.exists() and actual != golden.read_bytes():
            own.parent.mkdir(exist_ok=True)
            own.write_bytes(actual)
        golden = own if own.exists() else golden
    elif UPDATE:
        golden.write_bytes(actual)
    assert golden.exists(), f"no golden file for {path}: run with UPDATE_GOLDEN=1"
    assert actual == golden.read_bytes(), f"{path} differs from {golden.name}"
