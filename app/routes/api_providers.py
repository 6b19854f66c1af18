"""JSON API for the provider catalogue."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from app import i18n
from app.catalogue.fields import (
    HOW_TO_APPLY_DESCRIPTION,
    HowToApplyRoute,
    ProviderFull,
    ProviderItem,
)
from app.catalogue.providers import ProviderDetail, get_provider, provider_path
from app.catalogue.resources import CatalogueResources
from app.interop.csv.export import apply_routes_with_text, local_name
from app.models import PROVIDER_CODE_TABLES
from app.search.facets import counts_with_every_option
from app.search.hits import SearchHit
from app.search.service import Nearby, SearchResults
from app.web.deps import (
    DATABASE_UNAVAILABLE,
    SEARCH_UNAVAILABLE,
    CatalogueDep,
    PlaceNamesDep,
    ProviderQueryDep,
    ProviderSearchDep,
    SessionDep,
    SettingsDep,
    error_responses,
    place_names_in,
    search_without_blocking,
)

router = APIRouter(prefix="/api/v1", tags=["providers"])

LangQuery = Annotated[
    i18n.Version, Query(description="Reading version of the texts of `how_to_apply`")
]
AllOptionsQuery = Annotated[
    bool,
    Query(
        description="Also give `facets_all_options` and `facets_unrecorded`, as the search "
        'page\'s "show all options" does. Added in 2026-12.'
    ),
]


class PlaceFilter(BaseModel):
    """A place named by words of `q`, applied as a filter (as if its facet were ticked)."""

    kind: Literal["municipality", "region"]
    code: str = Field(description="Municipality (three digits) or region code")


class NearbyProviders(BaseModel):
    """Providers offered when a named place has no match for the other words."""

    scope: Literal["region", "country", "place"] = Field(
        description="region: the words' matches elsewhere in the place's region; country: "
        "elsewhere in Finland; place: the place's providers without the other words"
    )
    region: str | None = Field(description="The region's code for scope region")
    total: int
    items: list[ProviderItem] = Field(description="The first few, best first")


class PlaceAdvice(BaseModel):
    """What to tell someone whose named place has no match."""

    place_is_empty: bool = Field(description="The catalogue has no provider in the place yet")
    region_is_empty: bool = Field(description="Nor anywhere in the place's region")
    elsewhere: NearbyProviders | None
    in_place: NearbyProviders | None


class NearProviderItem(ProviderItem):
    """A result item with its distance, when results are ordered from a place."""

    distance_km: float | None = Field(
        default=None,
        description="Kilometres between the centres of the `near` municipality and the "
        "provider's municipality, rounded to one decimal (±10 km: municipality centres, not "
        "addresses); null when the provider names no municipality or no `near` was given. "
        "Added in 2026-12.",
    )
    how_to_apply: list[HowToApplyRoute] = Field(description=HOW_TO_APPLY_DESCRIPTION)


class NearOrigin(BaseModel):
    """Where distances were measured from."""

    municipality: str = Field(description="The municipality code distances are measured from")
    region: str | None = Field(description="The region (organiser) the municipality is in")
    from_query: bool = Field(
        description="True when a municipality named in q is the origin instead of `near`"
    )
    nearest_in_other_region: str | None = Field(
        description="The region of the nearest result, when it is not the origin's region"
    )


class ProviderPage(BaseModel):
    """One page of search results with facet counts."""

    total: int
    page: int
    per_page: int
    items: list[NearProviderItem]
    facets: dict[str, dict[str, int]] = Field(
        description="Counts per value of region, municipality, service, activity, "
        "target_group, language and status; a facet's own filter is not applied to its counts"
    )
    facets_all_options: dict[str, dict[str, int]] | None = Field(
        default=None,
        description="Only with `all_options=true`: the counts of `facets` with every value "
        "of region, service, activity, target_group, language and status, and the selected "
        'values, those without a match counted 0 ("none here"); municipality as in '
        "`facets` (over 300: found through the region). Added in 2026-12.",
    )
    facets_unrecorded: dict[str, int] | None = Field(
        default=None,
        description="Only with `all_options=true`: per facet, how many matches have no value "
        'for it ("not recorded", as against a value counted 0), counted like the facet\'s '
        "values (its own filter not applied). Added in 2026-12.",
    )
    suggestion: str | None = Field(
        description="A corrected query (words the index does not know replaced by the nearest "
        "it knows) when the words match fewer than 3 providers and the correction finds more"
    )
    suggestion_total: int | None = Field(
        default=None,
        description="How many providers the suggestion finds with the same filters. "
        "Added in 2026-12.",
    )
    places: list[PlaceFilter] = Field(
        default_factory=list,
        description="Places named by words of q (any case form, Finnish or Swedish, with or "
        "without ä/ö/å), applied as filters; the other words search the text. Added in 2026-12.",
    )
    place_advice: PlaceAdvice | None = Field(
        default=None,
        description="Only when a place was named and nothing matched: whether the place has "
        "providers at all, the nearest matches elsewhere and the place's other providers. "
        "Added in 2026-12.",
    )
    near: NearOrigin | None = Field(
        default=None,
        description="Only with `near`: where results are ordered from, nearest first. "
        "Added in 2026-12.",
    )


def _provider_url(base_url: str, provider_id: int) -> str:
    return f"{base_url}{provider_path(provider_id)}"


def _item_from_hit(hit: SearchHit, base_url: str) -> ProviderItem:
    """A result item straight from the index's stored fields: no database round trip."""
    values = {name: getattr(hit, name) for name in ProviderItem.model_fields if name != "url"}
    return ProviderItem.model_validate({**values, "url": _provider_url(base_url, hit.id)})


