"""Load the bundled provider CSV (`app/content/data/providers.csv`) into the catalogue."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, delete, select

from app.catalogue.mapping import Mappings, TermMapping, normalise_term, split_terms
from app.geography import DATA_DIR
from app.models import (
    Municipality,
    Organization,
    Provider,
    ProviderActivity,
    ProviderService,
    ProviderTargetGroup,
)

PROVIDERS_CSV = DATA_DIR / "providers.csv"
EXTERNAL_ID_PREFIX = "csv:"
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


class ProviderDataError(ValueError):
    """A row cannot be loaded; the message names the record and the problem."""


@dataclass(frozen=True)
class ProviderCodes:
    """Vocabulary codes of one provider, collected from all its source terms."""

    services: list[str]
    activities: list[str]
    target_groups: list[str]


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def codes_for_row(row: dict[str, str], mappings: Mappings) -> ProviderCodes:
    """Map a row's free-text columns to codes; an unreviewed term is an error."""
    found: dict[str, list[str]] = {"services": [], "activities": [], "target_groups": []}
    for column in ("services", "workshop_types", "target_groups"):
        for term in split_terms(row.get(column, "")):
            mapping: TermMapping | None = mappings.lookup(column, term)
            if mapping is None:
                raise ProviderDataError(
                    f"{row.get('record_id')}: term {term!r} in {column} is not in mappings.yaml"
                )
            for key in found:
                for code in getattr(mapping, key):
                    if code not in found[key]:
                        found[key].append(code)
    return ProviderCodes(**found)


def _organization(session: Session, name: str, organisation_type: str | None) -> Organization:
    organization = session.exec(select(Organization).where(Organization.name == name)).first()
    if organization is None:
        organization = Organization(name=name, organisation_type=organisation_type)
        session.add(organization)
        session.flush()
    elif organisation_type and not organization.organisation_type:
        organization.organisation_type = organisation_type
    return organization


def load_bundled_providers(
    *, session: Session, mappings: Mappings, csv_path: Path = PROVIDERS_CSV
) -> int:
    """Insert or update every row (matched by record id) in one transaction; return the count."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    known_municipalities = set(session.exec(select(Municipality.code)).all())
    for row in rows:
        status_text = row["status"].strip()
        status = mappings.statuses.get(normalise_term(status_text))
        if status is None:
            raise ProviderDataError(f"{row['record_id']}: status {status_text!r} is not mapped")
        municipality = _blank_to_none(row["municipality_code"])
        if municipality and municipality not in known_municipalities:
            raise ProviderDataError(f"{row['record_id']}: unknown municipality {municipality}")
        codes = codes_for_row(row, mappings)
        organization = _organization(
            session, row["name"].strip(), _blank_to_none(row["organisation_type"])
        )
        source_date = _blank_to_none(row["source_date"]) or ""
        # "ennen 2023" ("before 2023") gives no year of its own
        year = None if "ennen" in source_date else _YEAR.search(source_date)
        values: dict[str, Any] = {
            "organization_id": organization.id,
            "name": _blank_to_none(row["unit_name"]) or row["name"].strip(),
            "region_code": row["region_code"].strip(),
            "municipality_code": municipality,
            "street_address": _blank_to_none(row["street_address"]),
            "postal_code": _blank_to_none(row["postal_code"]),
            "post_office": _blank_to_none(row["post_office"]),
            "phone": _blank_to_none(row["phone"]),
            "email": _blank_to_none(row["email"]),
            "website": _blank_to_none(row["website"]),
            "description": _blank_to_none(row["notes"]),
            "services_text": _blank_to_none(row["services"]),
            "activities_text": _blank_to_none(row["workshop_types"]),
            "target_groups_text": _blank_to_none(row["target_groups"]),
            "status": status,
            "status_text": status_text,
            "source_url": _blank_to_none(row["source_url"]),
            "source_date": source_date,
            # "ennen 2023" ("before 2023") gives no year of its own
            "source_year": int(year.group(0))
            if year and "ennen" not in (source_date or "")
            else None,
        }
        external_id = EXTERNAL_ID_PREFIX + row["record_id"].strip()
        provider = session.exec(select(Provider).where(Provider.external_id == external_id)).first()
        if provider is None:
            provider = Provider(external_id=external_id, **values)
            session.add(provider)
        else:
            if any(getattr(provider, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(provider, key, value)
                provider.updated_at = dt.datetime.now(dt.UTC)
        session.flush()
        assert provider.id is not None  # noqa: S101 – flushed above
        _replace_codes(session, provider.id, codes)
    session.commit()
    return len(rows)


def _replace_codes(session: Session, provider_id: int, codes: ProviderCodes) -> None:
    for table, values in (
        (ProviderService, codes.services),
        (ProviderActivity, codes.activities),
        (ProviderTargetGroup, codes.target_groups),
    ):
        session.exec(delete(table).where(table.provider_id == provider_id))  # type: ignore[arg-type]
        for code in values:
            session.add(table(provider_id=provider_id, code=code))
