"""The PTV importer: parsing saved open API v11 files, the reviewed table, the fetcher.

No database and no network: the municipality -> region table comes from the bundled CSV,
and the fetcher talks to an `httpx.MockTransport`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.catalogue.vocabularies import MappingError
from app.geography import DATA_DIR
from app.interop.ptv.fetch import PtvFetchError, fetch_ptv
from app.interop.ptv.mapping import PTV_SERVICES_FILE, PtvServiceMapping, load_ptv_mapping
from app.interop.ptv.parser import parse_ptv_files
from app.interop.records import ParsedSource, ProviderRecord

FIXTURES = Path(__file__).parent / "fixtures" / "ptv"
CHANNEL_FILES = [FIXTURES / "channels-page-1.json", FIXTURES / "channels-page-2.json"]
LINKED_FILES = [FIXTURES / "organizations.json", FIXTURES / "services.json"]
ALL_FILES = [*CHANNEL_FILES, *LINKED_FILES]
ORG_A = "10000000-0000-4000-8000-000000000001"


# A service location in Jyväskylä with no service area (seen in real v11 and v7 data).
NO_AREA: dict[str, Any] = {
    "id": "30000000-0000-4000-8000-0000000000b1",
    "serviceChannelType": "ServiceLocation",
    "organizationId": ORG_A,
    "serviceChannelNames": [{"type": "Name", "language": "fi", "value": "Alueeton piste"}],
    "areaType": None,
    "areas": [],
    "addresses": [
        {
            "type": "Location",
            "subType": "Single",
            "streetAddress": {"municipality": {"code": "179"}, "postalCode": "40100"},
        }
    ],
    "publishingStatus": "Published",
    "modified": "2026-01-02T03:04:05",
}


def channel_id(number: int) -> str:
    return f"ptv:30000000-0000-4000-8000-0000000000{number:02d}"


@pytest.fixture(scope="module")
def municipality_regions() -> dict[str, str]:
    """Every municipality's region code as the bundled data has it (Åland: empty)."""
    with (DATA_DIR / "municipalities.csv").open(encoding="utf-8", newline="") as handle:
        return {row["municipality_code"]: row["region_code"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def mapping() -> PtvServiceMapping:
    return load_ptv_mapping()


@pytest.fixture(scope="module")
def parsed(municipality_regions: dict[str, str], mapping: PtvServiceMapping) -> ParsedSource:
    return parse_ptv_files(ALL_FILES, municipality_regions=municipality_regions, mapping=mapping)


def by_id(parsed: ParsedSource) -> dict[str, ProviderRecord]:
    return {record.external_id: record for record in parsed.records}


def messages(problems: list[Any]) -> list[str]:
    return [str(problem) for problem in problems]


# --- Records from the fixtures ----------------------------------------------------------


def test_only_valid_service_locations_become_records(parsed: ParsedSource) -> None:
    assert parsed.source == "ptv"
    # 1, 2, 4, 8 published (8 under its own name: its organisation is not in the files);
    # 5 deleted. 3 (EChannel) and 9 (Phone) are ignored; 6 and 7 cannot be placed and are
    # skipped; the item without an id is an error.
    assert sorted(by_id(parsed)) == [channel_id(n) for n in (1, 2, 4, 5, 8)]


def test_a_full_record_reads_every_field(parsed: ParsedSource) -> None:
    record = by_id(parsed)[channel_id(1)]
    assert record.name == "Esimerkkipajan työtoimintakeskus"  # the fi Name, not AlternativeName
    assert record.organization_name == "Esimerkkipaja ry"
    assert record.organisation_type == "Organization"
    assert record.organization_website == "https://esimerkkipaja.example.fi"
    assert (record.region_code, record.municipality_code) == ("15", "179")
    # the Location address, not the Postal one listed first
    assert record.street_address == "Esimerkkikatu 1 A"
    # PTV's capitals ("JYVÄSKYLÄ") are written the way the bundled data writes them
    assert (record.postal_code, record.post_office) == ("40100", "Jyväskylä")
    assert record.email == "toimisto@esimerkkipaja.example.fi"  # fi before sv
    assert record.website == "https://esimerkkipaja.example.fi/tyotoiminta"
    assert record.accessibility == (
        "Sisäänkäynti: Sisäänkäynti on kadun tasossa. Ovi aukeaa automaattisesti.\n"
        "Pysäköinti: Inva-paikka on oven vieressä."
    )
    assert record.description == (
        "Kuntouttavaa työtoimintaa ja sosiaalista kuntoutusta.\n\n"
        "Työtoimintaa puu- ja tekstiilipajassa.\n\nTule tutustumaan!"
    )
    assert record.source_date == "2026-02-03"
    assert record.modified is not None and record.modified.isoformat() == "2026-02-03"
    assert record.source_url == (
        "https://www.suomi.fi/palvelut/palvelupiste/x/30000000-0000-4000-8000-000000000001"
    )


def test_services_are_mapped_and_the_original_names_kept(parsed: ParsedSource) -> None:
    record = by_id(parsed)[channel_id(1)]
    assert record.services == ["kuntouttava-tyotoiminta", "sosiaalinen-kuntoutus"]
    # the double space in the PTV name is tidied, the wording is PTV's own
    assert record.services_text == "Kuntouttava työtoiminta; Sosiaalinen kuntoutus"


def test_a_service_name_can_also_give_a_target_group(parsed: ParsedSource) -> None:
    record = by_id(parsed)[channel_id(4)]
    assert record.services == ["paivatoiminta", "kehitysvammaisten-tyotoiminta"]
    assert record.target_groups == ["kehitysvammaiset"]
    assert record.services_text == (
        "Esimerkkineuvonta; Päivätoiminta; Kehitysvammaisten työtoiminta"
    )


def test_swedish_only_unit_uses_its_swedish_texts(parsed: ParsedSource) -> None:
    record = by_id(parsed)[channel_id(2)]
    assert record.name == "Exempelverkstaden i Åbo"
    assert record.organization_name == "Exempelföreningen rf"
    assert record.street_address == "Exempelgatan 2"
    assert record.post_office == "Åbo"  # the address lists TURKU too; sv comes first here
    assert record.services == ["tyokokeilu"]  # "Arbetsprövning" is in the reviewed table
    assert record.region_code == "05"


def test_phone_numbers_are_formatted_from_prefix_and_number(parsed: ParsedSource) -> None:
    records = by_id(parsed)
    # The fax listed first is skipped; the fi phone wins over the sv one, with its role.
    assert records[channel_id(1)].phone == "+358 40 0000 000 (Vaihde)"
    # a Finnish service number is dialled as it is, without a country prefix
    assert records[channel_id(2)].phone == "0800 000 000"
    # "+358" with "040 …" would not dial: the trunk zero is dropped
    assert records[channel_id(4)].phone == "+358 40 0000 000"
    assert records[channel_id(5)].phone is None  # no number given, none invented


def test_languages_are_filtered_to_polku_languages(parsed: ParsedSource) -> None:
    records = by_id(parsed)
    assert records[channel_id(1)].languages == ["fi", "sv"]  # "ru" has no code in Polku
    assert records[channel_id(2)].languages == ["sv"]
    assert records[channel_id(4)].languages == ["fi", "en"]


def test_publishing_status_maps_to_polku_status(parsed: ParsedSource) -> None:
    records = by_id(parsed)
    assert (records[channel_id(1)].status, records[channel_id(1)].status_text) == (
        "current",
        "Published",
    )
    closed = records[channel_id(5)]
    assert (closed.status, closed.status_text) == ("closed", "Deleted")
    assert closed.source_url is None  # a deleted channel has no public page


def test_missing_values_stay_empty(parsed: ParsedSource) -> None:
    record = by_id(parsed)[channel_id(4)]
    assert record.email is None
    assert record.website is None
    assert record.organization_website is None
    assert record.accessibility is None
    assert record.description is None


def test_errors_and_skips_name_the_file_and_item(parsed: ParsedSource) -> None:
    # A file-level problem (an item without an id) is an error; units that cannot be
    # placed are skipped, each with its reason, and do not block the others.
    assert messages(parsed.errors) == [
        "channels-page-2.json item 6: channel without a valid id: None"
    ]
    assert messages(parsed.skipped) == [
        "channels-page-2.json item 2: municipality 999 is not a known municipality",
        "channels-page-2.json item 3: municipality 478 is in Åland, outside the wellbeing regions",
    ]


def test_warnings_summarise_instead_of_repeating(parsed: ParsedSource) -> None:
    warnings = messages(parsed.warnings)
    assert (
        "service channels: 2 channels that are not service locations ignored "
        "(EChannel 1, Phone 1)" in warnings
    )
    unmapped = [w for w in warnings if w.startswith("service 'Esimerkkineuvonta'")]
    assert len(unmapped) == 1 and "not in the reviewed table" in unmapped[0]
    # the "Päivätoiminta" link points to a service not in services.json
    assert any(
        w.startswith("services: 1 linked services are not in the given files") for w in warnings
    )
    assert (
        "channels-page-2.json item 4: organisation 10000000-0000-4000-8000-000000000099 "
        "is not in the given files: imported under the unit's own name" in warnings
    )
    assert len(warnings) == 4


def test_channels_without_their_organization_file_import_under_their_own_name(
    municipality_regions: dict[str, str], mapping: PtvServiceMapping
) -> None:
    parsed = parse_ptv_files(
        CHANNEL_FILES, municipality_regions=municipality_regions, mapping=mapping
    )
    records = by_id(parsed)
    assert sorted(records) == [channel_id(n) for n in (1, 2, 4, 5, 8)]
    unit = records[channel_id(1)]
    assert unit.organization_name == unit.name == "Esimerkkipajan työtoimintakeskus"
    assert (unit.organisation_type, unit.organization_website) == (None, None)
    # one warning for every service location imported (6 and 7 are skipped: their
    # skip reason is the only message about them)
    own_name = [w for w in messages(parsed.warnings) if "under the unit's own name" in w]
    assert len(own_name) == 5


def test_pseudo_region_of_aland_is_skipped_too(mapping: PtvServiceMapping) -> None:
    # The database loads Åland under the pseudo-region 91: a mapping built from it must
    # not let Åland units in either.
    parsed = parse_ptv_files(
        ALL_FILES, municipality_regions={"179": "15", "478": "91"}, mapping=mapping
    )
    assert any("478 is in Åland" in str(problem) for problem in parsed.skipped)
    assert any("853 is not a known municipality" in str(problem) for problem in parsed.skipped)
    assert "ptv:30000000-0000-4000-8000-000000000001" in by_id(parsed)


# --- Bad input never raises ---------------------------------------------------------------


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def parse(paths: list[Path], mapping: PtvServiceMapping) -> ParsedSource:
    return parse_ptv_files(paths, municipality_regions={"179": "15"}, mapping=mapping)


def test_invalid_json_is_an_error_with_the_file_name(mapping: PtvServiceMapping) -> None:
    parsed = parse([FIXTURES / "invalid.json"], mapping)
    assert parsed.records == []
    assert len(parsed.errors) == 1
    assert str(parsed.errors[0]).startswith("invalid.json: not valid JSON")


def test_missing_file_is_an_error(tmp_path: Path, mapping: PtvServiceMapping) -> None:
    parsed = parse([tmp_path / "nothing.json"], mapping)
    assert str(parsed.errors[0]).startswith("nothing.json: cannot read the file")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('"just a string"', "shape.json: expected a JSON object, an array or a paged list"),
        ({"pageNumber": 1, "itemList": {"id": "x"}}, "shape.json: itemList is not a list"),
        ([1], "shape.json item 1: expected a JSON object"),
        ({"foo": "bar"}, "shape.json item 1: not a PTV service channel, organisation or service"),
        (
            {"itemList": [{"id": ORG_A, "name": "Esimerkkipaja ry"}]},
            "shape.json item 1: not a PTV service channel, organisation or service "
            "(a list of ids and names only: fetch the full items)",
        ),
        (
            {"serviceChannelType": "ServiceLocation", "id": "not-a-guid"},
            "shape.json item 1: channel without a valid id: 'not-a-guid'",
        ),
    ],
)
def test_wrong_shapes_are_errors(
    tmp_path: Path, mapping: PtvServiceMapping, content: Any, expected: str
) -> None:
    parsed = parse([write(tmp_path, "shape.json", content)], mapping)
    assert messages(parsed.errors) == [expected]
    assert parsed.records == []


