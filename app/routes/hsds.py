"""Read-only Open Referral HSDS 3.0 API: services, locations, organizations, downloads."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.interop.hsds import api as hsds_api
from app.interop.hsds import datapackage as hsds_package
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


UNSUPPORTED = "A parameter value Polku does not offer (the message says which), e.g. format=xml"
NDJSON = "application/x-ndjson"
NDJSON_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page; with `format=ndjson` every item, one JSON object per line",
        "content": {NDJSON: {"schema": {"type": "string"}}},
    }
}
NOT_FOUND = error_responses(
    {404: "No such id (also for an id that is no UUID)", 503: DATABASE_UNAVAILABLE}
)
UNAVAILABLE = NDJSON_ANSWER | error_responses(
    {400: UNSUPPORTED,
     503: "The database, or with `search` the search index, is temporarily unavailable"}
)  # fmt: skip
DATABASE = error_responses({503: DATABASE_UNAVAILABLE})
DATABASE_LIST = NDJSON_ANSWER | error_responses({400: UNSUPPORTED, 503: DATABASE_UNAVAILABLE})

PageNumber = Annotated[int, Query(ge=1, le=10_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page")]
Region = Annotated[
    RegionCode | None, Query(description="Organiser code (01–21, 90 = Helsinki, 91 = Åland)")
]
OrganizationId = Annotated[
    str | None, Query(max_length=100, description="Only services of this HSDS organization")
]
TaxonomyTermId = Annotated[
    str | None,
    Query(max_length=100, description="Only services with an attribute of this taxonomy term"),
]
TaxonomyId = Annotated[
    str | None,
    Query(max_length=100, description="Only items with a term of this taxonomy"),
]
ModifiedAfter = Annotated[
    dt.datetime | None,
    Query(description="Only services modified on or after this time (RFC 3339; UTC if no zone)"),
]
Full = Annotated[bool, Query(description="Fully nested objects instead of one-to-one fields")]
Format = Annotated[
    str | None,
    Query(
        max_length=20,
        description="`json` (the default): a page; `ndjson`: every item, one per line, no pages",
    ),
]
NotOffered = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Not offered: Polku publishes no service areas or coordinates (400 if given)",
    ),
]


def _wants_ndjson(value: str | None) -> bool:
    """`json` pages (the default) or an `ndjson` stream; any other format is refused."""
    if value in (None, "", "json"):
        return False
    if value == "ndjson":
        return True
    raise HTTPException(status_code=400, detail=f"Unknown format {value!r}: json or ndjson")


def _stream(page_of: Any) -> StreamingResponse:
    """Every item of a list as newline-delimited JSON (`page_of(page, per_page)` -> page)."""
    return StreamingResponse(hsds_api.ndjson_lines(page_of), media_type=NDJSON)


def _refuse(**values: str | None) -> None:
    """Spec parameters Polku cannot honour: a 400 naming them, never a silent full list."""
    given = [name for name, value in values.items() if value]
    if given:
        raise HTTPException(
            status_code=400,
            detail=f"Not offered: {', '.join(given)} (Polku publishes no service areas or "
            "coordinates)",
        )


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
    profile: str = Field(description="URL of Polku's HSDS profile (its Finnish extension)")
    openapi_url: str


class HsdsPage(BaseModel):
    """One page of an HSDS list endpoint; `contents` hold HSDS objects."""

    total_items: int
    total_pages: int
    page_number: int
    size: int = Field(description="Number of items on this page")
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]]


def _service_filter(
    session: SessionDep,
    cache: HsdsCacheDep,
    catalogue: CatalogueDep,
    text_search: TextSearchDep,
    region: Region = None,
    organization_id: OrganizationId = None,
    taxonomy_term_id: TaxonomyTermId = None,
    taxonomy_id: TaxonomyId = None,
    modified_after: ModifiedAfter = None,
) -> hsds_api.ServiceFilter | None:
    """The list filters, all applying together; None when an id is unknown (nothing matches).

    An empty value filters nothing, like an empty `search`.
    """
    organization_pk = term = taxonomy = None
    if organization_id:
        organization_pk = hsds_api.organization_pk(
            session=session, cache=cache, hsds_id=organization_id
        )
        if organization_pk is None:
            return None
    if taxonomy_term_id:
        term = hsds_api.term_ref(session=session, catalogue=catalogue, term_id=taxonomy_term_id)
        if term is None:
            return None
    if taxonomy_id:
        taxonomy = hsds_api.taxonomy_key(taxonomy_id)
        if taxonomy is None:
            return None
    if modified_after is not None and modified_after.tzinfo is None:
        modified_after = modified_after.replace(tzinfo=dt.UTC)
    return hsds_api.ServiceFilter(
        text_search, region, organization_pk, term, taxonomy, modified_after
    )


ServiceFilterDep = Annotated[hsds_api.ServiceFilter | None, Depends(_service_filter)]


def _empty_page(page: int, per_page: int) -> dict[str, Any]:
    return hsds_api.hsds_page([], total_items=0, page_number=page, per_page=per_page)


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
        profile=f"{settings.base_url}{hsds.PROFILE_PATH}",
        openapi_url=f"{settings.base_url}/openapi.json",
    )


@router.get("/profile", response_model=dict[str, Any])
def read_profile(settings: SettingsDep) -> dict[str, Any]:
    """Polku's HSDS profile: its Finnish taxonomies, attributes and conventions."""
    return hsds.profile_document(settings.base_url)


