"""Database tables (SQLModel)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import ClassVar

from annotated_types import MaxLen
from pydantic import StrictInt, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

OUTSIDE_SYSTEM_REGION_CODE = "91"  # Åland: a pseudo-code, not a wellbeing region


class Region(SQLModel, table=True):
    """An organiser of social services: a wellbeing region, Helsinki, or Åland (outside)."""

    code: str = Field(primary_key=True, max_length=2)
    name_fi: str
    name_sv: str
    name_en: str
    kind: str = Field(description="hyvinvointialue, kaupunki or outside the system")
    is_organiser: bool = Field(description="False for Åland, which is outside the system")
    website: str | None = None
    website_evidence_url: str | None = None
    social_services_contact: str | None = Field(
        default=None, description="Free-text note from a public page, in English"
    )
    contact_evidence_url: str | None = None


class Municipality(SQLModel, table=True):
    """A municipality valid on 1.1.2025 and its organiser region."""

    code: str = Field(primary_key=True, max_length=3)
    name_fi: str
    name_sv: str
    region_code: str = Field(foreign_key="region.code", index=True)


# --- Provider catalogue, shaped after Open Referral HSDS 3.0 -------------------------------
# organization → provider (HSDS service_at_location with its location and contacts)
# → codes of services, activity types, target groups and languages in link tables.


class Organization(SQLModel, table=True):
    """An organisation that runs one or more provider units (HSDS organization)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    organisation_type: str | None = Field(default=None, description="As the source states it")
    website: str | None = None


class ProviderBase(SQLModel):
    """A provider's own facts: the one typed list of them.

    The table (`Provider`), the maintainer's form (`ProviderUpdate`), the JSON API
    (`ProviderItem`, `ProviderFull`), the CSV export (`ProviderExportRow`), the importers'
    records and the search index's stored summary all take their field names and types from
    this family. Adding a field means: declare it here (and in the form or API model when
    people edit or read it there), write a migration, and show it in a template; no other
    module lists provider fields. The code lists (services, activities, target groups,
    languages) live in the link tables below, `PROVIDER_CODE_TABLES`.
    """

    # Unit name, or the organisation's name when no unit is named.
    name: str
    region_code: str = Field(
        foreign_key="region.code", index=True, description="Organiser code; 90 = City of Helsinki"
    )
    municipality_code: str | None = Field(default=None, foreign_key="municipality.code", index=True)
    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    accessibility: str | None = None
    opening_hours: str | None = None  # as the source gives them
    description: str | None = None  # notes from the source (Finnish)
    services_text: str | None = Field(
        default=None, description="The source's own wording (Finnish)"
    )
    activities_text: str | None = None  # the source's own wording
    target_groups_text: str | None = None  # the source's own wording
    status: str = Field(index=True, description="current, verify (check before relying) or closed")
    status_text: str | None = None  # the source's own status note
    source_url: str | None = None
    source_date: str | None = Field(
        default=None, description="As the source dates it, e.g. 2015 or 2026-01"
    )
    source_year: int | None = None
    assured_date: dt.date | None = Field(
        default=None, description="When a person last checked the entry"
    )
    free_places: int | None = None  # as a coordinator said
    waiting_time: str | None = Field(default=None, max_length=100)  # VARCHAR(100) in the table
    availability_date: dt.date | None = None  # when free places / waiting time were given


class Provider(ProviderBase, table=True):
    """A provider unit at a location (HSDS service_at_location + location + contacts)."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, description="Source and its id, e.g. csv:P001")
    organization_id: int = Field(foreign_key="organization.id", index=True)
    updated_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


# --- The provider as people edit and read it ---------------------------------------------


@dataclass(frozen=True)
class ProviderChoices:
    """What a maintainer may choose from: the region's municipalities and each code list."""

    municipalities: Set[str]
    codes: Mapping[str, Set[str]]  # code-list field -> allowed codes


def _max_length(info: FieldInfo) -> int | None:
    return next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)