def test_an_empty_page_is_fine(tmp_path: Path, mapping: PtvServiceMapping) -> None:
    parsed = parse([write(tmp_path, "empty.json", {"pageCount": 0, "itemList": None})], mapping)
    assert (parsed.records, parsed.errors, parsed.warnings) == ([], [], [])


def minimal_channel(**overrides: Any) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "id": "30000000-0000-4000-8000-0000000000aa",
        "serviceChannelType": "ServiceLocation",
        "organizationId": ORG_A,
        "serviceChannelNames": [{"type": "Name", "language": "fi", "value": "Esimerkkipiste"}],
        "addresses": [
            {
                "type": "Location",
                "subType": "Single",
                "streetAddress": {"municipality": {"code": "179"}, "postalCode": "40100"},
            }
        ],
        "publishingStatus": "Published",
        "modified": "2026-01-02T03:04:05",
    }
    channel.update(overrides)
    return channel


def test_a_channel_with_almost_nothing_keeps_empty_fields(
    tmp_path: Path, mapping: PtvServiceMapping
) -> None:
    paths = [
        write(tmp_path, "channel.json", minimal_channel()),
        FIXTURES / "organizations.json",
    ]
    parsed = parse(paths, mapping)
    assert parsed.errors == []
    [record] = parsed.records
    assert record.street_address is None and record.post_office is None
    assert record.postal_code == "40100"
    assert (record.services, record.services_text, record.languages) == ([], None, [])