@router.get("/services", response_model=HsdsPage, responses=UNAVAILABLE)
def read_services(
    session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep, cache: HsdsCacheDep,
    filters: ServiceFilterDep, page: PageNumber = 1, per_page: PerPage = 50,
    minimal: Annotated[
        bool, Query(description="Only each service's id and last_modified")
    ] = False,
    full: Full = False, format: Format = None,
) -> dict[str, Any] | Response:  # fmt: skip
    """Services (one per provider): one-to-one fields with the organization, fully nested with
    `full`, or only id and last_modified with `minimal`; by name, or by relevance when
    searching."""
    ndjson = _wants_ndjson(format)
    if minimal and full:
        raise HTTPException(status_code=400, detail="minimal and full exclude each other")
    shape: hsds_api.ServiceShape = "minimal" if minimal else "full" if full else "summary"

    def page_of(number: int, size: int) -> dict[str, Any]:
        if filters is None:
            return _empty_page(number, size)
        return hsds_api.service_page(
            session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
            filters=filters, page=number, per_page=size, shape=shape,
        )  # fmt: skip

    return _stream(page_of) if ndjson else page_of(page, per_page)


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
    full: Full = False, format: Format = None, postcode: NotOffered = None,
    proximity: NotOffered = None,
) -> dict[str, Any] | Response:  # fmt: skip
    """service_at_locations with one-to-one fields, their service and location nested; fully
    nested with `full`."""
    ndjson = _wants_ndjson(format)
    _refuse(postcode=postcode, proximity=proximity)

    def page_of(number: int, size: int) -> dict[str, Any]:
        if filters is None:
            return _empty_page(number, size)
        return hsds_api.service_at_location_page(
            session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
            filters=filters, page=number, per_page=size, full=full,
        )  # fmt: skip

    return _stream(page_of) if ndjson else page_of(page, per_page)


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


FullService = Annotated[
    bool, Query(description="Nest each service fully (its attributes, locations …)")
]


