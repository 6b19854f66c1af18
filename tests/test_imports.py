"""Importing provider data: the CSV format, the merge rules, dry runs and the command line.

Providers here are synthetic (test-only) and live in a database of this module's own.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.catalogue.maintenance import VALUE_FIELDS, apply_edit
from app.catalogue.providers import get_provider
from app.catalogue.resources import CatalogueResources, load_catalogue_resources
from app.db import make_engine, migrate
from app.geography import load_geography, municipality_regions
from app.guide.content import load_guide
from app.interop.bundled import organiser_codes
from app.interop.csv.reader import COLUMNS, parse_csv_files, template_csv
from app.interop.merge import merge_records
from app.interop.records import PROVIDER_CODE_FIELDS as CODE_LISTS
from app.interop.records import ParsedSource, ProviderRecord
from app.interop.runs import run_import
from app.models import (
    ChangeLogEntry,
    ImportConflict,
    ImportRun,
    Organization,
    Provider,
    ProviderActivity,
    ProviderAlias,
    ProviderLanguage,
    ProviderService,
    ProviderTargetGroup,
    User,
)
from tests.fixtures.databases import DATABASES, empty_database_url
from tests.test_cli import run_cli

TODAY = dt.date(2026, 12, 1)
ROW = {  # a synthetic provider in Jyväskylä (179, Keski-Suomi 15)
    "record_id": "T1",
    "name": "Testipajat ry",
    "municipality_code": "179",
    "services": "kuntouttava työtoiminta",
    "workshop_types": "puutyöt",
    "street_address": "Testikatu 1",
    "postal_code": "40100",
    "post_office": "Jyväskylä",
    "phone": "040 000 0000",
    "source_url": "https://example.org/testipajat",
    "source_date": "2026-11",
    "status": "current",
}


@pytest.fixture(scope="module")
def resources() -> CatalogueResources:
    return load_catalogue_resources(load_guide())


@pytest.fixture(scope="module", params=DATABASES)
def import_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database with the geography and no providers."""
    directory = tmp_path_factory.mktemp(f"imports-{request.param}")
    url = empty_database_url(str(request.param), directory, schema="import_test")
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_geography(session=session)
    engine.dispose()
    return url


@pytest.fixture
def session(import_url: str) -> Iterator[Session]:
    """A session on the import database, emptied of providers after each test."""
    engine = make_engine(import_url)
    with Session(engine) as db:
        yield db
        db.rollback()
        tables = (
            ChangeLogEntry, ImportConflict, ImportRun, ProviderAlias, ProviderService,
            ProviderActivity, ProviderTargetGroup, ProviderLanguage, Provider, Organization,
        )  # fmt: skip
        for table in tables:
            db.exec(delete(table))
        db.commit()
    engine.dispose()