def test_unexpected_status_is_imported_to_verify(
    tmp_path: Path, mapping: PtvServiceMapping
) -> None:
    paths = [
        write(tmp_path, "c.json", minimal_channel(publishingStatus="Modified")),
        FIXTURES / "organizations.json",
    ]
    parsed = parse(paths, mapping)
    assert [(r.status, r.status_text) for r in parsed.records] == [("verify", "Modified")]
    assert "is not Published, Deleted or Archived" in str(parsed.warnings[0])


def test_duplicate_channel_keeps_the_later_modified(
    tmp_path: Path, mapping: PtvServiceMapping
) -> None:
    newer = minimal_channel(
        modified="2026-05-01T00:00:00",
        serviceChannelNames=[{"type": "Name", "language": "fi", "value": "Uusi nimi"}],
    )
    paths = [
        write(tmp_path, "new.json", newer),
        write(tmp_path, "old.json", minimal_channel()),
        FIXTURES / "organizations.json",
    ]
    parsed = parse(paths, mapping)
    assert [record.name for record in parsed.records] == ["Uusi nimi"]
    assert messages(parsed.warnings) == [
        "old.json item 1: channel 30000000-0000-4000-8000-0000000000aa also in new.json item 1; "
        "using the one modified later (new.json item 1)"
    ]


