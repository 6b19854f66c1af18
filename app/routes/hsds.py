"""Read-only Open Referral HSDS 3.0 API: services, locations, organizations, downloads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from app.interop.hsds import api as hsds_api
from app.interop.hsds import objects as hsds
from app.search.service import ProviderSearch, query_words
from app.web.deps import (
    DATABASE_UNAVAILABLE,
    CatalogueDep,
    IndexDep,
    RegionCode,
    SessionDep,
    SettingsDep,
    SynonymsDep,
    error_responses,
)
from app.web.http_cache import etag_matches

router = APIRouter(prefix="/hsds", tags=["hsds"])
MAX_PER_PAGE = 100


NOT_FOUND = error_responses(
    {404: "No such id (also for an id that is no UUID)", 503: DATABASE_UNAVAILABLE}
)
UNAVAILABLE = error_responses(
    {503: "The database, or with `search` the search index, is temporarily unavailable"}
)
DATABASE = error_responses({503: DATABASE_UNAVAILABLE})

PageNumber = Annotated[int, Query(ge=1, le=10_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page")]
Region = Annotated[
    RegionCode | None, Query(description="Organiser code (01–21, 90 = Helsinki, 91 = Åland)")
]
OrganizationId = Annotated[
    str | None, Query(max_length=100, description="Only services of this HSDS organization")
]


async def get_hsds_cache(request: Request) -> hsds_api.HsdsCache:
    """The app's HSDS id maps and downloads, made on first use."""
    cache: hsds_api.HsdsCache | None = getattr(request.app.state, "hsds_cache", None)
    if cache is None:
        cache = request.app.state.hsds_cache = hsds_api.HsdsCache()
    return cache


async def get_text_search(
    index_reader: IndexDep,
    synonyms: SynonymsDep,
    search: Annotated[
        str, Query(max_length=200, description="Free text; Finnish inflection understood")
    ] = "",
) -> hsds_api.TextSearch | None:
    """The search index, opened only when the request searches: lists work without it."""
    if not query_words(search):
        return None
    return hsds_api.TextSearch(search.strip(), ProviderSearch(index_reader, synonyms))


HsdsCacheDep = Annotated[hsds_api.HsdsCache, Depends(get_hsds_cache)]
TextSearchDep = Annotated[hsds_api.TextSearch | None, Depends(get_text_search)]


class ApiDetails(BaseModel):
    """What this API is (HSDS `/`)."""

    version: str = Field(description="HSDS version of this API")
    profile: str = Field(description="URI of the HSDS profile: Polku's Finnish extension")
    openapi_url: str


class HsdsPage(BaseModel):
    """One page of an HSDS list endpoint; `contents` hold HSDS objects."""

    total_items: int
    total_pages: int
    page_number: int
    size: int = Field(description="Page size asked for")
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]]


def _service_filter(
    session: SessionDep,
    cache: HsdsCacheDep,
    text_search: TextSearchDep,
    region: Region = None,
    organization_id: OrganizationId = None,
) -> hsds_api.ServiceFilter | None:
    """The list filters; None when the organization is unknown (so nothing can match)."""
    organization_pk = None
    if organization_id is not None:
        organization_pk = hsds_api.organization_pk(
            session=session, cache=cache, hsds_id=organization_id
        )
        if organization_pk is None:
            return None
    return hsds_api.ServiceFilter(text_search, region, organization_pk)


ServiceFilterDep = Annotated[hsds_api.ServiceFilter | None, Depends(_service_filter)]


def _empty_page(page: int, per_page: int) -> dict[str, Any]:
    return hsds_api.hsds_page([], total_items=0, page_number=page, size=per_page)


