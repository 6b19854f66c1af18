"""Open Referral HSDS 3.0 import: JSON or a tabular data package becomes `ProviderRecord`s.

Every input is first flattened into HSDS tables (`app.interop.hsds.tables`), then one record
is made per service_at_location (per service when it has none). Polku's own attributes (see
`app.interop.hsds.objects`) are read back into codes; anything else is left empty, never guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from app.catalogue.values import text_or_none
from app.catalogue.vocabularies import Vocabularies
from app.guide.content import SERVICE_CODES
from app.interop.csv.cells import spreadsheet_text
from app.interop.hsds.objects import CODE_TAXONOMIES, TAXONOMY_URN
from app.interop.hsds.tables import TABLE_KEYS, TABLES, WHERE, TableFlattener, Tables
from app.interop.records import (
    DEFAULT_LIMITS,
    ImportProblem,
    InputLimits,
    ParsedSource,
    ProviderRecord,
)
from app.models import Region

SOURCE = "hsds"
# HSDS service status -> Polku status when Polku's own status attribute is missing.
STATUS_FROM_HSDS = {
    "active": "current",
    "temporarily closed": "verify",
    "inactive": "closed",
    "defunct": "closed",
}
Json = dict[str, Any]
# Small entries may compress very well (a column of empty cells); only bigger ones are
# held to IMPORT_MAX_ZIP_RATIO.
RATIO_CHECKED_FROM_BYTES = 1_048_576


@dataclass(frozen=True)
class KnownCodes:
    """The codes Polku knows: anything else in the input is reported and left out."""

    services: Collection[str]
    activities: Collection[str]
    target_groups: Collection[str]
    languages: Collection[str]
    region_names: Mapping[str, str]  # every region name (fi, sv, en) -> region code


def parse_hsds(
    paths: Sequence[Path],
    *,
    municipality_regions: Mapping[str, str],
    known_codes: KnownCodes | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> ParsedSource:
    """Read HSDS files; problems are reported in the result, never raised.

    Without `known_codes` codes are taken unchecked and address regions are not matched.
    Files and zip data packages beyond `limits` are refused before they are read (IM-08).
    """
    parsed = ParsedSource(source=SOURCE)
    for path in paths:
        flattener = TableFlattener()
        try:
            _read_into(flattener, path, limits)
        except (OSError, UnicodeDecodeError, csv.Error, zipfile.BadZipFile) as error:
            parsed.errors.append(ImportProblem(path.name, f"cannot read the file: {error}"))
            continue
        except json.JSONDecodeError as error:
            where = f"{path.name} line {error.lineno} column {error.colno}"
            parsed.errors.append(ImportProblem(where, f"not valid JSON: {error.msg}"))
            continue
        except ValueError as error:
            parsed.errors.append(ImportProblem(path.name, str(error)))
            continue
        parsed.errors += [ImportProblem(where, message) for where, message in flattener.problems]
        join_tables(flattener.tables, municipality_regions, known_codes, parsed)
    return parsed


def join_tables(
    tables: Tables,
    municipality_regions: Mapping[str, str],
    known_codes: KnownCodes | None,
    parsed: ParsedSource,
) -> None:
    """Join the HSDS tables of one file into records (and problems) in `parsed`; each table
    is read a fixed number of times, whatever the number of parents (IM-11)."""
    _RecordBuilder(tables, municipality_regions, known_codes, parsed).build()


# --- Reading the three input forms into tables -----------------------------------------


def _read_into(flattener: TableFlattener, path: Path, limits: InputLimits) -> None:
    if path.is_dir():
        path = path / "datapackage.json"
    _check_file_size(path, "the file", limits)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive, limits)
            names = set(archive.namelist())

            def read_zip(name: str) -> str:
                if name not in names:
                    raise ValueError(f"the data package has no {name}")
                info = archive.getinfo(name)
                with archive.open(info) as entry:
                    # never more than the checked size, whatever the stream holds
                    data = entry.read(info.file_size)
                return data.decode("utf-8-sig")

            _read_datapackage(flattener, read_zip, path.name)
        return
    document = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(document, dict) and "resources" in document:
        base = path.parent

        def read_file(name: str) -> str:
            _check_file_size(base / name, name, limits)
            return (base / name).read_text(encoding="utf-8-sig")

        _read_datapackage(flattener, read_file, path.name, document)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            flattener.add("service", item, f"{path.name}: [{index}]")
    elif isinstance(document, dict):
        if not any(key in document for keys in TABLE_KEYS.values() for key in keys):
            raise ValueError("no HSDS tables found (expected services, locations …)")
        flattener.add_document(document, path.name)
    else:
        raise ValueError("expected a list of services or an object of HSDS tables")


def _check_file_size(path: Path, name: str, limits: InputLimits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ValueError(
            f"{name} is {size} bytes, more than IMPORT_MAX_FILE_BYTES ({limits.max_file_bytes}); "
            "not read"
        )


def _check_archive(archive: zipfile.ZipFile, limits: InputLimits) -> None:
    """Refuse a zip before anything is extracted (IM-08): too many entries, an entry whose
    path leaves the package, or more unpacked bytes or a higher compression ratio than the
    limits allow. Only the archive's directory is read, so a zip bomb costs nothing."""
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise ValueError(
            f"the zip has {len(entries)} entries, more than IMPORT_MAX_ZIP_ENTRIES "
            f"({limits.max_zip_entries}); not extracted"
        )
    total = 0
    for info in entries:
        entry = info.filename
        parts = entry.replace("\\", "/").split("/")
        if entry.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise ValueError(f"entry {entry!r} points outside the package; not extracted")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_FROM_BYTES and ratio > limits.max_zip_ratio:
            raise ValueError(
                f"{entry} would unpack {ratio:.0f} times its packed size "
                f"({info.file_size} bytes), more than IMPORT_MAX_ZIP_RATIO "
                f"({limits.max_zip_ratio}); not extracted"
            )
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise ValueError(
                "the zip would unpack to more than IMPORT_MAX_UNPACKED_BYTES "
                f"({limits.max_unpacked_bytes} bytes; {entry} alone is {info.file_size}); "
                "not extracted"
            )