def test_channel_without_location_address_or_area_is_skipped(
    tmp_path: Path, mapping: PtvServiceMapping
) -> None:
    paths = [
        write(tmp_path, "c.json", minimal_channel(addresses=[])),
        FIXTURES / "organizations.json",
    ]
    parsed = parse(paths, mapping)
    assert (parsed.records, parsed.errors) == ([], [])
    assert messages(parsed.skipped) == [
        "c.json item 1: no visiting (Location) address, and the service area is not one "
        "municipality: region unknown"
    ]


# --- The reviewed table -----------------------------------------------------------------


def test_the_table_maps_the_obvious_terms(mapping: PtvServiceMapping) -> None:
    expected = {
        "Kuntouttava työtoiminta": ["kuntouttava-tyotoiminta"],
        "Sosiaalinen kuntoutus": ["sosiaalinen-kuntoutus"],
        "Vammaisten henkilöiden työllistymistä tukeva toiminta": [
            "vammaisten-tyollistymista-tukeva-toiminta"
        ],
        "Vammaisten henkilöiden työtoiminta": ["vammaisten-tyotoiminta"],
        "Kehitysvammaisten työtoiminta": ["kehitysvammaisten-tyotoiminta"],
        "Työkokeilu": ["tyokokeilu"],
        "Palkkatuki": ["palkkatuki"],
        "Työhönvalmennus": ["tyohonvalmennus"],
        "Ammatillinen kuntoutus": ["ammatillinen-kuntoutus"],
        "  PÄIVÄTOIMINTA ": ["paivatoiminta"],  # looked up in normalised form
    }
    for name, codes in expected.items():
        found = mapping.lookup_name(name)
        assert found is not None and found.services == codes, name
    assert mapping.lookup_name("Esimerkkineuvonta") is None
    reviewed_empty = mapping.lookup_name("työtoiminta")
    assert reviewed_empty is not None and reviewed_empty.services == []


