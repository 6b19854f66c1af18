"""One PTV service location channel -> one provider record (or the reasons it is none).

The channel's fields are read by app/interop/ptv/fields.py; this module decides the name,
languages, organization, region, status and date, and assembles the record. Texts come in
the unit's own language order: Finnish first, unless it serves in Swedish and not in Finnish.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.interop.ptv.fields import (
    AddressFields,
    accessibility,
    address_fields,
    area_municipality,
    description,
    email_address,
    opening_hours,
    phone_number,
    visiting_address,
    website,
)
from app.interop.ptv.files import CollectedItems, PtvItem
from app.interop.ptv.mapping import PtvServiceMapping
from app.interop.ptv.services import LinkedServices, linked_services
from app.interop.ptv.values import (
    LANGUAGE_ORDER,
    JsonObject,
    json_objects,
    line_text,
    preferred_text,
    ptv_id,
    texts_by_language,
    timestamp,
)
from app.interop.records import ProviderRecord
from app.models import OUTSIDE_SYSTEM_REGION_CODE

SOURCE = "ptv"
# publishingStatus -> Polku status. Anything else (Draft, Modified, Withdrawn …) is not
# expected from the public API; such a channel is imported as `verify` with a warning.
STATUSES = {"Published": "current", "Deleted": "closed", "Archived": "closed"}
# The public Suomi.fi page of a service location. The path segment before the id is a
# name slug that the site does not need; LIPAS (lipas-liikuntapaikat/lipas) links with "x".
PUBLIC_PAGE_URL = "https://www.suomi.fi/palvelut/palvelupiste/x/{id}"
SWEDISH_FIRST = ("sv", "fi", "en")


# --- Name, languages, status and date -------------------------------------------------


def channel_languages(channel: JsonObject) -> list[str]:
    """The channel's languages that Polku has, in PTV's order."""
    languages: list[str] = []
    raw_languages = channel.get("languages")
    for language in raw_languages if isinstance(raw_languages, list) else []:
        if language in LANGUAGE_ORDER and language not in languages:
            languages.append(language)
    return languages


def text_order(languages: Sequence[str]) -> Sequence[str]:
    """The order in which a channel's texts are preferred.

    A unit that serves in Swedish and not in Finnish shows its Swedish texts first,
    so that street, post office and description come in the same language.
    """
    return SWEDISH_FIRST if "sv" in languages and "fi" not in languages else LANGUAGE_ORDER


def channel_name(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The channel's name; when it has only an AlternativeName, that is the name PTV shows."""
    names = channel.get("serviceChannelNames")
    name = preferred_text(texts_by_language(names, types=("Name",)), order)
    return name if name is not None else preferred_text(texts_by_language(names), order)


def polku_status(channel: JsonObject, warnings: list[str]) -> tuple[str, str | None]:
    """Polku's status and PTV's publishingStatus; an unexpected one is `verify`, warned."""
    publishing_status = line_text(channel.get("publishingStatus"))
    status = STATUSES.get(publishing_status or "")
    if status is None:
        warnings.append(
            f"publishingStatus {publishing_status!r} is not Published, Deleted or "
            "Archived: imported to verify"
        )
        status = "verify"
    return status, publishing_status


def modified_date(channel: JsonObject, warnings: list[str]) -> dt.date | None:
    """The day the channel was last modified; a value that is not a date is warned about."""
    modified_at = timestamp(channel.get("modified"))
    if channel.get("modified") is not None and modified_at is None:
        warnings.append(f"modified {channel.get('modified')!r} is not an ISO date and time")
    return modified_at.date() if modified_at else None


# --- The reader -----------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationFields:
    """What a provider record keeps of the organization that runs the unit."""

    name: str | None = None
    type: str | None = None
    website: str | None = None


