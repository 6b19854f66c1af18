"""The provider as people edit and read it: the form model and the JSON API's models.

With `ProviderBase` and the `Provider` table (app/models.py) they make one model family,
as in the FastAPI full-stack template; see `ProviderBase` for what adding a field means.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import ClassVar, Literal

from annotated_types import MaxLen
from pydantic import BaseModel, StrictInt, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

from app.models import PROVIDER_CODE_TABLES


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
        "postal_code": re.compile(r"^[0-9]{5}$"),  # ASCII digits only (BI-05)
        "website": re.compile(r"^https?://[^\s]+$"),
    }

    @field_validator(*FORMATS)
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

    @field_validator(*PROVIDER_CODE_TABLES)
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


# The JSON API's models (the full-stack template's `ProviderPublic`), named as the OpenAPI
# document has always published them. Fields shared with `ProviderBase` have its types and
# descriptions (tests/test_provider_fields.py checks) and are filled from it by name; the
# API keeps its own key order.
class ProviderItem(SQLModel):
    """A provider unit in search results."""

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


# A plain pydantic model: built for every listed provider, it costs a third of a SQLModel's
# construction (about 3 µs against 9).
class HowToApplyRoute(BaseModel):
    """One way to a place with a provider: whom to ask first, for which of its services."""

    ask_first: Literal["region", "employment-area", "joint-plan", "elsewhere"] = Field(
        description="region: the social services of the provider's organiser (wellbeing "
        "region or Helsinki); employment-area: the person's employment area; joint-plan: a "
        "plan made with the employment area and the region's social services (either may be "
        "asked first); elsewhere: Kela or the person's earnings-related pension provider"
    )
    services: list[str] = Field(
        description="The provider's service codes this route is for; empty when the provider "
        "lists no service (then the region's social services)"
    )
    text: str = Field(
        description="The line the provider page, print view and downloads show, in the "
        "reading version `lang`"
    )


HOW_TO_APPLY_DESCRIPTION = (
    "How a person gets a place with the provider, one route per whom to ask first, in the "
    "order of the provider's services: as the provider page says it. Added in 2026-12."
)


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
    how_to_apply: list[HowToApplyRoute] = Field(description=HOW_TO_APPLY_DESCRIPTION)