def _read_datapackage(
    flattener: TableFlattener, read: Any, name: str, descriptor: Json | None = None
) -> None:
    if descriptor is None:
        descriptor = json.loads(read("datapackage.json"))
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        raise ValueError("datapackage.json has no list of resources")
    paths = {path: table for table, (path, _) in TABLES.items()}
    for resource in resources:
        resource_path = resource.get("path") if isinstance(resource, dict) else None
        table = paths.get(str(resource_path)) or (
            resource.get("name") if isinstance(resource, dict) else None
        )
        if table not in TABLES or not isinstance(resource_path, str):
            continue  # a table Polku does not read (contacts, programs …)
        # the package's own paths only: a resource may not reach outside the package
        if resource_path.startswith(("/", "..")) or "/../" in resource_path:
            raise ValueError(f"resource path outside the package: {resource_path}")
        rows = csv.DictReader(io.StringIO(read(resource_path)))
        for number, row in enumerate(rows, start=2):  # line 1 is the header
            values = {
                key: spreadsheet_text(value)
                for key, value in row.items()
                if key and isinstance(value, str) and value
            }
            flattener.add(str(table), values, f"{name}: {resource_path} line {number}")


# --- Tables to records -----------------------------------------------------------------


def _text(value: object) -> str | None:
    """A JSON value's text; a list or object where text belongs says nothing."""
    return None if isinstance(value, list | dict) else text_or_none(value)