class ChannelReader:
    """Reads service location channels against the collected organizations and services."""

    def __init__(
        self,
        collected: CollectedItems,
        municipality_regions: Mapping[str, str],
        mapping: PtvServiceMapping,
    ) -> None:
        self.collected = collected
        self.municipality_regions = municipality_regions
        self.mapping = mapping

    def organization(
        self, channel: JsonObject, own_name: str | None, warnings: list[str]
    ) -> OrganizationFields:
        """The channel's organization from the files; we never invent one.

        When the files do not have it, the unit is imported under its own name (with a
        warning): an import that brings the organisation later fills it in.
        """
        organization_id = ptv_id(channel.get("organizationId"))
        organization = self.collected.organizations.get(organization_id or "")
        name = None
        if organization is not None:
            data = organization.data
            name = preferred_text(texts_by_language(data.get("organizationNames"), types=("Name",)))
            if name is not None:
                return OrganizationFields(
                    name=name,
                    type=line_text(data.get("organizationType")),
                    website=website(data.get("webPages")),
                )
        if organization_id is None:
            why = "the channel has no organizationId"
        elif organization is None:
            why = f"organisation {organization_id} is not in the given files"
        else:
            why = f"organisation {organization_id} has no name"
        warnings.append(f"{why}: imported under the unit's own name")
        return OrganizationFields(name=own_name)

    def municipality(
        self, channel: JsonObject, place: AddressFields, skips: list[str], warnings: list[str]
    ) -> str | None:
        """The municipality the unit is in: its visiting address's, else (with a warning)
        its service area's when that is one municipality; None (a skip reason) otherwise."""
        if place.abroad:
            skips.append("the visiting address is abroad")
            return None
        if place.municipality_code is not None:
            return place.municipality_code
        if place.map_point:
            why = "the visiting address is a map point without a municipality"
        elif visiting_address(channel) is None:
            postal = any(a.get("type") == "Postal" for a in json_objects(channel.get("addresses")))
            why = "no visiting (Location) address" + (", only a postal one" if postal else "")
        else:
            why = "the visiting address has no municipality"
        area = area_municipality(channel)
        if area is None:
            skips.append(f"{why}, and the service area is not one municipality: region unknown")
            return None
        warnings.append(f"{why}: placed in its service-area municipality {area}")
        return area

    def region_code(self, municipality_code: str, skips: list[str]) -> str | None:
        """The wellbeing region of the municipality, or None (with a skip reason)."""
        region_code = self.municipality_regions.get(municipality_code)
        if region_code is None:
            skips.append(f"municipality {municipality_code} is not a known municipality")
        elif region_code in ("", OUTSIDE_SYSTEM_REGION_CODE):
            skips.append(
                f"municipality {municipality_code} is in Åland, outside the wellbeing regions"
            )
            return None
        return region_code

    def record(
        self, item: PtvItem, skips: list[str], warnings: list[str]
    ) -> tuple[ProviderRecord | None, LinkedServices]:
        """The record of one channel and its linked services.

        The record is None when the unit cannot be placed or named; `skips` then says why,
        and the unit's warnings are left out (they would be about a unit not imported).
        """
        channel = item.data
        noted: list[str] = []
        languages = channel_languages(channel)  # only Polku's three languages
        order = text_order(languages)
        name = channel_name(channel, order)
        if name is None:
            skips.append("the channel has no name")
        organization = self.organization(channel, name, noted)
        address = visiting_address(channel)
        place = address_fields(address, order)
        municipality_code = self.municipality(channel, place, skips, noted)
        region_code = self.region_code(municipality_code, skips) if municipality_code else None
        status, publishing_status = polku_status(channel, noted)
        modified = modified_date(channel, noted)
        services = linked_services(channel, self.collected.services, self.mapping)
        if skips or name is None or organization.name is None or region_code is None:
            return None, services
        warnings.extend(noted)
        return (
            ProviderRecord(
                external_id=f"{SOURCE}:{item.id}",
                organization_name=organization.name,
                organisation_type=organization.type,
                organization_website=organization.website,
                name=name,
                region_code=region_code,
                municipality_code=municipality_code,
                street_address=place.street_address,
                postal_code=place.postal_code,
                post_office=place.post_office,
                phone=phone_number(channel, order),
                email=email_address(channel, order, warnings),
                website=website(channel.get("webPages"), order),
                accessibility=accessibility(channel, address, order),
                opening_hours=opening_hours(channel, order, warnings),
                description=description(channel, order),
                services=list(services.codes.services),
                activities=list(services.codes.activities),
                target_groups=list(services.codes.target_groups),
                languages=languages,
                services_text="; ".join(services.text) or None,
                status=status,
                status_text=publishing_status,
                # Only a published channel has a public page to point to.
                source_url=PUBLIC_PAGE_URL.format(id=item.id) if status == "current" else None,
                source_date=modified.isoformat() if modified else None,
                modified=modified,
            ),
            services,
        )
