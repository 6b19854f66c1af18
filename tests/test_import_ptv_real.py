"""The PTV importer on real responses (tests/fixtures/ptv/real, MIT-licensed copies) and on
synthetic fixtures in the shapes of real older-version data (tests/fixtures/ptv/kuntaapi-shapes).

The parser tests need no database; the import runs go through `run_import` on SQLite and,
with TEST_DATABASE_URL, PostgreSQL, and the command line once.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from app.catalogue.resources import CatalogueResources, load_catalogue_resources
from app.db import make_engine, migrate
from app.geography import DATA_DIR, load_geography
from app.guide.content import load_guide
from app.interop.merge import merge_records
from app.interop.ptv.fields import display_post_office, is_placeholder_email
from app.interop.ptv.mapping import PtvServiceMapping, load_ptv_mapping
from app.interop.ptv.parser import parse_ptv_files
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
)
from tests.fixtures.databases import DATABASES, empty_database_url

FIXTURES = Path(__file__).parent / "fixtures" / "ptv"
REAL = FIXTURES / "real"
OTAVA = REAL / "otava_service_channel.json"
ETALUKIO = REAL / "etalukio_service.json"
PAGED = REAL / "OrganizationServiceChannel.json"
SHAPES = sorted((FIXTURES / "kuntaapi-shapes").glob("*.json"))
TODAY = dt.date(2026, 12, 5)


def shape_id(number: int) -> str:
    return f"ptv:40000000-0000-4000-8000-0000000000{number:02d}"


@pytest.fixture(scope="module")
def municipality_regions() -> dict[str, str]:
    with (DATA_DIR / "municipalities.csv").open(encoding="utf-8", newline="") as handle:
        return {row["municipality_code"]: row["region_code"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def mapping() -> PtvServiceMapping:
    return load_ptv_mapping()


def parse(paths: list[Path], regions: dict[str, str], mapping: PtvServiceMapping) -> ParsedSource:
    return parse_ptv_files(paths, municipality_regions=regions, mapping=mapping)


def by_id(parsed: ParsedSource) -> dict[str, ProviderRecord]:
    return {record.external_id: record for record in parsed.records}


def texts(problems: Sequence[object]) -> list[str]:
    return [str(problem) for problem in problems]


# --- Real v11 responses -------------------------------------------------------------------


def test_the_real_otava_channel_is_read_field_by_field(
    municipality_regions: dict[str, str], mapping: PtvServiceMapping
) -> None:
    parsed = parse([OTAVA, ETALUKIO], municipality_regions, mapping)
    assert (parsed.errors, parsed.skipped) == ([], [])
    [record] = parsed.records
    assert record.external_id.startswith("ptv:961f1a02-")
    assert record.name == "Otavan Opisto / Otavia"
    # its organisation is not in the files: imported under its own name, with a warning
    assert record.organization_name == "Otavan Opisto / Otavia"
    assert (
        "otava_service_channel.json item 1: organisation df0c2f24-d2bd-4ba7-bdcd-fcfc9f0d65a7 "
        "is not in the given files: imported under the unit's own name" in texts(parsed.warnings)
    )
    assert (record.municipality_code, record.region_code) == ("491", "12")
    assert record.street_address == "Otavantie 2 B"
    assert (record.postal_code, record.post_office) == ("50670", "Otava")  # PTV: "OTAVA"
    assert record.phone == "+358 447943552 (Opintoasiainvastaava)"  # the role kept
    assert record.email == "info@otavia.fi"
    assert record.languages == ["fi", "en"]
    # v11 sends one entry a day (dayTo ""): shortened to a range
    assert record.opening_hours == "ma–pe 8.00–16.00"
    assert record.accessibility is not None
    assert record.accessibility.startswith("Reitti pääsisäänkäynnille: ")
    assert record.services_text is not None and "Nettilukio aikuisille" in record.services_text
    assert (record.status, record.source_date) == ("current", "2020-04-22")


def test_a_real_paged_list_with_a_bom_a_duplicate_and_a_swagger_item(
    municipality_regions: dict[str, str], mapping: PtvServiceMapping
) -> None:
    parsed = parse([PAGED], municipality_regions, mapping)
    assert (parsed.errors, parsed.skipped) == ([], [])
    [record] = parsed.records
    assert (record.street_address, record.postal_code, record.post_office) == (
        "Asemakatu 44",
        "70110",
        "Kuopio",  # PTV: "KUOPIO"
    )
    assert (record.municipality_code, record.region_code) == ("297", "13")
    warnings = texts(parsed.warnings)
    assert "service channels: 1 channels that are not service locations ignored (string 1)" in (
        warnings
    )
    # the same channel twice with the same `modified`: one record and no duplicate warning
    assert not any("also in" in warning for warning in warnings)


# --- Synthetic fixtures in the shapes of real older and v11 data --------------------------


@pytest.fixture(scope="module")
def shapes(municipality_regions: dict[str, str], mapping: PtvServiceMapping) -> ParsedSource:
    return parse(SHAPES, municipality_regions, mapping)


def test_units_that_cannot_be_placed_are_skipped_with_their_reason(shapes: ParsedSource) -> None:
    assert shapes.errors == []
    assert texts(shapes.skipped) == [
        "channels.json item 5: the visiting address is abroad",
        "channels.json item 6: municipality 478 is in Åland, outside the wellbeing regions",
        "channels.json item 7: the visiting address has no municipality, and the service area "
        "is not one municipality: region unknown",
    ]
    # the other six are imported
    assert sorted(by_id(shapes)) == [shape_id(n) for n in (1, 2, 3, 4, 8, 9)]


def test_a_missing_municipality_falls_back_to_the_service_area(shapes: ParsedSource) -> None:
    records, warnings = by_id(shapes), texts(shapes.warnings)
    # municipality null on a street address (a real 2018 v9 record looks like this)
    velkua_like = records[shape_id(1)]
    assert (velkua_like.municipality_code, velkua_like.region_code) == ("529", "05")
    assert velkua_like.street_address == "Esimerkkisaarentie 9"
    assert (
        "channels.json item 1: the visiting address has no municipality: placed in its "
        "service-area municipality 529" in warnings
    )
    # a v11 map point: postal code and post office, no street
    map_point = records[shape_id(3)]
    assert (map_point.municipality_code, map_point.street_address) == ("491", None)
    assert (map_point.postal_code, map_point.post_office) == ("50100", "Mikkeli")
    assert any(
        w.startswith("channels.json item 3: the visiting address is a map point") for w in warnings
    )
    # a PO box only: placed, but the PO box is never shown as a visiting address
    po_box = records[shape_id(4)]
    assert (po_box.municipality_code, po_box.street_address, po_box.postal_code) == (
        "529",
        None,
        None,
    )
    assert (
        "channels.json item 4: no visiting (Location) address, only a postal one: placed in "
        "its service-area municipality 529" in warnings
    )


def test_contact_details_from_older_shapes(shapes: ParsedSource) -> None:
    school = by_id(shapes)[shape_id(2)]
    assert school.post_office == "Mänttä-Vilppula"  # "MÄNTTÄ-VILPPULA"
    assert school.street_address == "Koulutie 1"  # not the PO box next to it
    assert school.phone == "+358 400000002 (Rehtori)"
    assert school.email == "koulu@esimerkki.fi"  # the placeholder before it left out
    assert (
        "channels.json item 2: e-mail 'etunimi.sukunimi@esimerkki.fi' is a placeholder, "
        "not an address: left out" in texts(shapes.warnings)
    )
    assert school.organization_name == "Esimerkkikunta"
    # `supportEmails` (the 2026 swagger's name) when `emails` is null
    assert by_id(shapes)[shape_id(9)].email == "yomaja@esimerkki.fi"


def test_v7_standard_hours_are_read_and_shortened(shapes: ParsedSource) -> None:
    # Friday first, one day an entry, as the v7 recordings list them
    assert by_id(shapes)[shape_id(8)].opening_hours == "ma–pe 6.30–17.00"


def test_overlapping_and_over_midnight_hours_are_kept(shapes: ParsedSource) -> None:
    assert by_id(shapes)[shape_id(9)].opening_hours == (
        "ma–pe 8.00–16.00; Normaali; 1.6.2026–31.8.2026: ma 9.00–14.00; Kesäaukiolo; "
        "pe 22.00–la 4.00"
    )
    assert (
        "channels.json item 9: 2 regular opening hour periods are valid now: all are shown, "
        "a dated one after its dates" in texts(shapes.warnings)
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("JYVÄSKYLÄ", "Jyväskylä"),
        ("HÄMEENLINNA", "Hämeenlinna"),
        ("MÄNTTÄ-VILPPULA", "Mänttä-Vilppula"),
        ("Mänttä-Vilppula", "Mänttä-Vilppula"),
        ("PEDERSÖRE KOMMUN", "Pedersöre Kommun"),
        ("ÅBO", "Åbo"),
        ("Helsinki", "Helsinki"),
        (None, None),
    ],
)
def test_post_offices_are_written_for_display(value: str | None, shown: str | None) -> None:
    assert display_post_office(value) == shown


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("etunimi.sukunimi@naantali.fi", True),
        ("Etunimi.Sukunimi@esimerkki.fi", True),
        ("firstname.lastname@example.fi", True),
        ("fornamn.efternamn@exempel.fi", True),
        ("förnamn.efternamn@exempel.fi", True),
        ("etunimi@esimerkki.fi", False),  # could be a real (odd) mailbox: kept
        ("info@otavia.fi", False),
        ("matti.sukunimi@esimerkki.fi", False),
    ],
)
def test_placeholder_emails_are_recognised(value: str, placeholder: bool) -> None:
    assert is_placeholder_email(value) is placeholder


def test_over_midnight_within_a_day_and_unreadable_entries_are_not_dropped_silently(
    tmp_path: Path, municipality_regions: dict[str, str], mapping: PtvServiceMapping
) -> None:
    import json

    channel = json.loads((FIXTURES / "kuntaapi-shapes" / "channels.json").read_text())[7]
    channel["serviceHours"] = [
        {
            "serviceHourType": "DaysOfTheWeek",
            "validForNow": True,
            "openingHour": [
                {"dayFrom": "Friday", "dayTo": "", "from": "22:00:00", "to": "02:00:00"},
                {"dayFrom": "Saturday", "dayTo": "", "from": "22:00:00", "to": "02:00:00"},
                {"dayFrom": "Sunday", "dayTo": "", "from": "late", "to": ""},
            ],
        }
    ]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(channel), "utf-8")
    parsed = parse(
        [path, FIXTURES / "kuntaapi-shapes" / "organizations.json"], municipality_regions, mapping
    )
    [record] = parsed.records
    assert record.opening_hours == "pe–la 22.00–2.00"
    assert (
        "c.json item 1: opening hours entry 'Sunday' 'late'–'' is not a weekday and times: "
        "left out" in texts(parsed.warnings)
    )


# --- Import runs on a database ------------------------------------------------------------


@pytest.fixture(scope="module")
def resources() -> CatalogueResources:
    return load_catalogue_resources(load_guide())


@pytest.fixture(scope="module", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp(f"ptv-real-{request.param}")
    url = empty_database_url(str(request.param), directory, schema="ptv_real_test")
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_geography(session=session)
    engine.dispose()
    return url


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine) as db:
        yield db
        db.rollback()
        for table in (
            ChangeLogEntry, ImportConflict, ImportRun, ProviderAlias, ProviderService,
            ProviderActivity, ProviderTargetGroup, ProviderLanguage, Provider, Organization,
        ):  # fmt: skip
            db.exec(delete(table))
        db.commit()
    engine.dispose()


def run(session: Session, resources: CatalogueResources, paths: list[Path], **options: bool):  # type: ignore[no-untyped-def]
    return run_import(
        session=session, resources=resources, source="ptv", paths=paths,
        apply=options.get("apply", True), full=options.get("full", False), today=TODAY,
        strict=options.get("strict", False),
    )  # fmt: skip


def test_skipped_units_do_not_block_the_rest_and_strict_keeps_all_or_nothing(
    session: Session, resources: CatalogueResources
) -> None:
    paths = [OTAVA, ETALUKIO, PAGED, *SHAPES]
    strict = run(session, resources, paths, strict=True)
    assert strict.report is None and not strict.applied
    assert len(strict.parsed.errors) == 3 and strict.parsed.skipped == []
    assert session.exec(select(Provider)).all() == []
    outcome = run(session, resources, paths)
    assert outcome.applied and outcome.report is not None
    assert len(outcome.parsed.skipped) == 3
    assert sorted(outcome.report.created) == sorted(r.external_id for r in outcome.parsed.records)
    assert len(outcome.report.created) == 8  # Otava, Kuopio and the six placeable shapes
    stored = {p.external_id: p for p in session.exec(select(Provider))}
    otava = next(p for key, p in stored.items() if key.startswith("ptv:961f1a02-"))
    assert (otava.post_office, otava.opening_hours) == ("Otava", "ma–pe 8.00–16.00")
    assert stored[shape_id(1)].municipality_code == "529"


def test_an_organisation_brought_by_a_later_import_fills_in_the_name(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    import json

    run(session, resources, [OTAVA])
    organisation = {
        "id": "df0c2f24-d2bd-4ba7-bdcd-fcfc9f0d65a7",
        "organizationType": "Organization",
        "organizationNames": [{"type": "Name", "language": "fi", "value": "Esimerkkiopisto"}],
    }  # synthetic: no real Organization response of Otava is public
    path = tmp_path / "organizations-1.json"
    path.write_text(json.dumps([organisation]), "utf-8")
    outcome = run(session, resources, [OTAVA, path])
    assert outcome.report is not None and len(outcome.report.updated) == 1
    [provider] = session.exec(select(Provider)).all()
    assert provider.name == "Otavan Opisto / Otavia"
    organization = session.get(Organization, provider.organization_id)
    assert organization is not None and organization.name == "Esimerkkiopisto"


def test_a_full_import_of_fetched_municipalities_marks_only_them(
    session: Session, resources: CatalogueResources
) -> None:
    def record(number: int, municipality: str) -> ProviderRecord:
        return ProviderRecord(
            external_id=f"ptv:{number}", organization_name="Esimerkkikunta",
            name=f"Piste {number}", region_code="15", municipality_code=municipality,
        )  # fmt: skip

    # Jyväskylä (179) and Äänekoski (992) are both in Keski-Suomi (15).
    first = ParsedSource("ptv", [record(1, "179"), record(2, "179"), record(3, "992")])
    merge_records(session=session, parsed=first, today=TODAY)
    session.commit()
    # A later fetch of 179 only, in which unit 2 is gone (withdrawn: the list endpoints
    # return published items only).
    fetched = ParsedSource("ptv", [record(1, "179")], scope_municipalities={"179"})
    report = merge_records(session=session, parsed=fetched, today=TODAY, full=True)
    session.commit()
    assert report.marked_verify == ["ptv:2"]
    statuses = {p.external_id: p.status for p in session.exec(select(Provider))}
    assert statuses == {"ptv:1": "current", "ptv:2": "verify", "ptv:3": "current"}
    # Without a scope the whole region counts, as before.
    report = merge_records(session=session, parsed=ParsedSource("ptv", [record(1, "179")]),
                           today=TODAY, full=True)  # fmt: skip
    assert report.marked_verify == ["ptv:3"]
    session.rollback()


def test_a_unit_with_an_unsafe_value_is_skipped_not_the_whole_run(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    import json

    channels = json.loads((FIXTURES / "kuntaapi-shapes" / "channels.json").read_text())
    channels[0]["webPages"] = [{"url": "javascript:alert(1)", "language": "fi"}]
    path = tmp_path / "channels.json"
    path.write_text(json.dumps(channels[:2]), "utf-8")
    paths = [path, FIXTURES / "kuntaapi-shapes" / "organizations.json"]
    outcome = run(session, resources, paths, apply=False)
    assert outcome.parsed.errors == []
    assert texts(outcome.parsed.skipped) == [
        "channels.json item 1: website 'javascript:alert(1)' is not an http or https address"
    ]
    assert outcome.report is not None and outcome.report.created == [shape_id(2)]
    strict = run(session, resources, paths, apply=False, strict=True)
    assert len(strict.parsed.errors) == 1 and strict.report is None


def test_a_full_import_of_fetched_files_marks_withdrawn_units_of_those_municipalities_only(
    session: Session, resources: CatalogueResources, tmp_path: Path
) -> None:
    import json

    channels = json.loads((FIXTURES / "kuntaapi-shapes" / "channels.json").read_text())
    organizations = FIXTURES / "kuntaapi-shapes" / "organizations.json"
    # Naantali (529): units 1 and 4; Mikkeli (491): units 3 and 8.
    everything = tmp_path / "all.json"
    everything.write_text(json.dumps(channels), "utf-8")
    first = run(session, resources, [everything, organizations])
    assert first.report is not None and len(first.report.created) == 6
    # A later fetch of Naantali and Mikkeli, in which unit 4 is gone (withdrawn), and
    # whose pages also hold unit 9 (Jyväskylä) through its service area.
    fetched = tmp_path / "fetched"
    fetched.mkdir()
    pages = [c for c in channels if c["id"][-2:] in ("01", "03", "08", "09")]
    (fetched / "channels-municipality-529-page-1.json").write_text(
        json.dumps({"pageNumber": 1, "pageCount": 1, "itemList": pages}), "utf-8"
    )
    for name, codes in (("a", ["529"]), ("b", ["491"])):  # two fetches imported together
        scope = {"polkuFetchScope": {"municipalities": codes, "organizations": []}}
        (fetched / f"fetch-scope-{name}.json").write_text(json.dumps(scope), "utf-8")
    outcome = run(session, resources, [*sorted(fetched.glob("*.json")), organizations], full=True)
    assert outcome.report is not None
    assert outcome.parsed.scope_municipalities == {"491", "529"}
    assert outcome.report.marked_verify == [shape_id(4)]
    statuses = {p.external_id: p.status for p in session.exec(select(Provider))}
    # 9 (Jyväskylä) was left out of this import and is not marked either
    assert statuses[shape_id(4)] == "verify" and statuses[shape_id(9)] == "current"
    assert any(
        "1 service locations in other municipalities" in w for w in texts(outcome.parsed.warnings)
    )