def _full_from_detail(
    detail: ProviderDetail, base_url: str, how_to_apply: list[HowToApplyRoute]
) -> ProviderFull:
    """Every published field by its name: the provider's own, or its organisation, codes, url
    and how to apply."""
    related = {
        "id": detail.id,
        "organization": detail.organization.name,
        **{name: getattr(detail, name) for name in PROVIDER_CODE_TABLES},
        "url": _provider_url(base_url, detail.id),
        "how_to_apply": how_to_apply,
    }
    return ProviderFull.model_validate(
        {
            name: related[name] if name in related else getattr(detail.provider, name)
            for name in ProviderFull.model_fields
        }
    )


@router.get(
    "/providers", response_model=ProviderPage, responses=error_responses({503: SEARCH_UNAVAILABLE})
)
async def read_providers(
    request: Request, query: ProviderQueryDep, search: ProviderSearchDep, settings: SettingsDep,
    catalogue: CatalogueDep, place_names: PlaceNamesDep, lang: LangQuery = "fi",
    all_options: AllOptionsQuery = False,
) -> ProviderPage:  # fmt: skip
    """Search providers; filters are repeatable (`?region=10&region=11`)."""
    # `async`: the search reads only the index, never the database.
    if all_options:
        query = dataclasses.replace(query, count_unrecorded=True)
    results = await search_without_blocking(search, query)
    region_names = (await place_names_in(request, i18n.VERSION_LOCALE[lang]))["region"]
    with i18n.reading_version(lang):
        routes = [
            _how_to_apply(
                hit.services, region_names.get(hit.region_code, hit.region_code), catalogue, lang
            )
            for hit in results.hits
        ]
    items = [
        _near_item(hit, results, settings.base_url, how_to_apply)
        for hit, how_to_apply in zip(results.hits, routes, strict=True)
    ]
    return ProviderPage(
        total=results.total,
        page=results.page,
        per_page=results.per_page,
        items=items,
        facets=results.facets,
        facets_all_options=(
            counts_with_every_option(results, query, catalogue, place_names)
            if all_options
            else None
        ),
        facets_unrecorded=results.unrecorded if all_options else None,
        suggestion=results.suggestion,
        suggestion_total=results.suggestion_total if results.suggestion else None,
        places=[PlaceFilter(kind=place.kind, code=place.code) for place in results.places],
        place_advice=_place_advice(results, settings.base_url),
        near=_near_origin(results),
    )


def _how_to_apply(
    services: Sequence[str], region_name: str, catalogue: CatalogueResources, version: str
) -> list[HowToApplyRoute]:
    """The provider page's "how to apply", route by route, in the current reading version."""
    return [
        HowToApplyRoute(ask_first=route.ask_first, services=route.services, text=route.text)
        for route in apply_routes_with_text(services, region_name, catalogue, version)
    ]


def _near_item(
    hit: SearchHit, results: SearchResults, base_url: str, how_to_apply: list[HowToApplyRoute]
) -> NearProviderItem:
    item = _item_from_hit(hit, base_url)
    distance = results.near.distance_km(hit.municipality_code) if results.near else None
    return NearProviderItem.model_validate(
        {
            **item.model_dump(),
            "distance_km": None if distance is None else round(distance, 1),
            "how_to_apply": how_to_apply,
        }
    )


def _near_origin(results: SearchResults) -> NearOrigin | None:
    near = results.near
    if near is None:
        return None
    return NearOrigin(
        municipality=near.origin,
        region=near.origin_region,
        from_query=near.from_text,
        nearest_in_other_region=near.nearest_region,
    )


def _nearby(nearby: Nearby | None, base_url: str) -> NearbyProviders | None:
    if nearby is None:
        return None
    return NearbyProviders(
        scope=nearby.scope,
        region=nearby.code,
        total=nearby.total,
        items=[_item_from_hit(hit, base_url) for hit in nearby.hits],
    )


def _place_advice(results: SearchResults, base_url: str) -> PlaceAdvice | None:
    advice = results.advice
    if advice is None:
        return None
    return PlaceAdvice(
        place_is_empty=advice.place_is_empty,
        region_is_empty=advice.region_is_empty,
        elsewhere=_nearby(advice.elsewhere, base_url),
        in_place=_nearby(advice.in_place, base_url),
    )


@router.get(
    "/providers/{provider_id}",
    response_model=ProviderFull,
    responses=error_responses({404: "No such provider", 503: DATABASE_UNAVAILABLE}),
)
def read_provider(
    provider_id: int, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep,
    lang: LangQuery = "fi",
) -> ProviderFull:  # fmt: skip
    """One provider with its address, contacts, how to apply and where the facts come from."""
    detail = get_provider(session=session, provider_id=provider_id)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"No provider {provider_id}")
    with i18n.reading_version(lang):
        how_to_apply = _how_to_apply(detail.services, local_name(detail.region), catalogue, lang)
    return _full_from_detail(detail, settings.base_url, how_to_apply)
