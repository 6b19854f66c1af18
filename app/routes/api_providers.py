"""JSON API for the provider catalogue."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from app import i18n
from app.catalogue.providers import ProviderDetail, get_provider
from app.search.service import SearchHit
from app.web.deps import (
    DATABASE_UNAVAILABLE,
    SEARCH_UNAVAILABLE,
    ProviderQueryDep,
    ProviderSearchDep,
    SessionDep,
    SettingsDep,
    error_responses,
    search_without_blocking,
)

router = APIRouter(prefix="/api/v1", tags=["providers"])


class ProviderItem(BaseModel):
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


class ProviderPage(BaseModel):
    """One page of search results with facet counts."""

    total: int
    page: int
    per_page: int
    items: list[ProviderItem]
    facets: dict[str, dict[str, int]] = Field(
        description="Counts per value of region, municipality, service, activity, "
        "target_group, language and status; a facet's own filter is not applied to its counts"
    )
    suggestion: str | None = Field(description="A corrected query when nothing was found")


def _item_values(detail: ProviderDetail, base_url: str) -> dict[str, object]:
    provider = detail.provider
    return {
        "id": detail.id,
        "name": provider.name,
        "organization": detail.organization.name,
        "region_code": provider.region_code,
        "municipality_code": provider.municipality_code,
        "services": detail.services,
        "activities": detail.activities,
        "target_groups": detail.target_groups,
        "languages": detail.languages,
        "status": provider.status,
        "source_date": provider.source_date,
        "assured_date": provider.assured_date,
        "url": _provider_url(base_url, detail.id),
    }


def _provider_url(base_url: str, provider_id: int) -> str:
    return f"{base_url}{i18n.localized_path(f'/palveluntuottajat/{provider_id}', 'fi')}"


def _item_from_hit(hit: SearchHit, base_url: str) -> ProviderItem:
    """A result item straight from the index's stored fields: no database round trip."""
    fields, summary = hit.fields, hit.fields["summary"]

    def codes(name: str) -> list[str]:
        return [code for code in str(fields.get(name) or "").split(",") if code]

    return ProviderItem(
        id=hit.provider_id,
        name=summary["name"],
        organization=summary["organization"],
        region_code=fields["region"],
        municipality_code=fields.get("municipality") or None,
        services=codes("service"),
        activities=codes("activity"),
        target_groups=codes("target_group"),
        languages=codes("language"),
        status=fields["status"],
        source_date=summary["source_date"],
        assured_date=summary["assured_date"],
        url=_provider_url(base_url, hit.provider_id),
    )


@router.get(
    "/providers", response_model=ProviderPage, responses=error_responses({503: SEARCH_UNAVAILABLE})
)
async def read_providers(
    query: ProviderQueryDep, search: ProviderSearchDep, settings: SettingsDep
) -> ProviderPage:  # fmt: skip
    """Search providers; filters are repeatable (`?region=10&region=11`)."""
    # `async`: the search reads only the index, never the database.
    results = await search_without_blocking(search, query)
    return ProviderPage(
        total=results.total,
        page=results.page,
        per_page=results.per_page,
        items=[_item_from_hit(hit, settings.base_url) for hit in results.hits],
        facets=results.facets,
        suggestion=results.suggestion,
    )


@router.get(
    "/providers/{provider_id}",
    response_model=ProviderFull,
    responses=error_responses({404: "No such provider", 503: DATABASE_UNAVAILABLE}),
)
def read_provider(
    request: Request, provider_id: int, session: SessionDep, settings: SettingsDep
) -> ProviderFull:
    """One provider with its address, contacts and where the facts come from."""
    detail = get_provider(session=session, provider_id=provider_id)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"No provider {provider_id}")
    provider = detail.provider
    return ProviderFull.model_validate(
        {
            **_item_values(detail, settings.base_url),
            "street_address": provider.street_address,
            "postal_code": provider.postal_code,
            "post_office": provider.post_office,
            "phone": provider.phone,
            "email": provider.email,
            "website": provider.website,
            "accessibility": provider.accessibility,
            "source_url": provider.source_url,
            "services_text": provider.services_text,
            "activities_text": provider.activities_text,
            "target_groups_text": provider.target_groups_text,
            "description": provider.description,
        }
    )
