"""Provider rows for CSV/JSON exports and schema.org JSON-LD for provider pages.

The export is also a handout a counsellor gives a client: besides the codes, each row
carries the work types and services by name, free places and waiting time with their date
(only while current), how to apply (through whom) and the region's contact, in the
reader's language. The CSV opens in a Finnish Excel as it is: semicolons by default (the
list separator of a Finnish locale), commas on request; both with a UTF-8 byte-order mark.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app import i18n
from app.catalogue.policy import availability_is_current
from app.catalogue.providers import ProviderDetail
from app.catalogue.resources import CatalogueResources
from app.contacts import (
    ELSEWHERE_FIRST,
    EMPLOYMENT_AREA_FIRST,
    JOINT_PLAN,
    WhereToAsk,
    apply_routes,
)
from app.interop.csv.cells import spreadsheet_safe
from app.models import PROVIDER_CODE_TABLES, Region

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
    # Added in December 2026 for handouts; after the older columns, so that readers that
    # take columns by position keep working.
    "service_names",
    "work_types",
    "free_places",
    "waiting_time",
    "availability_date",
    "how_to_apply",
    "region_contact",
)
CODE_SEPARATOR = "; "
Separator = Literal["semicolon", "comma"]
SEPARATORS: dict[str, str] = {"semicolon": ";", "comma": ","}
DEFAULT_SEPARATOR: Separator = "semicolon"  # Excel in a Finnish locale splits on ";"


def _cell(value: object) -> str:
    """A value as CSV text: empty for None, ISO 8601 for dates, codes joined with '; '."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return CODE_SEPARATOR.join(str(code) for code in value)
    return str(value)


def _(message: str) -> str:
    """A UI text in the reader's language (extracted by Babel like the templates' texts)."""
    return i18n.translate(message)


def local_name(region: Region) -> str:
    """A region's name in the reader's language (as `name_of` in the templates)."""
    return str(getattr(region, f"name_{i18n.current_locale()}", None) or region.name_fi)


@dataclass(frozen=True)
class ApplyRoute:
    """One way to a place with a provider: whom to ask first (app.contacts), the services
    it covers (codes) and the line a reader is shown."""

    ask_first: str
    services: list[str]
    text: str


def apply_routes_with_text(
    services: Sequence[str], region_name: str, catalogue: CatalogueResources, version: str
) -> list[ApplyRoute]:
    """How to apply to a provider offering `services` in the region named `region_name`:
    each route (app.contacts.apply_routes) with its line in the reader's language."""
    found = []
    for route, codes in apply_routes(services):
        if route == JOINT_PLAN:
            line = _(
                "through a plan made with your employment area and the social services of "
                "%(region)s"
            ) % {"region": region_name}
        elif route == EMPLOYMENT_AREA_FIRST:
            line = _("ask your employment area")
        elif route == ELSEWHERE_FIRST:
            line = _("through Kela or your earnings-related pension provider")
        else:
            line = _("ask the social services of %(region)s") % {"region": region_name}
        titles = ", ".join(catalogue.service_title(code, version) for code in codes)
        text = f"{titles}: {line}" if titles else line[:1].upper() + line[1:]
        found.append(ApplyRoute(route, codes, text))
    return found


def how_to_apply(
    services: Sequence[str], region: Region, catalogue: CatalogueResources, version: str
) -> list[str]:
    """Whom a person asks to get a place with a provider offering `services`, one line per
    route, in the reader's language (pages, print view, downloads)."""
    routes = apply_routes_with_text(services, local_name(region), catalogue, version)
    return [route.text for route in routes]


def region_contact_text(where: WhereToAsk) -> str:
    """Where to ask in the provider's region, as one cell: the channels with their phone
    and hours (the source's Finnish) and source date, else the honest fallback; the
    region's website. Urgent lines and maintainers' notes are left out."""
    parts = []
    for channel in where.channels:
        if not (channel.phone or channel.web_url):
            continue
        details = ", ".join(
            value for value in (channel.phone, channel.hours_fi, channel.web_url) if value
        )
        dated = f" ({_('Source')} {channel.source_date_text})" if channel.source_date_text else ""
        parts.append(f"{channel.name_fi}: {details}{dated}")
    if not where.has_direct_number:
        parts.append(
            _("We have not found a direct number yet – ask the social services of %(region)s.")
            % {"region": local_name(where.region)}
        )
    if where.region.website:
        parts.append(where.region.website)
    return " / ".join(parts)


def export_row(
    detail: ProviderDetail, page_url: str, *, catalogue: CatalogueResources, version: str,
    where: WhereToAsk | None, today: dt.date,
) -> dict[str, str]:  # fmt: skip
    """One provider as a flat row of strings (codes joined with '; '), with the handout
    columns in the reader's language."""
    provider = detail.provider
    language = i18n.html_lang(version)
    current = availability_is_current(provider, today)
    related: dict[str, object] = {
        "id": detail.id,
        "organization": detail.organization.name,
        "region": detail.region.name_fi,
        "municipality": detail.municipality.name_fi if detail.municipality else None,
        **{name: getattr(detail, name) for name in PROVIDER_CODE_TABLES},
        "url": page_url,
        "service_names": [catalogue.service_title(code, version) for code in detail.services],
        "work_types": [
            catalogue.vocabularies.label("activity_types", code, language)
            for code in detail.activities
        ],
        "free_places": provider.free_places if current else None,
        "waiting_time": provider.waiting_time if current else None,
        "availability_date": provider.availability_date if current else None,
        "how_to_apply": how_to_apply(detail.services, detail.region, catalogue, version),
        "region_contact": region_contact_text(where) if where else None,
    }
    return {
        column: _cell(related[column] if column in related else getattr(detail.provider, column))
        for column in EXPORT_COLUMNS
    }


def rows_to_csv(rows: Iterable[dict[str, str]], separator: Separator = DEFAULT_SEPARATOR) -> str:
    """CSV text for Excel: a byte-order mark (so that Excel reads UTF-8), semicolons
    between cells by default (a Finnish Excel's list separator) or commas, CRLF line ends;
    no cell starts a formula (`spreadsheet_safe`)."""
    return "".join(csv_pieces(rows, separator))


CSV_PIECE_CHARS = 65_536  # a streamed download is handed on in pieces of about this size


def csv_pieces(
    rows: Iterable[dict[str, str]], separator: Separator = DEFAULT_SEPARATOR
) -> Iterator[str]:
    """The text of `rows_to_csv` in pieces, written as the rows arrive (streamed downloads)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(
        buffer,
        fieldnames=EXPORT_COLUMNS,
        delimiter=SEPARATORS[separator],
        lineterminator="\r\n",
    )
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
