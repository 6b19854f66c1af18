"""The neutral form every importer produces: provider records and the problems found."""

from __future__ import annotations

import datetime as dt
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
class ImportProblem:
    """Something wrong in the input: where (file and record) and what, in plain English."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ParsedSource:
    """What one importer read: the records, errors (input is invalid) and warnings."""

    source: str  # "ptv", "hsds" or "csv": also the prefix of the records' external ids
    records: list[ProviderRecord] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
