"""Typed request dependencies shared by the route modules.

Dependencies that only read the app's state are `async def`: FastAPI runs a plain `def`
dependency in its thread pool, one thread hop per dependency and request.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, StringConstraints
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import geography, i18n
from app.catalogue.resources import CatalogueResources
from app.config import Settings
from app.db import session_scope
from app.guide.content import SERVICE_CODES
from app.search.service import (
    MAX_PER_PAGE,
    ProviderQuery,
    ProviderSearch,
    SearchResults,
    Synonyms,
)
from app.search.store import IndexReader

ServiceCode = StrEnum("ServiceCode", {code: code for code in SERVICE_CODES})  # type: ignore[misc]


def get_session(request: Request) -> Iterator[Session]:
    """One database session per request, always closed."""
    yield from session_scope(request.app.state.engine)


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_index_reader(request: Request) -> IndexReader:
    """The process's search index reader."""
    reader: IndexReader = request.app.state.index_reader
    return reader


async def get_engine(request: Request) -> Engine:
    """The process's database engine (for checks that must not fail like a request would)."""
    engine: Engine = request.app.state.engine
    return engine


SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
IndexDep = Annotated[IndexReader, Depends(get_index_reader)]


async def get_catalogue(request: Request) -> CatalogueResources:
    """Vocabularies, mappings and synonyms loaded at start-up."""
    resources: CatalogueResources = request.app.state.catalogue
    return resources


CatalogueDep = Annotated[CatalogueResources, Depends(get_catalogue)]


async def place_names_in(request: Request, language: str) -> geography.PlaceNames:
    """Region and municipality names in `language` (fi, sv, en), read once per process."""
    engine = request.app.state.engine
    names = geography.cached_place_names(engine=engine, language=language)
    if names is None:  # first request of the process: the database is read in a thread
        names = await run_in_threadpool(geography.place_names, engine=engine, language=language)
    return names


async def get_place_names(request: Request) -> geography.PlaceNames:
    """Region and municipality names in the UI language, read once per process."""
    return await place_names_in(request, i18n.current_locale())


PlaceNamesDep = Annotated[geography.PlaceNames, Depends(get_place_names)]


async def get_near_choices(names: PlaceNamesDep) -> list[tuple[str, str]]:
    """The "near me" picker's municipalities, (code, name) sorted by the name shown."""
    return geography.municipality_choices(names["municipality"], i18n.current_locale())


NearChoicesDep = Annotated[list[tuple[str, str]], Depends(get_near_choices)]


class ApiError(BaseModel):
    """The JSON body of an API error (404, 503)."""

    detail: str


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for JSON errors, so that clients (and the fuzz tests) know them."""
    return {code: {"model": ApiError, "description": text} for code, text in descriptions.items()}


DATABASE_UNAVAILABLE = "The database is temporarily unavailable; try again after Retry-After"
SEARCH_UNAVAILABLE = "Search is temporarily unavailable; try again after Retry-After"

RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]


async def get_provider_query(
    catalogue: CatalogueDep,
    q: Annotated[
        str, Query(max_length=200, description="Free text; Finnish inflection understood")
    ] = "",
    region: Annotated[
        list[RegionCode], Query(description="Organiser code (01–21, 90 = Helsinki)")
    ] = [],  # noqa: B006 – FastAPI copies defaults per request
    municipality: Annotated[
        list[MunicipalityCode], Query(description="Three-digit municipality code")
    ] = [],  # noqa: B006
    service: Annotated[list[ServiceCode], Query(description="Service code")] = [],  # noqa: B006
    activity: Annotated[list[str], Query(description="Activity type code")] = [],  # noqa: B006
    target_group: Annotated[list[str], Query(description="Target group code")] = [],  # noqa: B006
    language: Annotated[list[Literal["fi", "sv", "en"]], Query()] = [],  # noqa: B006
    status: Annotated[
        list[Literal["current", "verify", "closed"]],
        Query(description="Default: current and verify; closed only when asked for"),
    ] = [],  # noqa: B006
    sort: Annotated[Literal["relevance", "name", "municipality"], Query()] = "relevance",
    has_free_places: Annotated[
        bool, Query(description="Only providers whose free places were given in the last 60 days")
    ] = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
    near: Annotated[
        str,
        Query(
            max_length=3,
            description="Three-digit municipality code: results nearest first, measured "
            "between municipality centres (the requested sort breaks ties; providers with "
            "no municipality last). A municipality named in `q` is then the place to measure "
            "from instead, and no longer filters. Empty: not ordered by distance. "
            "Added in 2026-12.",
        ),
    ] = "",
) -> ProviderQuery:
    """Parse and validate the catalogue's query parameters (shared by pages, exports, API)."""
    errors = [
        {"loc": ["query", name], "msg": f"Unknown code: {value}", "type": "value_error"}
        for name, values, allowed in (
            ("activity", activity, catalogue.vocabularies.activity_types),
            ("target_group", target_group, catalogue.vocabularies.target_groups),
        )
        for value in values
        if value not in allowed
    ]
    if near and not geography.is_known_place(near):
        errors.append(
            {
                "loc": ["query", "near"],
                "msg": f"Unknown municipality code: {near} (expected a three-digit code such "
                "as 179)",
                "type": "value_error",
            }
        )
    if errors:
        raise RequestValidationError(errors)
    return ProviderQuery(
        text=q.strip(),
        region=list(dict.fromkeys(region)),
        municipality=list(dict.fromkeys(municipality)),
        service=list(dict.fromkeys(str(code) for code in service)),
        activity=list(dict.fromkeys(activity)),
        target_group=list(dict.fromkeys(target_group)),
        language=list(dict.fromkeys(language)),
        status=list(dict.fromkeys(status)),
        sort=sort,
        has_free_places=has_free_places,
        page=page,
        per_page=per_page,
        near=near or None,
    )


ProviderQueryDep = Annotated[ProviderQuery, Depends(get_provider_query)]


async def get_synonyms(request: Request) -> Synonyms:
    """The search synonyms loaded at start-up."""
    synonyms: Synonyms = request.app.state.synonyms
    return synonyms


SynonymsDep = Annotated[Synonyms, Depends(get_synonyms)]


async def get_provider_search(index_reader: IndexDep, synonyms: SynonymsDep) -> ProviderSearch:
    """Search over the current index generation with the catalogue's synonyms."""
    return ProviderSearch(index_reader=index_reader, synonyms=synonyms)


ProviderSearchDep = Annotated[ProviderSearch, Depends(get_provider_search)]


async def search_without_blocking(search: ProviderSearch, query: ProviderQuery) -> SearchResults:
    """Run a search from an `async` endpoint without holding up other people's requests.

    A search answered from cached work runs right here on the event loop, which spares a
    thread hop (half the API's throughput). Any other search runs in the thread pool, so
    that its Whoosh query does not stop the event loop while it lasts.
    """
    if search.is_quick(query):
        return search.search(query)
    return await run_in_threadpool(search.search, query)
