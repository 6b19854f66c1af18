"""Provider rows for CSV/JSON exports and schema.org JSON-LD for provider pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from app.catalogue.providers import ProviderDetail
from app.interop.csv.cells import spreadsheet_safe
from app.models import PROVIDER_CODE_TABLES

# The export's columns, in the published order (CSV header and JSON keys). A column named
# like a provider field or code list is filled from it by name; the others are below.
EXPORT_COLUMNS = (
    "id",
    "name",
    "organization",
    "region_code",
    "region",
    "municipality_code",
    "municipality",
    "street_address",
    "postal_code",
    "post_office",
    "phone",
    "email",
    "website",
    "services",
    "activities",
    "target_groups",
    "languages",
    "status",
    "source_url",
    "source_date",
    "assured_date",
    "url",
)
CODE_SEPARATOR = "; "


def _cell(value: object) -> str:
    """A value as CSV text: empty for None, ISO 8601 for dates, codes joined with '; '."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return CODE_SEPARATOR.join(str(code) for code in value)
    return str(value)


def export_row(detail: ProviderDetail, page_url: str) -> dict[str, str]:
    """One provider as a flat row of strings (codes joined with '; ')."""
    related: dict[str, object] = {
        "id": detail.id,
        "organization": detail.organization.name,
        "region": detail.region.name_fi,
        "municipality": detail.municipality.name_fi if detail.municipality else None,
        **{name: getattr(detail, name) for name in PROVIDER_CODE_TABLES},
        "url": page_url,
    }
    return {
        column: _cell(related[column] if column in related else getattr(detail.provider, column))
        for column in EXPORT_COLUMNS
    }


def rows_to_csv(rows: Iterable[dict[str, str]]) -> str:
    """CSV text with a byte-order mark, so that Excel opens the UTF-8 correctly; no cell
    starts a formula (`spreadsheet_safe`)."""
    return "".join(csv_pieces(rows))


CSV_PIECE_CHARS = 65_536  # a streamed download is handed on in pieces of about this size


def csv_pieces(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    """The text of `rows_to_csv` in pieces, written as the rows arrive (streamed downloads)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: spreadsheet_safe(row[column]) for column in EXPORT_COLUMNS})
        if buffer.tell() >= CSV_PIECE_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_pieces(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    """`json.dumps(list(rows), ensure_ascii=False, indent=1)`, written row by row."""
    first = True
    for row in rows:
        item = json.dumps(row, ensure_ascii=False, indent=1).replace("\n", "\n ")
        yield ("[\n " if first else ",\n ") + item
        first = False
    yield "[]" if first else "\n]"


def provider_json_ld(detail: ProviderDetail, page_url: str) -> dict[str, Any]:
    """schema.org description of a provider unit (only the facts we have)."""
    provider = detail.provider
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": provider.name,
        "url": page_url,
        "parentOrganization": {"@type": "Organization", "name": detail.organization.name},
        "areaServed": detail.municipality.name_fi if detail.municipality else detail.region.name_fi,
    }
    if provider.website:
        data["sameAs"] = provider.website
    if provider.phone:
        data["telephone"] = provider.phone
    if provider.email:
        data["email"] = provider.email
    if provider.street_address or provider.post_office:
        address = {
            "@type": "PostalAddress",
            "streetAddress": provider.street_address,
            "postalCode": provider.postal_code,
            "addressLocality": provider.post_office,
            "addressCountry": "FI",
        }
        data["address"] = {key: value for key, value in address.items() if value}
    return data