@router.get("/organizations", response_model=HsdsPage, responses=UNAVAILABLE)
def read_organizations(
    session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep, cache: HsdsCacheDep,
    text_search: TextSearchDep, page: PageNumber = 1, per_page: PerPage = 50,
    full: Annotated[
        bool, Query(description="Each organization with its services (one-to-one fields)")
    ] = False,
    full_service: FullService = False, format: Format = None,
) -> dict[str, Any] | Response:  # fmt: skip
    """Organizations by name; when searching, those running a matching provider, best first."""
    ndjson = _wants_ndjson(format)
    shape: hsds_api.OrganizationShape = (
        "full_services" if full_service else "services" if full else "summary"
    )

    def page_of(number: int, size: int) -> dict[str, Any]:
        return hsds_api.organization_page(
            session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
            text_search=text_search, page=number, per_page=size, shape=shape,
        )  # fmt: skip

    return _stream(page_of) if ndjson else page_of(page, per_page)


@router.get("/organizations/{organization_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def read_organization(
    organization_id: str, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep,
    cache: HsdsCacheDep, full_service: FullService = False,
) -> dict[str, Any]:  # fmt: skip
    """One HSDS organization with its services (one-to-one fields, or fully nested)."""
    organization = hsds_api.get_organization(
        session=session, cache=cache, catalogue=catalogue, base_url=settings.base_url,
        organization_id=organization_id, full_service=full_service,
    )  # fmt: skip
    if organization is None:
        raise HTTPException(status_code=404, detail=f"No organization {organization_id}")
    return organization


TaxonomySearch = Annotated[
    str, Query(max_length=200, description="Words that must all be in the name or description")
]


@router.get(
    "/taxonomies", response_model=HsdsPage,
    responses=NDJSON_ANSWER | error_responses({400: UNSUPPORTED}),
)  # fmt: skip
def read_taxonomies(
    search: TaxonomySearch = "", page: PageNumber = 1, per_page: PerPage = 50,
    format: Format = None,
) -> dict[str, Any] | Response:  # fmt: skip
    """Polku's taxonomies (services, activity types, regions …)."""
    ndjson = _wants_ndjson(format)

    def page_of(number: int, size: int) -> dict[str, Any]:
        return hsds_api.taxonomy_page(search=search, page=number, per_page=size)

    return _stream(page_of) if ndjson else page_of(page, per_page)