def _download(
    if_none_match: str | None, download: hsds_api.Download, *, media_type: str, filename: str
) -> Response:
    """The file as an attachment with its ETag, or 304 when the client already has it."""
    if if_none_match and etag_matches(if_none_match, download.etag):
        return Response(status_code=304, headers={"ETag": download.etag})
    headers = {
        "ETag": download.etag,
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    return Response(download.content, media_type=media_type, headers=headers)


def _download_responses(media_type: str, schema: dict[str, Any]) -> dict[int | str, Any]:
    return {
        200: {"content": {media_type: {"schema": schema}}, "description": "The file"},
        304: {"description": "Not modified: If-None-Match names the current ETag"},
        **DATABASE,
    }


@router.get("/", response_model=ApiDetails)
def read_api_details(settings: SettingsDep) -> ApiDetails:
    """HSDS version and profile of this API."""
    return ApiDetails(
        version=hsds.HSDS_VERSION,
        profile="urn:polku:hsds-profile:fi",
        openapi_url=f"{settings.base_url}/openapi.json",
    )


@router.get("/services", response_model=HsdsPage, responses=UNAVAILABLE)
def read_services(
    session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep, cache: HsdsCacheDep,
    filters: ServiceFilterDep, page: PageNumber = 1, per_page: PerPage = 50,
) -> dict[str, Any]:  # fmt: skip
    """Services (one per provider), fully nested; by name, or by relevance when searching."""
    if filters is None:
        return _empty_page(page, per_page)
    return hsds_api.service_page(
        session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
        filters=filters, page=page, per_page=per_page,
    )  # fmt: skip


@router.get("/services/{service_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def read_service(
    service_id: str, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep,
    cache: HsdsCacheDep,
) -> dict[str, Any]:  # fmt: skip
    """One HSDS service with its organization, location, phones and attributes nested."""
    service = hsds_api.get_service(
        session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
        service_id=service_id,
    )  # fmt: skip
    if service is None:
        raise HTTPException(status_code=404, detail=f"No service {service_id}")
    return service


@router.get("/service_at_locations", response_model=HsdsPage, responses=UNAVAILABLE)
def read_service_at_locations(
    session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep, cache: HsdsCacheDep,
    filters: ServiceFilterDep, page: PageNumber = 1, per_page: PerPage = 50,
) -> dict[str, Any]:  # fmt: skip
    """service_at_locations with one-to-one fields, their service and location nested."""
    if filters is None:
        return _empty_page(page, per_page)
    return hsds_api.service_at_location_page(
        session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
        filters=filters, page=page, per_page=per_page,
    )  # fmt: skip


@router.get(
    "/service_at_locations/{service_at_location_id}",
    response_model=dict[str, Any],
    responses=NOT_FOUND,
)
def read_service_at_location(
    service_at_location_id: str, session: SessionDep, settings: SettingsDep,
    catalogue: CatalogueDep, cache: HsdsCacheDep,
) -> dict[str, Any]:  # fmt: skip
    """One service_at_location with its service, organization and location fully nested."""
    found = hsds_api.get_service_at_location(
        session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
        service_at_location_id=service_at_location_id,
    )  # fmt: skip
    if found is None:
        raise HTTPException(
            status_code=404, detail=f"No service_at_location {service_at_location_id}"
        )
    return found


@router.get("/organizations", response_model=HsdsPage, responses=UNAVAILABLE)
def read_organizations(
    session: SessionDep, catalogue: CatalogueDep, cache: HsdsCacheDep,
    text_search: TextSearchDep, page: PageNumber = 1, per_page: PerPage = 50,
) -> dict[str, Any]:  # fmt: skip
    """Organizations by name; when searching, those running a matching provider, best first."""
    return hsds_api.organization_page(
        session=session, cache=cache, catalogue=catalogue, text_search=text_search,
        page=page, per_page=per_page,
    )  # fmt: skip


@router.get("/organizations/{organization_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def read_organization(
    organization_id: str, session: SessionDep, cache: HsdsCacheDep
) -> dict[str, Any]:
    """One HSDS organization."""
    organization = hsds_api.get_organization(
        session=session, cache=cache, organization_id=organization_id
    )
    if organization is None:
        raise HTTPException(status_code=404, detail=f"No organization {organization_id}")
    return organization


@router.get("/taxonomies", response_model=HsdsPage)
def read_taxonomies(page: PageNumber = 1, per_page: PerPage = 50) -> dict[str, Any]:
    """Polku's taxonomies (services, activity types, regions …)."""
    return hsds_api.taxonomy_page(page=page, per_page=per_page)


@router.get("/taxonomy_terms", response_model=HsdsPage, responses=DATABASE)
def read_taxonomy_terms(
    session: SessionDep, catalogue: CatalogueDep, page: PageNumber = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    """The terms of Polku's taxonomies."""
    return hsds_api.taxonomy_term_page(
        session=session, catalogue=catalogue, page=page, per_page=per_page
    )


@router.get(
    "/datapackage.zip",
    response_class=Response,
    responses=_download_responses("application/zip", {"type": "string", "format": "binary"}),
)
def read_datapackage(
    session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep, cache: HsdsCacheDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:  # fmt: skip
    """The whole catalogue as an HSDS tabular data package (CSV files and datapackage.json)."""
    download = hsds_api.datapackage_download(
        session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url
    )
    return _download(
        if_none_match, download, media_type="application/zip",
        filename="polku-hsds.zip",
    )  # fmt: skip


@router.get(
    "/export.json",
    response_class=Response,
    responses=_download_responses("application/json", {"type": "object"}),
)
def read_export_json(
    session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep, cache: HsdsCacheDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:  # fmt: skip
    """The whole catalogue as one HSDS JSON document (every table as a list)."""
    download = hsds_api.json_download(
        session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url
    )
    return _download(
        if_none_match, download, media_type="application/json",
        filename="polku-hsds.json",
    )  # fmt: skip