def write_csv(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def parse(session: Session, resources: CatalogueResources, *paths: Path) -> ParsedSource:
    return parse_csv_files(
        list(paths),
        mappings=resources.mappings,
        municipality_regions=municipality_regions(session=session),
        regions=organiser_codes(session),
    )


def merge(session: Session, parsed: ParsedSource, *, full: bool = False):  # type: ignore[no-untyped-def]
    report = merge_records(session=session, parsed=parsed, full=full, today=TODAY)
    session.commit()
    return report


def record(**changes: object) -> ProviderRecord:
    values: dict[str, object] = {
        "external_id": "ptv:0001", "organization_name": "Testipajat ry",
        "name": "Testipajat ry", "region_code": "15", "municipality_code": "179",
    }  # fmt: skip
    values.update(changes)
    return ProviderRecord(**values)  # type: ignore[arg-type]


def only_provider(session: Session) -> Provider:
    providers = session.exec(select(Provider)).all()
    assert len(providers) == 1
    return providers[0]


def count(session: Session, table: type) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


# --- the CSV format ---------------------------------------------------------------------


def test_the_template_is_the_documented_header() -> None:
    assert template_csv().strip().split(",") == list(COLUMNS)
    documented = Path("docs/data.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in documented, column


def test_a_valid_row_becomes_a_record_with_codes_and_its_region(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    description = "Kaksi riviä\ntekstiä"
    row = {**ROW, "description": description, "notes": "Lähde: puhelu 3.12.; tarkista nimi"}
    parsed = parse(session, resources, write_csv(tmp_path / "a.csv", row))
    assert not parsed.errors and not parsed.warnings
    [found] = parsed.records
    assert found.external_id == "csv:T1" and found.region_code == "15"
    assert found.services == ["kuntouttava-tyotoiminta"] and found.activities == ["puutyot"]
    assert found.description == description, "the public text, line breaks kept"
    assert "tarkista" not in repr(found), "maintainers' notes are never imported"
    assert found.email is None, "an empty cell stays empty"


def test_a_file_saved_by_a_finnish_excel_reads_the_same(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    """Excel in a Finnish locale saves CSV with semicolons (and a byte-order mark)."""
    row = {**ROW, "services": "kuntouttava työtoiminta; päivätoiminta", "name": "Paja, Kotka"}
    comma = parse(session, resources, write_csv(tmp_path / "comma.csv", row))
    path = tmp_path / "excel.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";")
        writer.writeheader()
        writer.writerow(row)
    semicolon = parse(session, resources, path)
    assert not semicolon.errors and not semicolon.warnings
    assert semicolon.records == comma.records and semicolon.records[0].name == "Paja, Kotka"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"municipality_code": "999"}, "municipality 999 is unknown"),
        ({"municipality_code": "478"}, "municipality 478 is unknown or outside"),  # Åland
        ({"region_code": "10"}, "belongs to region 15, not 10"),
        ({"status": "maybe"}, "status 'maybe'"),
        ({"name": ""}, "record_id and name are required"),
        ({"modified": "1.12.2026"}, "is not a date"),
        ({"languages": "fi; klingon"}, "language 'klingon'"),
        ({"municipality_code": "", "region_code": ""}, "region_code or municipality_code"),
    ],
)
def test_invalid_rows_are_reported_with_file_and_line(
    session: Session, resources: CatalogueResources, tmp_path: Path,
    changes: dict[str, str], message: str,
) -> None:  # fmt: skip
    path = write_csv(tmp_path / "bad.csv", ROW, {**ROW, "record_id": "T2", **changes})
    parsed = parse(session, resources, path)
    assert [problem.where for problem in parsed.errors] == ["bad.csv line 3"]
    assert message in parsed.errors[0].message
    assert [r.external_id for r in parsed.records] == ["csv:T1"]