def test_the_table_keys_are_written_normalised() -> None:
    # Unnormalised keys would still load, but reviewers read the file: keep it tidy.
    text = PTV_SERVICES_FILE.read_text(encoding="utf-8")
    keys = [line.split('"')[1] for line in text.splitlines() if line.startswith('  "')]
    assert keys and all(key == " ".join(key.split()).casefold() for key in keys)


def table(tmp_path: Path, text: str) -> Path:
    return write(tmp_path, "table.yaml", text)


def test_loader_rejects_unknown_service_code(tmp_path: Path) -> None:
    path = table(tmp_path, 'service_names:\n  "työkokeilu": {services: [tyokokeiluu]}\n')
    with pytest.raises(MappingError, match=r"'työkokeilu': unknown services \['tyokokeiluu'\]"):
        load_ptv_mapping(path)


def test_loader_rejects_unknown_keys_and_sections(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="unknown key 'palvelut'"):
        load_ptv_mapping(table(tmp_path, 'service_names:\n  "x": {palvelut: [palkkatuki]}\n'))
    with pytest.raises(MappingError, match="unknown sections"):
        load_ptv_mapping(table(tmp_path, "service_nimet: {}\n"))
    with pytest.raises(MappingError, match="unknown target_groups"):
        load_ptv_mapping(table(tmp_path, 'service_names:\n  "x": {target_groups: [kaikki]}\n'))


def test_service_classes_map_too(tmp_path: Path, municipality_regions: dict[str, str]) -> None:
    # The bundled table lists no class; a reviewed class code maps like a name does.
    mapping = load_ptv_mapping(
        table(
            tmp_path,
            "service_names: {}\nservice_classes:\n  x0.2: {services: [tyollisyyspalvelut]}\n",
        )
    )
    parsed = parse_ptv_files(ALL_FILES, municipality_regions=municipality_regions, mapping=mapping)
    record = by_id(parsed)[channel_id(4)]
    assert record.services == ["tyollisyyspalvelut"]  # via the class of "Esimerkkineuvonta"
    assert not any("Esimerkkineuvonta" in str(warning) for warning in parsed.warnings)


# --- The fetcher, against a mock API ------------------------------------------------------

BASE = "https://ptv.example.org/api/v11"


def page(number: int, count: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"pageNumber": number, "pageSize": 2, "pageCount": count, "itemList": items}