def _choice_error(field_name: str) -> PydanticCustomError:
    return PydanticCustomError("choice", "{field} is not one of the choices", {"field": field_name})


def _choices(info: ValidationInfo) -> ProviderChoices:
    choices = (info.context or {}).get("choices")
    assert isinstance(choices, ProviderChoices)  # noqa: S101 – a programming error
    return choices


class ProviderUpdate(SQLModel):
    """The maintainer's form: the fields a person may change, with their rules.

    Validate with `model_validate(values, context={"choices": ProviderChoices(...)})`.
    One-line texts arrive with their whitespace collapsed, multi-line ones trimmed
    (`maintenance.clean_provider_form`), empty text as None. The declaration order is the
    order edits are saved and logged.
    """

    waiting_time: str | None = Field(default=None, max_length=100)
    name: str = Field(max_length=200)
    street_address: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=5)
    post_office: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=500)
    accessibility: str | None = Field(default=None, max_length=2000)
    opening_hours: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=4000)
    municipality_code: str | None = None  # one of the region's (ProviderChoices)
    free_places: StrictInt | None = Field(default=None, ge=0, le=10_000)
    services: list[str] = Field(default_factory=list)
    activities: list[str] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)

    MULTILINE: ClassVar[frozenset[str]] = frozenset({"description"})  # only its ends trimmed
    # Formats checked when a value is not too long, in the order their errors are listed.
    FORMATS: ClassVar[dict[str, re.Pattern[str]]] = {
        "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
        "phone": re.compile(r"^\+?[0-9 ()-]{5,40}$"),
        "postal_code": re.compile(r"^\d{5}$"),
        "website": re.compile(r"^https?://[^\s]+$"),
    }

    @field_validator("email", "phone", "postal_code", "website")
    @classmethod
    def _has_format(cls, value: str | None, info: ValidationInfo) -> str | None:
        field_name = str(info.field_name)
        if value is not None and not cls.FORMATS[field_name].match(value):
            raise PydanticCustomError(
                "format", "{field} is not in its format", {"field": field_name}
            )
        return value

    @field_validator("municipality_code")
    @classmethod
    def _is_region_municipality(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value not in _choices(info).municipalities:
            raise _choice_error(str(info.field_name))
        return value

    @field_validator("services", "activities", "target_groups", "languages")
    @classmethod
    def _are_known_codes(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if set(value) - _choices(info).codes[str(info.field_name)]:
            raise _choice_error(str(info.field_name))
        return value

    @classmethod
    def text_fields(cls) -> dict[str, int]:
        """The free-text fields and their maximum lengths, in declaration order."""
        return {
            name: limit
            for name, info in cls.model_fields.items()
            if (limit := _max_length(info)) is not None
        }

    @classmethod
    def code_fields(cls) -> tuple[str, ...]:
        """The code lists a maintainer chooses from."""
        return tuple(n for n, info in cls.model_fields.items() if info.annotation == list[str])


class ProviderItem(SQLModel):
    """A provider unit in search results."""

    # The JSON API's models (the full-stack template's `ProviderPublic`), named as the
    # OpenAPI document has always published them. Fields shared with `ProviderBase` have its
    # types and descriptions (tests/test_provider_fields.py checks) and are filled from it
    # by name; the API keeps its own key order.
    id: int
    name: str
    organization: str
    region_code: str = Field(description="Organiser code; 90 = City of Helsinki")
    municipality_code: str | None
    services: list[str] = Field(description="Service codes of the guide")
    activities: list[str] = Field(description="Activity type codes")
    target_groups: list[str]
    languages: list[str]
    status: str = Field(description="current, verify (check before relying) or closed")
    source_date: str | None = Field(description="As the source dates it, e.g. 2015 or 2026-01")
    assured_date: dt.date | None = Field(description="When a person last checked the entry")
    url: str = Field(description="The provider's page on Polku")


class ProviderFull(ProviderItem):
    """A provider with its address, contacts and provenance."""

    street_address: str | None
    postal_code: str | None
    post_office: str | None
    phone: str | None
    email: str | None
    website: str | None
    accessibility: str | None
    source_url: str | None
    services_text: str | None = Field(description="The source's own wording (Finnish)")
    activities_text: str | None
    target_groups_text: str | None
    description: str | None


class ProviderCode(SQLModel):
    """A code a provider has in one vocabulary: the shape of the four link tables."""

    provider_id: int = Field(foreign_key="provider.id", primary_key=True)
    code: str = Field(primary_key=True, index=True)


class ProviderService(ProviderCode, table=True):
    """A service (guide page code) a provider offers."""


class ProviderActivity(ProviderCode, table=True):
    """An activity type (controlled vocabulary) at a provider."""


class ProviderTargetGroup(ProviderCode, table=True):
    """A target group (controlled vocabulary) a provider serves."""


class ProviderLanguage(ProviderCode, table=True):
    """A language of service (ISO 639-1)."""


# A provider's code lists by their field name, and the link table that holds each.
PROVIDER_CODE_TABLES: dict[str, type[ProviderCode]] = {
    "services": ProviderService,
    "activities": ProviderActivity,
    "target_groups": ProviderTargetGroup,
    "languages": ProviderLanguage,
}


# --- Maintainers and the change log -----------------------------------------------------


class User(SQLModel, table=True):
    """A maintainer account: `admin` (everything) or `coordinator` (own regions only)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    password_hash: str
    role: str = Field(description="admin or coordinator")
    regions: str = Field(default="", description="Comma-separated region codes (coordinators)")
    session_version: int = Field(default=1, description="Raised to sign out everywhere")
    is_active: bool = True
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def region_codes(self) -> set[str]:
        """The regions this user may edit (all for admins is decided by the role)."""
        return {code for code in self.regions.split(",") if code}


class ThrottleEvent(SQLModel, table=True):
    """A failed sign-in or a public form sent, kept briefly for rate limiting."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, description="user:<name>, ip:<address> or form:<address>")
    at: dt.datetime = Field(index=True)


class Submission(SQLModel, table=True):
    """A public report of a wrong entry, or feedback on the site: a moderation queue item."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(description="correction or feedback")
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    region_code: str | None = Field(default=None, index=True)
    message: str = Field(max_length=2000)
    contact: str | None = Field(default=None, max_length=200)
    status: str = Field(default="open", index=True, description="open, accepted or dismissed")
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    handled_at: dt.datetime | None = None


class ChangeLogEntry(SQLModel, table=True):
    """One field of one provider changed: who, when, from which source, before and after."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    source: str = Field(description="web, csv, ptv, hsds …")
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC), index=True)
    action: str = Field(description="edit, checked, close, reopen, create")
    field: str | None = None
    before: str | None = None
    after: str | None = None


class ProviderAlias(SQLModel, table=True):
    """Another source's id for an entry (`ptv:…`, `csv:…`), so later imports find it again.

    `Provider.external_id` names the source that owns the entry; an alias is kept when a
    second source matched the entry by name and municipality and took it over.
    """

    external_id: str = Field(primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)


class ImportConflict(SQLModel, table=True):
    """An import wanted to change a field a person had edited and checked later.

    Both values are kept: the entry keeps the person's value until a maintainer decides.
    """

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    source: str = Field(description="csv, ptv or hsds")
    field: str
    current_value: str | None = None
    incoming_value: str | None = None
    detected_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    status: str = Field(default="open", index=True, description="open, accepted or dismissed")
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    handled_at: dt.datetime | None = None


class ImportRun(SQLModel, table=True):
    """One applied import: which source and files, and what it changed."""

    id: int | None = Field(default=None, primary_key=True)
    source: str
    files: str = Field(description="File names, one per line")
    full: bool = False
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC), index=True)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_verify: int = 0
    conflicts: int = 0
    warnings: int = 0