@router.get("/taxonomies/{taxonomy_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def read_taxonomy(taxonomy_id: str) -> dict[str, Any]:
    """One of Polku's taxonomies."""
    taxonomy = hsds_api.get_taxonomy(taxonomy_id)
    if taxonomy is None:
        raise HTTPException(status_code=404, detail=f"No taxonomy {taxonomy_id}")
    return taxonomy


@router.get("/taxonomy_terms", response_model=HsdsPage, responses=DATABASE_LIST)
def read_taxonomy_terms(
    session: SessionDep, catalogue: CatalogueDep, search: TaxonomySearch = "",
    taxonomy_id: TaxonomyId = None,
    parent_id: Annotated[
        str | None, Query(max_length=100, description="Only terms under this term (Polku's "
                          "terms have no parents: always empty)")
    ] = None,
    top_only: Annotated[
        bool, Query(description="Only terms without a parent (all of Polku's)")
    ] = False,
    page: PageNumber = 1, per_page: PerPage = 50, format: Format = None,
) -> dict[str, Any] | Response:  # fmt: skip
    """The terms of Polku's taxonomies."""
    ndjson = _wants_ndjson(format)

    def page_of(number: int, size: int) -> dict[str, Any]:
        return hsds_api.taxonomy_term_page(
            session=session, catalogue=catalogue, search=search,
            taxonomy_id=taxonomy_id or None, parent_id=parent_id or None, top_only=top_only,
            page=number, per_page=size,
        )  # fmt: skip

    return _stream(page_of) if ndjson else page_of(page, per_page)


@router.get("/taxonomy_terms/{term_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def read_taxonomy_term(
    term_id: str, session: SessionDep, catalogue: CatalogueDep
) -> dict[str, Any]:
    """One taxonomy term, its taxonomy in `taxonomy_detail`."""
    term = hsds_api.get_taxonomy_term(session=session, catalogue=catalogue, term_id=term_id)
    if term is None:
        raise HTTPException(status_code=404, detail=f"No taxonomy_term {term_id}")
    return term


PACKAGE_BEING_WRITTEN = (
    "The data package is being written and this node has no earlier one; "
    "try again after Retry-After"
)
REVISION_HEADER = "X-Polku-Catalogue-Revision"
CURRENT_REVISION_HEADER = "X-Polku-Catalogue-Revision-Current"
PACKAGE_RESPONSES = _download_responses(
    "application/zip", {"type": "string", "format": "binary"}
) | error_responses(
    {503: "The data package is being written and this node has no earlier one, or the "
          "database is temporarily unavailable; try again after Retry-After"}
)  # fmt: skip
PACKAGE_RESPONSES[200] = PACKAGE_RESPONSES[200] | {
    "headers": {
        REVISION_HEADER: {
            "description": "The catalogue revision the file holds",
            "schema": {"type": "integer"},
        },
        CURRENT_REVISION_HEADER: {
            "description": "Only on an earlier package, served while the current one is "
            "being written: the current revision",
            "schema": {"type": "integer"},
        },
    }
}


@router.get(
    "/datapackage.zip",
    response_class=Response,
    responses=PACKAGE_RESPONSES,
)
def read_datapackage(
    request: Request, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:  # fmt: skip
    """The whole catalogue as an HSDS tabular data package (CSV files and datapackage.json).

    `X-Polku-Catalogue-Revision` is the catalogue revision the file holds. While the current
    package is being written (a minute at 100 000 providers), the answer is this node's
    earlier one, with `Cache-Control: no-cache` and the current revision in
    `X-Polku-Catalogue-Revision-Current`, or a 503 with `Retry-After` when there is none."""
    # a file per node and catalogue revision, written once in the background
    etag, revision = hsds_package.package_etag(
        session=session, catalogue=catalogue, base_url=settings.base_url
    )
    if if_none_match and etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag, REVISION_HEADER: str(revision)})
    package = hsds_package.datapackage_file(
        engine=request.app.state.engine, folder=settings.var_dir / "cache",
        catalogue=catalogue, base_url=settings.base_url,
        wait_s=settings.hsds_package_wait_s,
    )  # fmt: skip
    if isinstance(package, hsds_package.PackageBeingWritten):
        return JSONResponse(
            {"detail": PACKAGE_BEING_WRITTEN},
            status_code=503,
            headers={"Retry-After": str(package.retry_after_s), "Cache-Control": "no-store"},
        )
    headers = {"ETag": package.etag, REVISION_HEADER: str(package.revision)}
    if package.last_modified is not None:
        headers["Last-Modified"] = email.utils.format_datetime(package.last_modified, usegmt=True)
    if not package.current:  # an earlier package: clients ask again before using it
        headers |= {"Cache-Control": "no-cache", CURRENT_REVISION_HEADER: str(revision)}
        if if_none_match and etag_matches(if_none_match, package.etag):
            return Response(status_code=304, headers=headers)
    return FileResponse(
        package.path, media_type="application/zip", filename="polku-hsds.zip", headers=headers
    )


@router.get(
    "/export.json",
    response_class=Response,
    responses=_download_responses("application/json", {"type": "object"}),
)
def read_export_json(
    request: Request, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:  # fmt: skip
    """The whole catalogue as one HSDS JSON document (every table as a list)."""
    # streamed: a chunk of providers at a time (100 000 nationally)
    etag = hsds_api.json_export_etag(
        session=session, catalogue=catalogue, base_url=settings.base_url
    )
    if if_none_match and etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    engine = request.app.state.engine

    def pieces() -> Iterator[str]:
        # a session of its own: the request's may be closed before the body is sent
        with Session(engine) as own_session:
            yield from hsds.hsds_json_pieces(own_session, settings.base_url, catalogue=catalogue)

    headers = {"ETag": etag, "Content-Disposition": 'attachment; filename="polku-hsds.json"'}
    return StreamingResponse(pieces(), media_type="application/json", headers=headers)