def api(failures: dict[str, int]) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    """A fake PTV: answers from the fixtures; `failures[path]` first answers that many 503s."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        path = request.url.path
        if failures.get(path, 0) > 0:
            failures[path] -= 1
            return httpx.Response(503)
        if path.endswith("/ServiceChannel/list/area/Municipality/code/179"):
            number = int(request.url.params["page"])
            return httpx.Response(200, content=CHANNEL_FILES[number - 1].read_bytes())
        if path.endswith("/ServiceChannel/list/organization"):
            if request.url.params["organizationId"] == ORG_A:
                # channel 1 again (the same version) and a location with no service area,
                # which the municipality's list cannot have
                items = [json.loads(CHANNEL_FILES[0].read_text())["itemList"][0], NO_AREA]
                return httpx.Response(200, json=page(1, 1, items))
            return httpx.Response(200, json=page(1, 1, []))
        if path.endswith("/Organization/list"):
            return httpx.Response(200, content=(FIXTURES / "organizations.json").read_bytes())
        if path.endswith("/Service/list"):
            return httpx.Response(200, content=(FIXTURES / "services.json").read_bytes())
        return httpx.Response(404)

    return handler, seen


def test_fetch_retries_then_saves_every_page_and_the_linked_items(
    tmp_path: Path, municipality_regions: dict[str, str], mapping: PtvServiceMapping
) -> None:
    handler, seen = api({"/api/v11/Organization/list": 2})
    sleeps: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = fetch_ptv(
            client,
            tmp_path / "raw",
            municipality_codes=["179"],
            base_url=BASE,
            sleep=sleeps.append,
            clock=lambda: 0.0,
        )
    names = [path.name for path in report.files]
    assert names == [
        "channels-municipality-179-page-1.json",
        "channels-municipality-179-page-2.json",
        # the organisations with a location whose address is in 179
        f"channels-organization-{ORG_A}-page-1.json",
        "channels-organization-10000000-0000-4000-8000-000000000099-page-1.json",
        "organizations-1.json",
        "services-1.json",
        "fetch-scope.json",
    ]
    # 2 pages, 2 organisation pages, 2 failures + 1 success, 1 services
    assert report.requests == 8
    municipality_url = next(url for url in seen if "Municipality/code/179" in url)
    assert "includeWholeCountry=true" in municipality_url  # nationwide offices too
    assert 1.0 in sleeps and 2.0 in sleeps  # backoff before each retry
    assert all(s == pytest.approx(0.5) for s in sleeps if s not in (1.0, 2.0))  # 2 per second
    # The organisation request asked exactly for the linked organisations.
    organization_url = next(url for url in seen if "Organization/list" in url)
    assert "10000000-0000-4000-8000-000000000001" in organization_url
    assert "10000000-0000-4000-8000-000000000099" in organization_url
    # What was saved is the raw answer, and it imports.
    assert report.files[0].read_bytes() == CHANNEL_FILES[0].read_bytes()
    parsed = parse_ptv_files(
        report.files, municipality_regions=municipality_regions, mapping=mapping
    )
    # Only the units located in 179 (1, 5, 8 and the one without an area); 2 (Turku) and
    # 4 (Helsinki) were on the pages through their service area and are left out.
    assert sorted(by_id(parsed)) == sorted(
        [channel_id(1), channel_id(5), channel_id(8), "ptv:" + NO_AREA["id"]]
    )
    assert parsed.scope_municipalities == {"179"}
    assert (
        "fetch-scope.json: 2 service locations in other municipalities than those fetched "
        "(179) left out: fetch their municipalities to import them" in messages(parsed.warnings)
    )
    # channel 1 came twice in the same version: no duplicate warning
    assert not any("also in" in warning for warning in messages(parsed.warnings))


def test_fetch_gives_up_after_the_retries(tmp_path: Path) -> None:
    handler, seen = api({"/api/v11/ServiceChannel/list/area/Municipality/code/179": 10})
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(PtvFetchError, match=r"failed after 3 attempts \(HTTP 503\)"),
    ):
        fetch_ptv(
            client,
            tmp_path,
            municipality_codes=["179"],
            base_url=BASE,
            retries=2,
            sleep=lambda _: None,
        )
    assert len(seen) == 3
    assert list(tmp_path.glob("*.json")) == []  # nothing half-fetched is saved


def test_fetch_retries_timeouts(tmp_path: Path) -> None:
    calls = {"count": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["count"] += 1
        if calls["count"] == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json=page(1, 1, []))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = fetch_ptv(
            client, tmp_path, municipality_codes=["91"], base_url=BASE, sleep=lambda _: None
        )
    assert calls["count"] == 2
    assert [path.name for path in report.files] == [
        "channels-municipality-091-page-1.json",
        "fetch-scope.json",
    ]
    scope = json.loads(report.files[-1].read_text())
    assert scope == {"polkuFetchScope": {"municipalities": ["091"], "organizations": []}}


def test_fetch_does_not_retry_a_client_error(tmp_path: Path) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(400, json={"code": ["invalid"]})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(PtvFetchError, match="HTTP 400"),
    ):
        fetch_ptv(client, tmp_path, municipality_codes=["179"], base_url=BASE, sleep=lambda _: None)
    assert len(calls) == 1


def test_fetch_refuses_a_directory_with_earlier_files(tmp_path: Path) -> None:
    write(tmp_path, "old.json", {})
    with (
        httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))) as client,
        pytest.raises(ValueError, match=r"already holds \.json files"),
    ):
        fetch_ptv(client, tmp_path, municipality_codes=["179"], base_url=BASE)


def test_fetch_by_organization_pages_through_its_channels(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["organizationId"] == ORG_A
        number = int(request.url.params["page"])
        return httpx.Response(200, json=page(number, 2, []))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = fetch_ptv(
            client, tmp_path, organization_ids=[ORG_A], base_url=BASE, sleep=lambda _: None
        )
    assert [path.name for path in report.files] == [
        f"channels-organization-{ORG_A}-page-1.json",
        f"channels-organization-{ORG_A}-page-2.json",
        "fetch-scope.json",
    ]


def test_regular_opening_hours_become_one_line_and_exceptions_are_left_out(
    tmp_path: Path, mapping: PtvServiceMapping
) -> None:
    def hours(kind: str, *openings: tuple[str, str, str, str], **extra: Any) -> dict[str, Any]:
        return {
            "serviceHourType": kind, "validForNow": True, **extra,
            "openingHour": [
                {"dayFrom": a, "dayTo": b, "from": start, "to": end}
                for a, b, start, end in openings
            ],
        }  # fmt: skip

    service_hours = [
        hours(
            "DaysOfTheWeek",
            ("Monday", "Thursday", "08:00:00", "15:30:00"),
            ("Friday", "", "09:00:00", "12:00:00"),
            additionalInformation=[{"language": "fi", "value": "Heinäkuussa suljettu"}],
        ),
        hours("Exceptional", ("Saturday", "", "10:00:00", "14:00:00")),
        hours("DaysOfTheWeek", ("Sunday", "", "10:00:00", "11:00:00"), validForNow=False),
        hours("DaysOfTheWeek", ("Saturday", "", "late", "")),
    ]
    paths = [
        write(tmp_path, "channel.json", minimal_channel(serviceHours=service_hours)),
        FIXTURES / "organizations.json",
    ]
    [record] = parse(paths, mapping).records
    assert record.opening_hours == "ma–to 8.00–15.30; pe 9.00–12.00; Heinäkuussa suljettu"
    always = minimal_channel(serviceHours=[hours("DaysOfTheWeek", isAlwaysOpen=True)])
    paths[0] = write(tmp_path, "always.json", always)
    assert parse(paths, mapping).records[0].opening_hours == "aina avoinna"
    nothing = minimal_channel(serviceHours=[])
    paths[0] = write(tmp_path, "nothing.json", nothing)
    assert parse(paths, mapping).records[0].opening_hours is None


def test_fetch_notes_what_ptv_does_not_have_and_goes_on(tmp_path: Path) -> None:
    location = {**NO_AREA, "services": [{"service": {"id": ORG_A, "name": "x"}}]}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/Municipality/code/179"):
            return httpx.Response(200, json=page(1, 1, [location]))
        # PTV: 404 for an organisation it does not publish, and "Services not found." for
        # a list of service ids none of which exists
        if path.endswith(("/ServiceChannel/list/organization", "/Service/list")):
            return httpx.Response(404, json={"errorMessage": "not found"})
        if path.endswith("/Organization/list"):
            return httpx.Response(200, content=(FIXTURES / "organizations.json").read_bytes())
        return httpx.Response(500)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = fetch_ptv(
            client, tmp_path, municipality_codes=["179"], base_url=BASE, sleep=lambda _: None
        )
    assert [path.name for path in report.files] == [
        "channels-municipality-179-page-1.json",
        "organizations-1.json",
        "fetch-scope.json",
    ]
    assert report.notes == [
        f"organisation {ORG_A}: PTV has no channels of it",
        "services 1: PTV has none of the 1 ids",
    ]


def test_fetch_of_an_organisation_ptv_does_not_have_fails(tmp_path: Path) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as client,
        pytest.raises(PtvFetchError, match="HTTP 404"),
    ):
        fetch_ptv(client, tmp_path, organization_ids=[ORG_A], base_url=BASE, sleep=lambda _: None)


def test_a_fetch_that_also_asked_for_organisations_covers_no_municipality(
    tmp_path: Path, municipality_regions: dict[str, str], mapping: PtvServiceMapping
) -> None:
    scope = {"polkuFetchScope": {"municipalities": ["179"], "organizations": [ORG_A]}}
    paths = [*ALL_FILES, write(tmp_path, "fetch-scope.json", scope)]
    parsed = parse_ptv_files(paths, municipality_regions=municipality_regions, mapping=mapping)
    assert parsed.scope_municipalities is None
    # nothing left out: Turku's and Helsinki's units stay
    assert sorted(by_id(parsed)) == [channel_id(n) for n in (1, 2, 4, 5, 8)]
