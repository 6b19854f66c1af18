"""The neutral form every importer produces: provider records and the problems found."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields

from app.models import PROVIDER_CODE_TABLES, ProviderBase


@dataclass
class ProviderRecord:
    """One provider unit as a source states it, already mapped to Polku's codes.

    `external_id` is the source's own id with the source as prefix (`ptv:<uuid>`,
    `csv:P001`, `hsds:<uuid>`); later imports find the entry by it. Fields the source
    does not give stay None or empty: an importer never invents a value.
    """

    external_id: str
    organization_name: str
    name: str
    region_code: str
    municipality_code: str | None = None
    organisation_type: str | None = None
    organization_website: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    accessibility: str | None = None
    opening_hours: str | None = None  # as the source gives them, e.g. "ma–pe 8.00–15.00"
    description: str | None = None
    services: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    services_text: str | None = None
    activities_text: str | None = None
    target_groups_text: str | None = None
    status: str = "current"
    status_text: str | None = None
    source_url: str | None = None
    source_date: str | None = None  # as the source dates it: "2015", "2026-01", "2026-03-04"
    modified: dt.date | None = None  # when the source last changed the entry, when it says
    assured_date: dt.date | None = None  # when a person last checked it, when the source says


# The importers' field lists come from the models: a record's fields that are provider
# fields are stored as they are, except the region (it moves an entry, see merge) and the
# assured date (only ever moved forward); the code lists go to the link tables.
_STORED_SEPARATELY = ("region_code", "assured_date")
PROVIDER_TEXT_FIELDS = tuple(
    item.name
    for item in fields(ProviderRecord)
    if item.name in ProviderBase.model_fields and item.name not in _STORED_SEPARATELY
)
PROVIDER_CODE_FIELDS = tuple(PROVIDER_CODE_TABLES)


@dataclass(frozen=True)
class InputLimits:
    """How much one import may make Polku read (IM-08); the defaults are the settings'
    (`IMPORT_MAX_*` in app/config.py)."""

    max_file_bytes: int = 100_000_000  # one input file: JSON, zip, a package's CSV
    max_unpacked_bytes: int = 200_000_000  # everything a zip data package unpacks to
    max_zip_ratio: int = 100  # unpacked / packed size of one zip entry
    max_zip_entries: int = 1000


DEFAULT_LIMITS = InputLimits()


MAX_PROBLEM_CHARS = 300  # a message quotes the input: a huge cell must not flood a terminal


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong in the input: where (file and record) and what, in plain English."""

    where: str
    message: str

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 1] + "…"


@dataclass
class ParsedSource:
    """What one importer read: the records, errors (input is invalid), warnings, and the
    items skipped because they cannot be placed (an importer that skips instead of
    refusing: PTV). `run_import(strict=True)` turns the skipped items into errors."""

    source: str  # "ptv", "hsds" or "csv": also the prefix of the records' external ids
    records: list[ProviderRecord] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    skipped: list[ImportProblem] = field(default_factory=list)
    # The municipalities the files hold all of the source's entries of (a PTV fetch by
    # municipality): a full import then marks vanished entries only there, not in the
    # whole regions of the records.
    scope_municipalities: set[str] | None = None
    # True for a source whose items stand alone (PTV): a record with unsafe values is then
    # skipped like any item that cannot be imported, instead of stopping the whole run.
    skips_bad_items: bool = False
    places: dict[str, str] = field(default_factory=dict)  # external id -> file and line

    def check_values(self) -> None:
        """Refuse records with values no source may give (`value_problems`), as errors
        (or skips, for a source that `skips_bad_items`) that say where the record is;
        such records are not imported."""
        valid = []
        refused = self.skipped if self.skips_bad_items else self.errors
        for record in self.records:
            problems = value_problems(record)
            where = self.places.get(record.external_id, record.external_id)
            refused.extend(ImportProblem(where, problem) for problem in problems)
            if not problems:
                valid.append(record)
        self.records = valid


# C0 controls and DEL, except tab, line feed and carriage return (IM-03, PG-02): nothing
# Polku shows means one, and PostgreSQL cannot store NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
WEB_ADDRESS_FIELDS = ("website", "organization_website", "source_url")
WEB_SCHEMES = ("http", "https")


def value_problems(record: ProviderRecord) -> list[str]:
    """What makes a record's values unsafe to store, in plain English (empty when none).

    Control characters are refused everywhere. A web address with any scheme but http or
    https (`javascript:`, `data:`, `file:` …) is refused (IN-10, IM-12); one without a
    scheme ("www.example.fi") is kept as text and never made a link.
    """
    problems = []
    for item in fields(record):
        value = getattr(record, item.name)
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and (found := _CONTROL.search(text)):
                code = f"U+{ord(found.group()):04X}"
                problems.append(f"{item.name} contains a control character ({code})")
                break
    for name in WEB_ADDRESS_FIELDS:
        value = getattr(record, name)
        scheme = _SCHEME.match(value) if value else None
        if value and scheme and scheme.group(1).lower() not in WEB_SCHEMES:
            problems.append(f"{name} {value[:80]!r} is not an http or https address")
    return problems
