"""A provider as a search result: built in one place from the index's stored fields."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.models import PROVIDER_CODE_TABLES, ProviderBase

# Index fields that hold a provider field (facets, one code list each); every other
# provider field a hit carries is kept in the document's stored `summary`.
INDEXED_FIELDS = {
    "region_code": "region",
    "municipality_code": "municipality",
    "status": "status",
    "services": "service",
    "activities": "activity",
    "target_groups": "target_group",
    "languages": "language",
}
CODE_LISTS = tuple(PROVIDER_CODE_TABLES)  # stored comma-joined, read back as tuples


@dataclass(frozen=True)
class SearchHit:
    """One provider in the results: what a result list and the API's items show."""

    id: int
    name: str
    organization: str
    region_code: str
    municipality_code: str | None
    municipality_fi: str | None
    municipality_sv: str | None
    services: tuple[str, ...]
    activities: tuple[str, ...]
    target_groups: tuple[str, ...]
    languages: tuple[str, ...]
    status: str
    source_date: str | None
    source_year: int | None
    assured_date: dt.date | None
    free_places: int | None
    waiting_time: str | None
    availability_date: dt.date | None

    @classmethod
    def from_stored(cls, fields: Mapping[str, Any]) -> SearchHit:
        """The hit from a provider document's stored fields (see `search.documents`)."""
        summary: Mapping[str, Any] = fields.get("summary") or {}
        values: dict[str, Any] = {"id": int(fields["provider_id"])}
        for name in (field.name for field in dataclasses.fields(cls) if field.name != "id"):
            if name not in INDEXED_FIELDS:
                values[name] = summary.get(name)
            elif name in CODE_LISTS:
                stored = str(fields.get(INDEXED_FIELDS[name]) or "")
                values[name] = tuple(code for code in stored.split(",") if code)
            else:
                values[name] = fields.get(INDEXED_FIELDS[name]) or None
        return cls(**values)


# What a provider document stores in its `summary`: the hit's fields that are not index
# fields; those that are provider fields are copied from the provider by name.
SUMMARY_FIELDS = tuple(
    field.name
    for field in dataclasses.fields(SearchHit)
    if field.name != "id" and field.name not in INDEXED_FIELDS
)
SUMMARY_PROVIDER_FIELDS = tuple(
    name for name in SUMMARY_FIELDS if name in ProviderBase.model_fields
)


@dataclass(frozen=True)
class PlaceEntry:
    """A region or municipality document: the names a query may call it by."""

    kind: str
    code: str
    region: str
    names: tuple[str, ...]

    @classmethod
    def from_stored(cls, fields: Mapping[str, Any]) -> PlaceEntry | None:
        """The entry from a place document's stored fields (None for other documents)."""
        if fields.get("kind") not in ("region", "municipality"):
            return None
        names = tuple(str(name) for name in fields.get("place_names") or () if name)
        return cls(str(fields["kind"]), str(fields["code"]), str(fields["region"]), names)
