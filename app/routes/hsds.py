"""Read-only Open Referral HSDS 3.0 API: services, organizations and Polku's taxonomies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from app.catalogue import hsds
from app.deps import CatalogueDep, RegionCode, SessionDep, SettingsDep

router = APIRouter(prefix="/hsds", tags=["hsds"])
MAX_PER_PAGE = 100
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such id"}}

PageNumber = Annotated[int, Query(ge=1, le=10_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page")]


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


@router.get("/", response_model=ApiDetails)
def read_api_details(settings: SettingsDep) -> ApiDetails:
    """HSDS version and profile of this API."""
    return ApiDetails(
        version=hsds.HSDS_VERSION,
        profile="urn:polku:hsds-profile:fi",
        openapi_url=f"{settings.base_url}/openapi.json",
    )


@router.get("/services", response_model=HsdsPage)
def read_services(
    session: SessionDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    region: Annotated[
        RegionCode | None, Query(description="Organiser code (01–21, 90 = Helsinki)")
    ] = None,
) -> dict[str, Any]:
    """Services (one per Polku provider) by name; closed providers have status inactive."""
    return hsds.service_page(
        session=session, catalogue=catalogue, base_url=settings.base_url,
        page=page, per_page=per_page, region_code=region,
    )  # fmt: skip


@router.get("/services/{service_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def read_service(
    service_id: str, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep
) -> dict[str, Any]:
    """One HSDS service with its organization, location, phones and attributes nested."""
    service = hsds.get_service(
        session=session, catalogue=catalogue, base_url=settings.base_url, service_id=service_id
    )
    if service is None:
        raise HTTPException(status_code=404, detail=f"No service {service_id}")
    return service


@router.get("/organizations", response_model=HsdsPage)
def read_organizations(
    session: SessionDep, page: PageNumber = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    """Organizations by name."""
    return hsds.organization_page(session=session, page=page, per_page=per_page)


@router.get("/organizations/{organization_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def read_organization(organization_id: str, session: SessionDep) -> dict[str, Any]:
    """One HSDS organization."""
    organization = hsds.get_organization(session=session, organization_id_=organization_id)
    if organization is None:
        raise HTTPException(status_code=404, detail=f"No organization {organization_id}")
    return organization


@router.get("/taxonomies", response_model=HsdsPage)
def read_taxonomies(page: PageNumber = 1, per_page: PerPage = 50) -> dict[str, Any]:
    """Polku's taxonomies (services, activity types, regions …)."""
    return hsds.taxonomy_page(page=page, per_page=per_page)


@router.get("/taxonomy_terms", response_model=HsdsPage)
def read_taxonomy_terms(
    session: SessionDep, catalogue: CatalogueDep, page: PageNumber = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    """The terms of Polku's taxonomies."""
    return hsds.taxonomy_term_page(
        session=session, catalogue=catalogue, page=page, per_page=per_page
    )
