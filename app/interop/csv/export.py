"""Provider rows for CSV/JSON exports and schema.org JSON-LD for provider pages."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.catalogue.providers import ProviderDetail

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


def export_row(detail: ProviderDetail, page_url: str) -> dict[str, str]:
    """One provider as a flat row of strings (codes joined with '; ')."""
    provider = detail.provider
    return {
        "id": str(detail.id),
        "name": provider.name,
        "organization": detail.organization.name,
        "region_code": provider.region_code,
        "region": detail.region.name_fi,
        "municipality_code": provider.municipality_code or "",
        "municipality": detail.municipality.name_fi if detail.municipality else "",
        "street_address": provider.street_address or "",
        "postal_code": provider.postal_code or "",
        "post_office": provider.post_office or "",
        "phone": provider.phone or "",
        "email": provider.email or "",
        "website": provider.website or "",
        "services": CODE_SEPARATOR.join(detail.services),
        "activities": CODE_SEPARATOR.join(detail.activities),
        "target_groups": CODE_SEPARATOR.join(detail.target_groups),
        "languages": CODE_SEPARATOR.join(detail.languages),
        "status": provider.status,
        "source_url": provider.source_url or "",
        "source_date": provider.source_date or "",
        "assured_date": provider.assured_date.isoformat() if provider.assured_date else "",
        "url": page_url,
    }


def rows_to_csv(rows: list[dict[str, str]]) -> str:
    """CSV text with a byte-order mark, so that Excel opens the UTF-8 correctly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


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
