"""Polku's CSV format (docs/data.md): one provider unit per row, as the bundled data has it.

The free-text columns `services`, `workshop_types` and `target_groups` are mapped to codes
through the reviewed table (mappings.yaml); the original text is always kept. A term
nobody has reviewed is a warning: the entry is imported with its text, without that code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.catalogue.vocabularies import Mappings, normalise_term, split_terms
from app.interop.records import ImportProblem, ParsedSource, ProviderRecord
from app.models import ProviderBase

SOURCE = "csv"
REQUIRED_COLUMNS = ("record_id", "name", "status")
COLUMNS = (
    "record_id", "name", "unit_name", "organisation_type", "municipality_code", "municipality",
    "region_code", "region_name_fi", "services", "workshop_types", "target_groups",
    "street_address", "postal_code", "post_office", "phone", "email", "website", "source_url",
    "source_date", "status", "notes", "languages", "accessibility", "opening_hours", "modified",
    "assured_date", "description",
)  # fmt: skip
# `notes` are the maintainers' research notes (sources, doubts): read by people, never
# imported into anything the public sees. `description` is the public text.
CODE_COLUMNS = ("services", "workshop_types", "target_groups")
# Columns named like a provider field are copied as they are (whitespace collapsed),
# except those checked or mapped below.
COPIED_COLUMNS = tuple(
    column
    for column in COLUMNS
    if column in ProviderBase.model_fields
    and column
    not in ("name", "region_code", "municipality_code", "status", "assured_date", "description")
)
LANGUAGES = {"fi": "fi", "suomi": "fi", "sv": "sv", "ruotsi": "sv", "en": "en", "englanti": "en"}
MAX_FILE_BYTES = 20_000_000
MAX_LISTED_COLUMNS = 10  # an ignored-columns warning names this many (IM-02)


def template_csv() -> str:
    """The header row of an empty file to fill in (served as a download)."""
    return ",".join(COLUMNS) + "\r\n"


def cell_separator(text: str) -> str:
    """`;` for a file whose header row is split by semicolons (as a Finnish Excel saves a
    CSV, and as Polku's own export is by default), else `,`."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _value(row: Mapping[str, str | None], column: str) -> str | None:
    value = " ".join((row.get(column) or "").split())
    return value or None


def _date(value: str | None, column: str, problems: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{column} {value!r} is not a date (YYYY-MM-DD)")
        return None


def _languages(row: Mapping[str, str | None], errors: list[str]) -> list[str]:
    """The codes of the row's languages ("fi; sv", "suomi, ruotsi"), each once."""
    languages: list[str] = []
    for term in (row.get("languages") or "").replace(",", ";").split(";"):
        if term.strip():
            code = LANGUAGES.get(normalise_term(term))
            if code is None:
                errors.append(f"language {term.strip()!r} is not fi, sv or en")
            elif code not in languages:
                languages.append(code)
    return languages


class _RowReader:
    def __init__(
        self, mappings: Mappings, municipality_regions: Mapping[str, str], regions: set[str]
    ) -> None:
        self.mappings = mappings
        self.municipality_regions = municipality_regions
        self.regions = regions

    def status(self, row: Mapping[str, str | None], errors: list[str]) -> tuple[str | None, str]:
        """Polku's status (None with an error when unknown) and the text the row gives."""
        status_text = _value(row, "status") or ""
        status = self.mappings.statuses.get(normalise_term(status_text))
        if status is None and status_text in ("current", "verify", "closed"):
            status = status_text
        if status is None:
            errors.append(f"status {status_text!r} is neither current, verify, closed nor mapped")
        return status, status_text

    def place(
        self, row: Mapping[str, str | None], errors: list[str]
    ) -> tuple[str | None, str | None]:
        """The municipality and region codes; the region follows from the municipality."""
        municipality = _value(row, "municipality_code")
        region = _value(row, "region_code")
        if municipality is not None:
            municipality = municipality.zfill(3)
            owner = self.municipality_regions.get(municipality)
            if owner is None:
                errors.append(f"municipality {municipality} is unknown or outside the regions")
            elif region is None:
                region = owner
            elif region != owner:
                errors.append(
                    f"municipality {municipality} belongs to region {owner}, not {region}"
                )
        if region is None:
            if municipality is None:
                errors.append("region_code or municipality_code is required")
        elif region not in self.regions:
            errors.append(f"region {region} is not one of the 22 organisers")
        return municipality, region

    def codes(self, row: Mapping[str, str | None], warnings: list[str]) -> dict[str, list[str]]:
        """Service, activity and target group codes of the reviewed terms in the code columns."""
        codes: dict[str, list[str]] = {"services": [], "activities": [], "target_groups": []}
        for column in CODE_COLUMNS:
            for term in split_terms(row.get(column) or ""):
                mapping = self.mappings.lookup(column, term)
                if mapping is None:
                    warnings.append(f"{column} term {term!r} is not in the reviewed mapping table")
                    continue
                for key, found in codes.items():
                    found.extend(code for code in getattr(mapping, key) if code not in found)
        return codes

    def record(
        self, row: Mapping[str, str | None], errors: list[str], warnings: list[str]
    ) -> ProviderRecord | None:
        """The record of one row, or None when it has errors (each one added to `errors`)."""
        record_id, name = _value(row, "record_id"), _value(row, "name")
        if not record_id or not name:
            errors.append("record_id and name are required")
            return None
        status, status_text = self.status(row, errors)
        municipality, region = self.place(row, errors)
        codes = self.codes(row, warnings)
        languages = _languages(row, errors)
        modified = _date(_value(row, "modified"), "modified", errors)
        assured = _date(_value(row, "assured_date"), "assured_date", errors)
        if errors or status is None or region is None:
            return None
        return ProviderRecord(
            external_id=f"{SOURCE}:{record_id}",
            organization_name=name,
            organisation_type=_value(row, "organisation_type"),
            name=_value(row, "unit_name") or name,
            region_code=region,
            municipality_code=municipality,
            **{column: _value(row, column) for column in COPIED_COLUMNS},
            description=(row.get("description") or "").strip() or None,  # line breaks kept
            services_text=_value(row, "services"),
            activities_text=_value(row, "workshop_types"),
            target_groups_text=_value(row, "target_groups"),
            languages=languages,
            status=status,
            status_text=status_text or None,
            modified=modified,
            assured_date=assured,
            services=codes["services"],
            activities=codes["activities"],
            target_groups=codes["target_groups"],
        )


def parse_csv_files(
    paths: Sequence[Path],
    *,
    mappings: Mappings,
    municipality_regions: Mapping[str, str],
    regions: set[str],
) -> ParsedSource:
    """Read CSV files in Polku's format; every problem names its file and line."""
    parsed = ParsedSource(SOURCE)
    reader = _RowReader(mappings, municipality_regions, regions)
    seen: dict[str, str] = {}
    for path in paths:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                parsed.errors.append(ImportProblem(path.name, "the file is larger than 20 MB"))
                continue
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            parsed.errors.append(ImportProblem(path.name, f"cannot read the file: {error}"))
            continue
        rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=cell_separator(text))
        try:
            _read_file(path, rows, reader, parsed, seen)
        except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
            # the reader has not counted the line it failed on
            where = f"{path.name} line {rows.line_num + 1}"
            parsed.errors.append(ImportProblem(where, f"cannot read the row: {error}"))
    return parsed


def _read_file(
    path: Path,
    rows: csv.DictReader[str],
    reader: _RowReader,
    parsed: ParsedSource,
    seen: dict[str, str],
) -> None:
    header = rows.fieldnames or []
    if missing := [column for column in REQUIRED_COLUMNS if column not in header]:
        parsed.errors.append(ImportProblem(path.name, f"missing columns: {', '.join(missing)}"))
        return
    if unknown := [column for column in header if column not in COLUMNS]:
        listed = ", ".join(column[:40] for column in unknown[:MAX_LISTED_COLUMNS])
        more = f" … ({len(unknown)} in all)" if len(unknown) > MAX_LISTED_COLUMNS else ""
        message = f"columns ignored: {listed}{more}"
        parsed.warnings.append(ImportProblem(path.name, message))
    for row in rows:
        where = f"{path.name} line {rows.line_num}"
        errors: list[str] = []
        warnings: list[str] = []
        if None in row:  # more cells than the header has
            errors.append("the row has more cells than the header")
        record = reader.record(row, errors, warnings)
        parsed.errors.extend(ImportProblem(where, message) for message in errors)
        parsed.warnings.extend(ImportProblem(where, message) for message in warnings)
        if record is None:
            continue
        if record.external_id in seen:
            parsed.errors.append(
                ImportProblem(where, f"record_id repeats {seen[record.external_id]}")
            )
            continue
        seen[record.external_id] = where
        parsed.places[record.external_id] = where
        parsed.records.append(record)