class _RecordBuilder:
    """Joins the tables of one file into provider records."""

    def __init__(
        self,
        tables: Tables,
        municipality_regions: Mapping[str, str],
        known: KnownCodes | None,
        parsed: ParsedSource,
    ) -> None:
        self.tables = tables
        self.municipality_regions = municipality_regions
        self.known = known
        self.parsed = parsed
        self.by_id = {
            table: {str(row["id"]): row for row in rows} for table, rows in tables.items()
        }
        # (table, field) -> the field's value -> rows: each child table is read once, so the
        # join is linear in the input (IM-11), not a scan of a table per parent
        self._by_parent: dict[tuple[str, str], dict[object, list[Json]]] = {}
        self._attribute_order = {id(row): n for n, row in enumerate(tables["attribute"])}

    def _children(self, table: str, field: str, parent_id: object) -> list[Json]:
        index = self._by_parent.get((table, field))
        if index is None:
            index = {}
            for row in self.tables[table]:
                if (value := row.get(field)) is not None:
                    index.setdefault(value, []).append(row)
            self._by_parent[(table, field)] = index
        return index.get(parent_id, [])

    def build(self) -> None:
        for service in self.tables["service"]:
            places: list[Json | None] = list(
                self._children("service_at_location", "service_id", service["id"])
            )
            for place in places or [None]:
                self._record(service, place)

    def _record(self, service: Json, place: Json | None) -> None:
        where = str(service[WHERE] if place is None else place[WHERE])
        errors_before = len(self.parsed.errors)

        def error(message: str) -> None:
            self.parsed.errors.append(ImportProblem(where, message))

        name = _text(service.get("name"))
        organization = self.by_id["organization"].get(str(service.get("organization_id")))
        if name is None:
            error("the service has no name")
        if organization is None or not _text(organization.get("name")):
            error("the service's organization is missing or has no name")
        location = None
        if place is not None:
            location = self.by_id["location"].get(str(place.get("location_id")))
            if location is None:
                error(f"unknown location {place.get('location_id')!r}")
        codes = self._polku_attributes(service, place, location, where)
        address = self._address(location)
        municipality = _first(codes.get("municipalities"))
        region = self._region(_first(codes.get("regions")), municipality, address, error)
        if len(self.parsed.errors) > errors_before or name is None or organization is None:
            return
        status_term = codes.get("statuses", {})
        status = _first(status_term) or STATUS_FROM_HSDS.get(str(service.get("status")), "current")
        provenance = codes.get("provenance", {})
        phone = self._phone(service, place, location)
        accessibility = self._accessibility(location)
        external = place["id"] if place is not None else service["id"]
        self.parsed.records.append(
            ProviderRecord(
                external_id=f"{SOURCE}:{external}",
                organization_name=str(_text(organization.get("name"))),
                name=name,
                region_code=str(region),
                municipality_code=municipality,
                organisation_type=_text(organization.get("legal_status")),
                organization_website=_text(organization.get("website")),
                street_address=_text(address.get("address_1")),
                postal_code=_text(address.get("postal_code")),
                post_office=_text(address.get("city")),
                phone=phone,
                email=_text(service.get("email")),
                website=_text(service.get("url")),
                accessibility=accessibility,
                opening_hours=self._opening_hours(service, place),
                description=_text(service.get("description")),
                services=list(codes.get("services", {})),
                activities=list(codes.get("activity_types", {})),
                target_groups=list(codes.get("target_groups", {})),
                languages=self._languages(service, where),
                services_text=provenance.get("services_text"),
                activities_text=provenance.get("activities_text"),
                target_groups_text=_text(service.get("eligibility_description")),
                status=status,
                status_text=status_term.get(status),
                source_url=provenance.get("source_url"),
                source_date=provenance.get("source_date"),
                assured_date=self._date(service.get("assured_date"), where),
            )
        )

    def _polku_attributes(
        self, service: Json, place: Json | None, location: Json | None, where: str
    ) -> dict[str, dict[str, str | None]]:
        """Polku taxonomy key -> term code -> attribute value, in input order."""
        owners = [service["id"]] + [row["id"] for row in (place, location) if row is not None]
        attributes = [
            attribute
            for owner in dict.fromkeys(owners)
            for attribute in self._children("attribute", "link_id", owner)
        ]
        attributes.sort(key=lambda attribute: self._attribute_order[id(attribute)])
        found: dict[str, dict[str, str | None]] = {}
        for attribute in attributes:
            term = self.by_id["taxonomy_term"].get(str(attribute.get("taxonomy_term_id")))
            taxonomy = self.by_id["taxonomy"].get(str(term.get("taxonomy_id"))) if term else None
            # the taxonomy's uri, or HSDS 3.0's text `taxonomy` of the term when it has no object
            uri = (
                _text(taxonomy.get("uri"))
                if taxonomy
                else _text(term.get("taxonomy"))
                if term
                else None
            )
            code = _text(term.get("code")) if term else None
            if uri is None or not uri.startswith(TAXONOMY_URN) or code is None:
                continue  # another publisher's taxonomy: nothing Polku can map without guessing
            key = uri.removeprefix(TAXONOMY_URN)
            allowed = self._allowed(key)
            if allowed is not None and code not in allowed:
                self.parsed.warnings.append(
                    ImportProblem(where, f"unknown {key} code {code!r} left out")
                )
                continue
            found.setdefault(key, {})[code] = _text(attribute.get("value"))
        return found

    def _allowed(self, key: str) -> Collection[str] | None:
        allowed: dict[str, Collection[str]] = {
            "regions": set(self.municipality_regions.values()),
            "municipalities": self.municipality_regions.keys(),
            "statuses": {"current", "verify", "closed"},
        }
        if self.known is not None:
            allowed[CODE_TAXONOMIES["services"]] = self.known.services
            allowed[CODE_TAXONOMIES["activities"]] = self.known.activities
            allowed[CODE_TAXONOMIES["target_groups"]] = self.known.target_groups
        return allowed.get(key)

    def _region(
        self, region: str | None, municipality: str | None, address: Json, error: Any
    ) -> str | None:
        from_municipality = self.municipality_regions.get(municipality) if municipality else None
        if region and from_municipality and region != from_municipality:
            error(f"region {region} does not contain municipality {municipality}")
            return None
        named = _text(address.get("region"))
        region_names = self.known.region_names if self.known else {}
        found = region or from_municipality or (region_names.get(named) if named else None)
        if found is None:
            error(
                "no region: give a Polku region or municipality attribute, "
                "or an address region that is exactly a region's name"
            )
        return found

    def _address(self, location: Json | None) -> Json:
        if location is None:
            return {}
        addresses = self._children("address", "location_id", location["id"])
        physical = [row for row in addresses if row.get("address_type") == "physical"]
        return (physical or addresses or [{}])[0]

    def _phone(self, service: Json, place: Json | None, location: Json | None) -> str | None:
        candidates = (
            ("service_at_location_id", place),
            ("service_id", service),
            ("location_id", location),
        )
        for field, owner in candidates:
            if owner is not None:
                for phone in self._children("phone", field, owner["id"]):
                    if number := _text(phone.get("number")):
                        return number
        return None

    def _accessibility(self, location: Json | None) -> str | None:
        if location is None:
            return None
        rows = self._children("accessibility", "location_id", location["id"])
        texts = [text for row in rows if (text := _text(row.get("description")))]
        return "\n".join(texts) or None

    def _opening_hours(self, service: Json, place: Json | None) -> str | None:
        rows = self._children("schedule", "service_id", service["id"])
        if place is not None:
            rows = self._children("schedule", "service_at_location_id", place["id"]) + rows
        texts = [text for row in rows if (text := _text(row.get("description")))]
        return "; ".join(dict.fromkeys(texts)) or None

    def _languages(self, service: Json, where: str) -> list[str]:
        codes: list[str] = []
        for row in self._children("language", "service_id", service["id"]):
            code = _text(row.get("code"))
            if code is None:
                continue
            if self.known is not None and code not in self.known.languages:
                self.parsed.warnings.append(ImportProblem(where, f"unknown language {code!r}"))
            elif code not in codes:
                codes.append(code)
        return codes

    def _date(self, value: object, where: str) -> dt.date | None:
        text = _text(value)
        if text is None:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.parsed.warnings.append(ImportProblem(where, f"assured_date {text!r} is no date"))
            return None


def _first(values: Mapping[str, object] | None) -> str | None:
    return next(iter(values), None) if values else None


def known_codes_for(*, session: Session, vocabularies: Vocabularies) -> KnownCodes:
    """The codes and region names of this site, for `parse_hsds`."""
    regions = session.exec(select(Region)).all()
    return KnownCodes(
        services=set(SERVICE_CODES),
        activities=set(vocabularies.activity_types),
        target_groups=set(vocabularies.target_groups),
        languages=set(vocabularies.languages),
        region_names={
            name: region.code
            for region in regions
            for name in (region.name_fi, region.name_sv, region.name_en)
        },
    )
