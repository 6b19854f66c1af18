"""The reviewed PTV service mapping: PTV service names and service class codes -> Polku's codes.

The table (content/catalogue/ptv_services.yaml) is written by people; loading it checks every
code against the guide's services and the catalogue's vocabularies, so a typo fails loudly
instead of silently dropping a code.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.catalogue.vocabularies import (
    CATALOGUE_CONTENT_DIR,
    MappingError,
    TermMapping,
    load_vocabularies,
    normalise_term,
)
from app.guide.content import SERVICE_CODES

PTV_SERVICES_FILE = CATALOGUE_CONTENT_DIR / "ptv_services.yaml"


def _class_key(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True)
class PtvServiceMapping:
    """Reviewed tables: PTV service names and service class codes -> Polku's codes."""

    service_names: Mapping[str, TermMapping]  # normalised name -> codes
    service_classes: Mapping[str, TermMapping]  # class code as PTV gives it ("P10.1")

    def lookup_name(self, name: str) -> TermMapping | None:
        """The mapping of a service name, or None when nobody has reviewed it."""
        return self.service_names.get(normalise_term(name))

    def lookup_class(self, code: str) -> TermMapping | None:
        """The mapping of a service class code, or None when it is not listed."""
        return self.service_classes.get(_class_key(code))


def _checked_entry(where: str, entry: Any, allowed: Mapping[str, set[str]]) -> dict[str, list[str]]:
    """One entry of a table, every key and code checked; `where` names it in errors."""
    entry = entry or {}
    if not isinstance(entry, dict):
        raise MappingError(f"{where}: expected a mapping")
    for key, codes in entry.items():
        if key not in allowed:
            raise MappingError(f"{where}: unknown key {key!r}")
        if not isinstance(codes, list):
            raise MappingError(f"{where}: {key} must be a list")
        if unknown := set(codes) - allowed[key]:
            raise MappingError(f"{where}: unknown {key} {sorted(unknown)}")
    return entry


def load_ptv_mapping(
    path: Path = PTV_SERVICES_FILE,
    *,
    service_codes: Collection[str] = SERVICE_CODES,
    vocabularies_path: Path | None = None,
) -> PtvServiceMapping:
    """Read and validate the table; an unknown code raises `MappingError` naming the entry."""
    vocabularies = (
        load_vocabularies(vocabularies_path) if vocabularies_path else load_vocabularies()
    )
    allowed = {
        "services": set(service_codes),
        "activities": set(vocabularies.activity_types),
        "target_groups": set(vocabularies.target_groups),
    }
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise MappingError(f"{path}: cannot read the table: {error}") from error
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected service_names and service_classes")
    if unknown_tables := set(raw) - {"service_names", "service_classes"}:
        raise MappingError(f"{path}: unknown sections {sorted(unknown_tables)}")
    tables: dict[str, dict[str, TermMapping]] = {}
    for table_name, key_of in (("service_names", normalise_term), ("service_classes", _class_key)):
        tables[table_name] = {
            key_of(str(term)): TermMapping(
                **_checked_entry(f"{path}: {table_name} / {term!r}", entry, allowed)
            )
            for term, entry in (raw.get(table_name) or {}).items()
        }
    return PtvServiceMapping(tables["service_names"], tables["service_classes"])
