"""Provider catalogue pages: search with filters, exports, print view, provider page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from app import contacts, geography, i18n
from app.catalogue.providers import (
    PROVIDER_PAGES,
    ProviderDetail,
    get_provider,
    iter_provider_details,
    provider_details,
    provider_path,
)
from app.interop.csv.export import (
    DEFAULT_SEPARATOR,
    Separator,
    csv_pieces,
    export_row,
    how_to_apply,
    json_pieces,
    provider_json_ld,
)
from app.search.facets import build_facets
from app.search.widen import widenings
from app.web.deps import (
    CatalogueDep,
    NearChoicesDep,
    PlaceNamesDep,
    ProviderQueryDep,
    ProviderSearchDep,
    SessionDep,
    SettingsDep,
    search_without_blocking,
)
from app.web.templating import render

router = APIRouter(include_in_schema=False)

EXPORT_LIMIT = 200_000  # rows; the whole national catalogue (streamed: memory stays flat)
PRINT_LIMIT = 10_000  # a printed handout is rendered whole, in memory


def _is_htmx_fragment_request(request: Request) -> bool:
    """htmx asks for a fragment, except when restoring history (then it needs a full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@router.get(PROVIDER_PAGES, name="providers")
async def read_providers(
    request: Request,
    query: ProviderQueryDep,
    names: PlaceNamesDep,
    search: ProviderSearchDep,
    catalogue: CatalogueDep,
    near_choices: NearChoicesDep,
) -> Response:
    """Search page: works as a plain GET form; htmx swaps in the results fragment.

    `async`: it never waits on the database (place names are read once per process), and
    a search answered from cached work runs without a thread hop.
    """
    # "show all options": every region, type of work … with its count, 0 included, and
    # how many matches have nothing recorded (a page option, not a filter of the search)
    all_options = request.query_params.get("all_options") == "true"
    if all_options:
        query = dataclasses.replace(query, count_unrecorded=True)
    results = await search_without_blocking(search, query)
    version = i18n.current_version()
    wider = (
        await run_in_threadpool(widenings, search.search, query, results.understood)
        if results.total == 0 and (query.text or query.filters() or query.has_free_places)
        else []
    )
    context = {
        "query": query,
        "results": results,
        "widenings": wider,
        "facets": build_facets(results, query, catalogue, names, version, all_options=all_options),
        "all_options": all_options,
        "place_names": names,
        "catalogue": catalogue,
        "near_choices": near_choices,
    }
    fragment = _is_htmx_fragment_request(request)
    context["fragment"] = fragment
    template = "providers/_results.html" if fragment else "providers/index.html"
    response = render(request, template, context)
    response.headers["Vary"] = "HX-Request"
    return response


def _where_to_ask(
    session: SessionDep, details: list[ProviderDetail]
) -> dict[str, contacts.WhereToAsk]:
    """The contact facts of the regions the providers are in, by region code."""
    regions = {detail.region.code: detail.region for detail in details}
    return contacts.where_to_ask(session=session, regions=list(regions.values()))


def _export_rows(
    request: Request, query: ProviderQueryDep, search: ProviderSearchDep,
    catalogue: CatalogueDep, base_url: str,
) -> Iterator[dict[str, str]]:  # fmt: skip
    """The rows of a download, read from the database a chunk at a time while it streams (a
    session of its own: the request's may be closed before the body is sent). The reading
    version is taken now: the rows are written in another thread."""
    ids = search.matching_ids(query, EXPORT_LIMIT)
    engine = request.app.state.engine
    version, today = i18n.current_version(), dt.date.today()

    def rows() -> Iterator[dict[str, str]]:
        i18n.set_current_version(version)
        where: dict[str, contacts.WhereToAsk] = {}
        with Session(engine) as session:
            for detail in iter_provider_details(session=session, provider_ids=ids):
                region = detail.region
                if region.code not in where:
                    where[region.code] = contacts.where_to_ask_in(session=session, region=region)
                yield export_row(
                    detail,
                    f"{base_url}{provider_path(detail.id)}",
                    catalogue=catalogue,
                    version=version,
                    where=where[region.code],
                    today=today,
                )

    return rows()


@router.get(f"{PROVIDER_PAGES}.csv", name="providers_csv")
def export_providers_csv(
    request: Request, query: ProviderQueryDep, search: ProviderSearchDep,
    catalogue: CatalogueDep, settings: SettingsDep,
    sep: Annotated[
        Separator, Query(description="Cell separator: semicolon (Finnish Excel) or comma")
    ] = DEFAULT_SEPARATOR,
) -> Response:  # fmt: skip
    """The whole result set as CSV for Excel, streamed: UTF-8 with a byte-order mark,
    semicolons between cells (a Finnish Excel's list separator), or commas with
    `?sep=comma`."""
    rows = _export_rows(request, query, search, catalogue, settings.base_url)
    return StreamingResponse(
        csv_pieces(rows, sep),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="palveluntuottajat.csv"'},
    )


@router.get(f"{PROVIDER_PAGES}.json", name="providers_json")
def export_providers_json(
    request: Request, query: ProviderQueryDep, search: ProviderSearchDep,
    catalogue: CatalogueDep, settings: SettingsDep,
) -> Response:  # fmt: skip
    """The whole result set as JSON rows with the same columns as the CSV, streamed."""
    rows = _export_rows(request, query, search, catalogue, settings.base_url)
    return StreamingResponse(
        json_pieces(rows),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="palveluntuottajat.json"'},
    )


@router.get(f"{PROVIDER_PAGES}/tuloste", name="providers_print")
def read_providers_print(
    request: Request, query: ProviderQueryDep, session: SessionDep, search: ProviderSearchDep,
    catalogue: CatalogueDep, names: PlaceNamesDep,
) -> Response:  # fmt: skip
    """The whole result set as a handout for A4 portrait: each provider with its contact,
    work types, free places, how to apply (and its distance, nearest first); then where to
    ask in each region."""
    ids = search.matching_ids(query, PRINT_LIMIT)
    details = provider_details(session=session, provider_ids=ids)
    where = _where_to_ask(session, details)
    version = i18n.current_version()
    apply_lines = {
        detail.id: how_to_apply(detail.services, detail.region, catalogue, version)
        for detail in details
    }
    origin = search.distance_origin(query) if query.near else None
    distances = (
        {
            detail.id: geography.distance_km(origin, detail.provider.municipality_code)
            for detail in details
        }
        if origin
        else None
    )
    return render(
        request,
        "providers/print.html",
        {
            "query": query,
            "details": details,
            "catalogue": catalogue,
            "today": dt.date.today(),
            "apply_lines": apply_lines,
            "where_by_region": where,
            "near_origin": names["municipality"].get(origin, origin) if origin else None,
            "distances": distances,
        },
    )


@router.get(f"{PROVIDER_PAGES}/{{provider_id}}", name="provider")
def read_provider(
    request: Request, provider_id: int, session: SessionDep, catalogue: CatalogueDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """One provider with all its facts, its source and how old they are."""
    detail = get_provider(session=session, provider_id=provider_id)
    if detail is None:
        raise HTTPException(status_code=404)
    page_url = f"{settings.base_url}{provider_path(provider_id)}"
    return render(
        request,
        "providers/provider.html",
        {
            "detail": detail,
            "catalogue": catalogue,
            "json_ld": provider_json_ld(detail, page_url),
            "apply_lines": how_to_apply(
                detail.services, detail.region, catalogue, i18n.current_version()
            ),
        },
    )
