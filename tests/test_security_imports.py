"""Security review 2026-12-05: what imports may store (IN-10, IM-12, IM-03, PG-02, IM-02,
IM-06) and how stored addresses are shown."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.catalogue.resources import CatalogueResources, load_catalogue_resources
from app.db import make_engine, migrate
from app.geography import load_geography
from app.guide.content import load_guide
from app.interop.csv.reader import COLUMNS
from app.interop.records import ImportProblem, ParsedSource, ProviderRecord
from app.interop.runs import run_import
from app.models import Provider
from tests.fixtures.catalogue import provider_ids_by_record
from tests.fixtures.databases import DATABASES, empty_database_url

ROW = {  # a synthetic provider in Jyväskylä (179, Keski-Suomi 15)
    "record_id": "S1",
    "name": "Turvapajat ry",
    "municipality_code": "179",
    "status": "current",
    "website": "https://example.org/turvapajat",
    "source_url": "https://example.org/lahde",
}


@pytest.fixture(scope="module")
def resources() -> CatalogueResources:
    return load_catalogue_resources(load_guide())


@pytest.fixture(scope="module", params=DATABASES)
def session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Session]:
    """A migrated database with the geography and no providers."""
    directory = tmp_path_factory.mktemp(f"security-imports-{request.param}")
    url = empty_database_url(str(request.param), directory, schema="security_import_test")
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as db:
        load_geography(session=db)
        yield db
    engine.dispose()


def write_csv(path: Path, *rows: dict[str, str], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(session: Session, resources: CatalogueResources, path: Path) -> list[str]:
    outcome = run_import(
        session=session, resources=resources, source="csv", paths=[path], apply=True,
        full=False, today=dt.date(2026, 12, 5),
    )  # fmt: skip
    return [str(problem) for problem in outcome.parsed.errors]


def _providers(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Provider)).one())


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("website", "javascript:alert(document.domain)"),
        ("website", "JaVaScRiPt:alert(1)"),
        ("website", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
        ("source_url", "javascript:alert(1)"),
        ("website", "vbscript:msgbox(1)"),
    ],
)
def test_in10_only_http_and_https_addresses_are_imported(
    session: Session, resources: CatalogueResources, tmp_path: Path, column: str, value: str
) -> None:
    path = write_csv(tmp_path / "hostile.csv", {**ROW, column: value})
    errors = _import(session, resources, path)
    assert errors and errors[0].startswith(f"hostile.csv line 2: {column} ")
    assert "http or https" in errors[0]
    assert _providers(session) == 0


def test_im12_hsds_and_ptv_records_with_other_schemes_are_refused() -> None:
    parsed = ParsedSource("hsds")
    hostile = ProviderRecord(
        external_id="hsds:1", organization_name="Org", name="Palvelu", region_code="15",
        organization_website="javascript:alert(1)", website="data:text/html,x",
    )  # fmt: skip
    fine = ProviderRecord(
        external_id="hsds:2", organization_name="Org", name="Palvelu 2", region_code="15",
        website="HTTPS://example.org", source_url="www.example.fi",  # no scheme: text only
    )  # fmt: skip
    parsed.records = [hostile, fine]
    parsed.check_values()
    assert parsed.records == [fine]
    assert {problem.where for problem in parsed.errors} == {"hsds:1"}
    assert len(parsed.errors) == 2


def test_im03_pg02_control_characters_in_a_cell_are_an_error_with_file_and_line(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "nul.csv", ROW, {**ROW, "record_id": "S2", "name": "Nul\x00 ry"},
        {**ROW, "record_id": "S3", "post_office": "Bell\x07"},
    )  # fmt: skip
    errors = _import(session, resources, path)
    assert "nul.csv line 3: name contains a control character (U+0000)" in errors
    assert "nul.csv line 4: post_office contains a control character (U+0007)" in errors
    assert _providers(session) == 0, "nothing is written when a row is wrong"


def test_im06_an_oversize_cell_is_an_error_with_file_and_line(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "big.csv", ROW, {**ROW, "record_id": "S2", "name": "x" * 200_000})
    errors = _import(session, resources, path)
    assert len(errors) == 1 and errors[0].startswith("big.csv line 3: cannot read the row")
    assert len(errors[0]) <= 300


def test_im02_problem_messages_are_capped(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    header = [*COLUMNS, *(f"extra_column_{n}" for n in range(10_000))]
    path = write_csv(tmp_path / "wide.csv", ROW, header=header)
    outcome = run_import(
        session=session, resources=resources, source="csv", paths=[path], apply=False,
        full=False, today=dt.date(2026, 12, 5),
    )  # fmt: skip
    warning = str(outcome.parsed.warnings[0])
    assert warning.startswith("wide.csv: columns ignored: extra_column_0,")
    assert warning.endswith("extra_column_9 … (10000 in all)") and len(warning) <= 300
    assert len(str(ImportProblem("x.csv line 2", "y" * 10_000))) == 300
    session.rollback()
    session.exec(delete(Provider))
    session.commit()


def test_in10_stored_addresses_other_than_http_are_never_links(
    public_client: TestClient, admin_db: Session
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P006"]
    provider = admin_db.get(Provider, provider_id)
    assert provider is not None
    provider.website, provider.source_url = "javascript:alert(1)", "data:text/html,x"
    admin_db.add(provider)
    admin_db.commit()
    page = BeautifulSoup(public_client.get(f"/palveluntuottajat/{provider_id}").text, "html.parser")
    assert "javascript:alert(1)" in page.get_text()
    hrefs = [str(a.get("href", "")) for a in page.select("a")]
    assert not [href for href in hrefs if href.lower().startswith(("javascript:", "data:"))]


def test_fa01_a_dry_run_leaves_the_sqlite_database_writable(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL has no single write lock")
    rows = [{**ROW, "record_id": f"S{n}", "name": f"Turvapaja {n}"} for n in range(5)]
    path = write_csv(tmp_path / "many.csv", *rows)
    writes: list[int] = []

    def write_meanwhile(number: int, total: int) -> None:
        # what a public form does while the dry run merges: it must not wait for a lock
        with sqlite3.connect(str(url.database), timeout=0) as other:
            other.execute("INSERT INTO throttleevent (key, at) VALUES ('form:x', '2026-12-05')")
        writes.append(number)

    outcome = run_import(
        session=session, resources=resources, source="csv", paths=[path], apply=False,
        full=False, today=dt.date(2026, 12, 5), progress=write_meanwhile,
    )  # fmt: skip
    assert outcome.report is not None and len(outcome.report.created) == 5
    assert writes and _providers(session) == 0, "a dry run writes nothing"
    with sqlite3.connect(str(url.database)) as other:
        other.execute("DELETE FROM throttleevent WHERE key = 'form:x'")