def test_file_level_problems_are_errors(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    no_status = tmp_path / "no-status.csv"
    no_status.write_text("record_id,name\nX,Y\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("record_id,name,status\nX,Äänekoski,current\n".encode("latin-1"))
    repeated = write_csv(tmp_path / "repeated.csv", ROW, ROW)
    parsed = parse(session, resources, no_status, latin1, repeated)
    messages = [str(problem) for problem in parsed.errors]
    assert "no-status.csv: missing columns: status" in messages
    assert any(m.startswith("latin1.csv: cannot read the file") for m in messages)
    assert "repeated.csv line 3: record_id repeats repeated.csv line 2" in messages


def test_an_unreviewed_term_is_a_warning_and_its_text_is_kept(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    row = {**ROW, "workshop_types": "puutyöt; avaruuslennot", "surprise": "x"}
    path = tmp_path / "warn.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "surprise"])
        writer.writeheader()
        writer.writerow(row)
    parsed = parse(session, resources, path)
    assert not parsed.errors
    assert [p.message for p in parsed.warnings] == [
        "columns ignored: surprise",
        "workshop_types term 'avaruuslennot' is not in the reviewed mapping table",
    ]
    assert parsed.records[0].activities == ["puutyot"]
    assert parsed.records[0].activities_text == "puutyöt; avaruuslennot"


# --- merging ----------------------------------------------------------------------------


def test_an_import_creates_entries_and_logs_them(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    report = merge(session, parse(session, resources, write_csv(tmp_path / "a.csv", ROW)))
    assert report.created == ["csv:T1"]
    provider = only_provider(session)
    assert (provider.name, provider.region_code, provider.source_year) == (
        "Testipajat ry", "15", 2026,
    )  # fmt: skip
    log = session.exec(select(ChangeLogEntry)).all()
    assert [(e.source, e.action) for e in log] == [("csv", "create")]


def test_importing_twice_changes_nothing(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", ROW)
    merge(session, parse(session, resources, path))
    log_entries = count(session, ChangeLogEntry)
    before = only_provider(session).model_dump()
    report = merge(session, parse(session, resources, path))
    assert (report.created, report.updated, report.unchanged) == ([], [], 1)
    assert count(session, ChangeLogEntry) == log_entries
    session.expire_all()
    assert only_provider(session).model_dump() == before


def test_the_owning_source_updates_and_clears_fields_with_a_log_entry(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    merge(session, parse(session, resources, write_csv(tmp_path / "a.csv", ROW)))
    changed = {**ROW, "phone": "040 000 0001", "street_address": "", "workshop_types": "kahvila"}
    report = merge(session, parse(session, resources, write_csv(tmp_path / "b.csv", changed)))
    assert report.updated == ["csv:T1"]
    provider = only_provider(session)
    assert provider.phone == "040 000 0001" and provider.street_address is None
    log = {
        e.field: (e.before, e.after)
        for e in session.exec(select(ChangeLogEntry).where(ChangeLogEntry.action == "import"))
    }
    assert log == {
        "phone": ("040 000 0000", "040 000 0001"),
        "street_address": ("Testikatu 1", None),
        "activities": ("puutyot", "kahvila"),
        "activities_text": ("puutyöt", "kahvila"),
    }


def test_a_name_match_hands_the_entry_over_and_the_old_source_only_fills_gaps(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    csv_path = write_csv(tmp_path / "a.csv", {**ROW, "phone": ""})
    merge(session, parse(session, resources, csv_path))
    ptv = ParsedSource("ptv", [record(street_address="PTV-katu 2", email="info@example.org")])
    report = merge(session, ptv)
    assert report.updated == ["ptv:0001"] and not report.created
    provider = only_provider(session)
    assert provider.external_id == "ptv:0001"
    assert session.get(ProviderAlias, "csv:T1") is not None
    # PTV owns the entry: it cleared the services the CSV had named
    assert count(session, ProviderService) == 0
    csv_again = write_csv(tmp_path / "b.csv", {**ROW, "phone": "040 000 0002"})
    report = merge(session, parse(session, resources, csv_again))
    session.refresh(provider)
    assert report.updated == ["csv:T1"]
    assert provider.street_address == "PTV-katu 2", "a non-owner never overwrites"
    assert provider.phone == "040 000 0002", "but it fills an empty field"
    assert [s.code for s in session.exec(select(ProviderService))] == ["kuntouttava-tyotoiminta"]
    assert count(session, Provider) == 1


def test_two_units_of_one_source_with_the_same_name_stay_apart(session: Session) -> None:
    merge(session, ParsedSource("ptv", [record(), record(external_id="ptv:0002")]))
    assert count(session, Provider) == 2


def _person_edits_phone(session: Session, provider: Provider, on: dt.date) -> None:
    assert provider.id is not None, "the provider is saved"
    session.add(
        ChangeLogEntry(
            provider_id=provider.id,
            source="web",
            action="edit",
            field="phone",
            before=provider.phone,
            after="040 111 1111",
            at=dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC),
        )
    )
    provider.phone = "040 111 1111"
    provider.assured_date = on
    session.add(provider)
    session.commit()


def test_a_field_a_person_edited_later_is_kept_and_flagged(session: Session) -> None:
    merge(session, ParsedSource("ptv", [record(phone="040 000 0000")]))
    _person_edits_phone(session, only_provider(session), dt.date(2026, 11, 20))
    incoming = ParsedSource("ptv", [record(phone="040 000 0000", modified=dt.date(2026, 11, 1))])
    report = merge(session, incoming)
    assert report.conflicts == ["ptv:0001: phone"]
    assert only_provider(session).phone == "040 111 1111"
    [conflict] = session.exec(select(ImportConflict)).all()
    assert (conflict.current_value, conflict.incoming_value, conflict.status) == (
        "040 111 1111", "040 000 0000", "open",
    )  # fmt: skip
    again = merge(session, incoming)
    assert again.conflicts == [] and count(session, ImportConflict) == 1, "flagged once"


def test_a_source_changed_after_the_person_wins(session: Session) -> None:
    merge(session, ParsedSource("ptv", [record(phone="040 000 0000")]))
    _person_edits_phone(session, only_provider(session), dt.date(2026, 11, 20))
    newer = ParsedSource("ptv", [record(phone="040 222 2222", modified=dt.date(2026, 11, 25))])
    report = merge(session, newer)
    assert report.conflicts == [] and only_provider(session).phone == "040 222 2222"


def test_a_full_import_marks_vanished_entries_of_its_regions_to_verify(
    session: Session,
) -> None:
    merge(
        session,
        ParsedSource(
            "ptv",
            [
                record(),
                record(external_id="ptv:0002", name="Toinen paja"),
                record(
                    external_id="ptv:0003",
                    name="Kotkan paja",
                    region_code="10",
                    municipality_code="285",
                ),
            ],
        ),
    )
    partial = ParsedSource("ptv", [record()])
    assert merge(session, partial).marked_verify == [], "not without --full"
    report = merge(session, partial, full=True)
    assert report.marked_verify == ["ptv:0002"]
    statuses = {p.external_id: p.status for p in session.exec(select(Provider))}
    assert statuses == {"ptv:0001": "current", "ptv:0002": "verify", "ptv:0003": "current"}
    assert merge(session, partial, full=True).marked_verify == [], "idempotent"


def test_a_dry_run_writes_nothing_and_errors_stop_the_import(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", ROW)
    outcome = run_import(
        session=session, resources=resources, source="csv", paths=[good], apply=False,
        full=False, today=TODAY,
    )  # fmt: skip
    assert outcome.report is not None and outcome.report.created == ["csv:T1"]
    assert count(session, Provider) == 0 and count(session, ImportRun) == 0
    bad = write_csv(tmp_path / "bad.csv", {**ROW, "record_id": "T2", "status": "??"})
    outcome = run_import(
        session=session, resources=resources, source="csv", paths=[good, bad], apply=True,
        full=False, today=TODAY,
    )  # fmt: skip
    assert outcome.report is None and outcome.parsed.errors
    assert count(session, Provider) == 0, "nothing half-written"
    outcome = run_import(
        session=session, resources=resources, source="csv", paths=[good], apply=True,
        full=False, today=TODAY,
    )  # fmt: skip
    assert count(session, Provider) == 1 and count(session, ImportRun) == 1


# --- the command line -------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site set up with `python -m app init` (SQLite), for the command tests."""
    var_dir = tmp_path_factory.mktemp("cli-site")
    assert run_cli(var_dir, "init").returncode == 0
    return var_dir


def test_the_import_command_checks_then_applies(cli_site: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "new.csv", ROW)
    dry = run_cli(cli_site, "import", "csv", str(path))
    assert dry.returncode == 0, dry.stderr
    assert "1 new" in dry.stdout and "Dry run: nothing was written" in dry.stdout
    applied = run_cli(cli_site, "import", "csv", str(path), "--apply")
    assert applied.returncode == 0, applied.stderr
    assert "Applied" in applied.stdout
    again = run_cli(cli_site, "import", "csv", str(path), "--apply")
    assert "0 new, 0 updated, 1 unchanged" in again.stdout
    search = run_cli(cli_site, "reindex")
    assert search.returncode == 0


def test_bad_input_gets_exit_code_1_and_no_traceback(cli_site: Path, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", {**ROW, "municipality_code": "999"})
    result = run_cli(cli_site, "import", "csv", str(bad), "--apply")
    assert result.returncode == 1
    assert "bad.csv line 2: municipality 999 is unknown" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    missing = run_cli(cli_site, "import", "csv", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "No such file" in missing.stderr


def test_the_downloadable_template_is_current() -> None:
    static = Path("static/polku-providers-template.csv").read_bytes().decode("utf-8")
    assert static == template_csv()


def test_ptv_records_merge_and_a_second_import_changes_nothing(session: Session) -> None:
    from app.interop.ptv.mapping import load_ptv_mapping
    from app.interop.ptv.parser import parse_ptv_files

    files = sorted(Path("tests/fixtures/ptv").glob("[cos]*.json"))
    parsed = parse_ptv_files(
        files, municipality_regions=municipality_regions(session=session),
        mapping=load_ptv_mapping(),
    )  # fmt: skip
    assert parsed.errors, "the fixtures hold invalid units on purpose"
    valid = ParsedSource("ptv", parsed.records)
    first = merge(session, valid)
    assert len(first.created) == len(parsed.records) >= 3
    assert all(p.external_id.startswith("ptv:") for p in session.exec(select(Provider)))
    second = merge(session, valid)
    assert (second.created, second.updated, second.unchanged) == ([], [], len(parsed.records))


def test_ptv_input_with_errors_is_refused_by_the_command(cli_site: Path) -> None:
    files = [str(path) for path in sorted(Path("tests/fixtures/ptv").glob("*.json"))]
    result = run_cli(cli_site, "import", "ptv", *files, "--apply")
    assert result.returncode == 1
    assert "invalid.json" in result.stdout and "Nothing was written" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_ptv_units_that_cannot_be_placed_are_skipped_unless_strict(cli_site: Path) -> None:
    files = [
        str(path) for path in sorted(Path("tests/fixtures/ptv/kuntaapi-shapes").glob("*.json"))
    ]
    dry = run_cli(cli_site, "import", "ptv", *files)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Skipped (not imported; the rest is) (3):" in dry.stdout
    assert "channels.json item 5: the visiting address is abroad" in dry.stdout
    assert "6 new" in dry.stdout and "Dry run: nothing was written" in dry.stdout
    strict = run_cli(cli_site, "import", "ptv", *files, "--strict", "--apply")
    assert strict.returncode == 1
    assert "Errors (3):" in strict.stdout and "Nothing was written" in strict.stdout
    assert "Traceback" not in strict.stdout + strict.stderr


def test_an_hsds_export_imports_back_without_changes(cli_site: Path, tmp_path: Path) -> None:
    for out, extra in (
        (tmp_path / "polku.json", []),
        (tmp_path / "polku.zip", ["--format", "datapackage"]),
    ):
        exported = run_cli(cli_site, "export", "hsds", str(out), *extra)
        assert exported.returncode == 0, exported.stderr
        assert out.stat().st_size > 10_000
    dry = run_cli(cli_site, "import", "hsds", str(tmp_path / "polku.json"))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    # every entry is found again by name and municipality; HSDS would take them over,
    # and nothing else would change
    assert "Result: 0 new," in dry.stdout, dry.stdout
    assert "0 marked to verify, 0 conflicts" in dry.stdout


def test_a_10000_entry_file_is_imported_and_reimported_without_changes(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    municipalities = ["179", "285", "091", "837", "853"]  # Jyväskylä Kotka Helsinki Tampere Turku
    rows = [
        {
            **ROW,
            "record_id": f"S{number:05d}",
            "name": f"Testiyhdistys {number % 50}",
            "unit_name": f"Testipaja {number}",
            "municipality_code": municipalities[number % len(municipalities)],
            "workshop_types": "puutyöt" if number % 2 else "kahvila",
        }
        for number in range(10_000)
    ]
    path = write_csv(tmp_path / "big.csv", *rows)
    parsed = parse(session, resources, path)
    assert not parsed.errors and len(parsed.records) == 10_000
    first = merge(session, parsed)
    assert len(first.created) == 10_000
    assert count(session, Provider) == 10_000 and count(session, Organization) == 50
    session.expunge_all()
    second = merge(session, parse(session, resources, path))
    assert (second.created, second.updated, second.unchanged) == ([], [], 10_000)


def _snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    tables = (Provider, Organization, ProviderService, ProviderActivity, ChangeLogEntry,
              ProviderAlias, ImportConflict, ImportRun)  # fmt: skip
    return {
        table.__name__: sorted(
            tuple(row.model_dump().values()) for row in session.exec(select(table))
        )
        for table in tables
    }


def test_a_failed_import_leaves_the_database_exactly_as_before(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    merge(session, parse(session, resources, write_csv(tmp_path / "a.csv", ROW)))
    before = _snapshot(session)
    rows = [ROW | {"phone": "040 999 9999"}, *({**ROW, "record_id": f"N{n}"} for n in range(20))]
    path = write_csv(tmp_path / "b.csv", *rows)

    def fail_half_way(done: int, total: int) -> None:
        if done == 10:
            raise RuntimeError("the machine went down")

    with pytest.raises(RuntimeError):
        run_import(
            session=session, resources=resources, source="csv", paths=[path], apply=True,
            full=True, today=TODAY, progress=fail_half_way,
        )  # fmt: skip
    session.expire_all()
    assert _snapshot(session) == before


def test_an_hsds_export_imported_into_an_empty_catalogue_reproduces_it(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:

    from app.catalogue.providers import provider_details
    from app.interop.bundled import load_bundled_providers
    from app.interop.hsds.objects import export_hsds_json
    from app.interop.hsds.values import absolute_url

    fields = (
        "name", "region_code", "municipality_code", "street_address", "postal_code",
        "post_office", "phone", "email", "website", "description", "status", "source_url",
        "source_date", "services_text", "activities_text",
    )  # fmt: skip

    def as_hsds(name: str, value: object) -> object:
        # HSDS writes web addresses absolute (docs/hsds.md): `www.x.fi` comes back `https://…`
        return absolute_url(value) if name == "website" and isinstance(value, str) else value

    def catalogue() -> list[tuple[object, ...]]:
        ids = [pk for pk in session.exec(select(Provider.id)).all() if pk is not None]
        return sorted(
            (
                d.organization.name,
                *(as_hsds(name, getattr(d.provider, name)) for name in fields),
                *(tuple(sorted(getattr(d, name))) for name in CODE_LISTS),
            )
            for d in provider_details(session=session, provider_ids=ids)
        )

    load_bundled_providers(session=session, mappings=resources.mappings)
    original = catalogue()
    path = tmp_path / "polku.json"
    document = export_hsds_json(session, "https://polku.example", catalogue=resources)
    path.write_text(json.dumps(document), encoding="utf-8")
    for table in (ChangeLogEntry, ImportRun, ProviderService, ProviderActivity,
                  ProviderTargetGroup, ProviderLanguage, Provider, Organization):  # fmt: skip
        session.exec(delete(table))
    session.commit()
    outcome = run_import(
        session=session, resources=resources, source="hsds", paths=[path], apply=True,
        full=False, today=TODAY,
    )  # fmt: skip
    assert not outcome.parsed.errors, outcome.parsed.errors[:3]
    assert catalogue() == original


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_json_in_a_wrong_encoding_is_an_error_naming_the_file(
    tmp_path: Path, encoding: str
) -> None:
    from app.interop.hsds.parse import parse_hsds
    from app.interop.ptv.mapping import load_ptv_mapping
    from app.interop.ptv.parser import parse_ptv_files

    name = {"type": "Name", "language": "fi", "value": "Pääpaja"}
    channel = {
        "id": "30000000-0000-4000-8000-0000000000aa",
        "serviceChannelType": "ServiceLocation",
        "serviceChannelNames": [name],
    }
    path = tmp_path / "input.json"
    path.write_bytes(json.dumps(channel, ensure_ascii=False).encode(encoding))
    ptv = parse_ptv_files([path], municipality_regions={}, mapping=load_ptv_mapping())
    hsds = parse_hsds([path], municipality_regions={})
    for parsed in (ptv, hsds):
        assert [problem.where for problem in parsed.errors] == ["input.json"]
        assert "cannot read the file" in parsed.errors[0].message
        assert parsed.records == []


def test_a_web_edit_and_an_import_that_clear_a_field_log_the_same_empty_value(
    session: Session,
) -> None:
    merge(session, ParsedSource("ptv", [record(languages=["fi"], phone="040 000 0000")]))
    merge(session, ParsedSource("ptv", [record(languages=[], phone=None)]))
    detail = get_provider(session=session, provider_id=only_provider(session).id or 0)
    assert detail is not None
    values = {name: getattr(detail.provider, name) for name in VALUE_FIELDS}
    values |= {name: sorted(getattr(detail, name)) for name in CODE_LISTS}
    editor = User(username="kymi", password_hash="", role="admin")  # not stored: no user id
    for languages, phone in ((["sv"], "040 000 0001"), ([], None)):
        apply_edit(
            session=session, detail=detail, user=editor, today=TODAY,
            values={**values, "languages": languages, "phone": phone},
        )  # fmt: skip
        session.refresh(detail.provider)
        detail = get_provider(session=session, provider_id=detail.id)
        assert detail is not None
    cleared = {
        (entry.source, entry.field): entry.after
        for entry in session.exec(select(ChangeLogEntry).order_by(col(ChangeLogEntry.id)))
        if entry.before is not None
    }
    assert cleared == {
        ("ptv", "languages"): None, ("ptv", "phone"): None,
        ("web", "languages"): None, ("web", "phone"): None,
    }  # fmt: skip
