"""Provider catalogue pages: search with filters, exports, print view, provider page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app import i18n
from app.catalogue.providers import PROVIDER_PAGES, get_provider, provider_details, provider_path
from app.interop.csv.export import export_row, provider_json_ld, rows_to_csv
from app.search.facets import build_facets
from app.search.widen import widenings
from app.web.deps import (
    CatalogueDep,
    PlaceNamesDep,
    ProviderQueryDep,
    ProviderSearchDep,
    SessionDep,
    SettingsDep,
    search_without_blocking,
)
from app.web.templating import render

router = APIRouter(include_in_schema=False)

EXPORT_LIMIT = 10_000  # rows; a region's whole catalogue fits comfortably


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
        await run_in_threadpool(widenings, search.search, query)
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
    }
    fragment = _is_htmx_fragment_request(request)
    context["fragment"] = fragment
    template = "providers/_results.html" if fragment else "providers/index.html"
    response = render(request, template, context)
    response.headers["Vary"] = "HX-Request"
    return response


def _export_rows(
    request: Request, query: ProviderQueryDep, session: SessionDep, search: ProviderSearchDep,
    base_url: str,
) -> list[dict[str, str]]:  # fmt: skip
    ids = search.matching_ids(query, EXPORT_LIMIT)
    details = provider_details(session=session, provider_ids=ids)
    return [export_row(detail, f"{base_url}{provider_path(detail.id)}") for detail in details]


@router.get(f"{PROVIDER_PAGES}.csv", name="providers_csv")
def export_providers_csv(
    request: Request, query: ProviderQueryDep, session: SessionDep, search: ProviderSearchDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """The whole result set as CSV (UTF-8 with BOM, opens in Excel)."""
    rows = _export_rows(request, query, session, search, settings.base_url)
    return Response(
        rows_to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="palveluntuottajat.csv"'},
    )


@router.get(f"{PROVIDER_PAGES}.json", name="providers_json")
def export_providers_json(
    request: Request, query: ProviderQueryDep, session: SessionDep, search: ProviderSearchDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """The whole result set as JSON rows with the same columns as the CSV."""
    rows = _export_rows(request, query, session, search, settings.base_url)
    return Response(
        json.dumps(rows, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="palveluntuottajat.json"'},
    )


@router.get(f"{PROVIDER_PAGES}/tuloste", name="providers_print")
def read_providers_print(
    request: Request, query: ProviderQueryDep, session: SessionDep, search: ProviderSearchDep,
    catalogue: CatalogueDep,
) -> Response:  # fmt: skip
    """A compact table of the whole result set for printing on A4."""
    ids = search.matching_ids(query, EXPORT_LIMIT)
    details = provider_details(session=session, provider_ids=ids)
    return render(
        request,
        "providers/print.html",
        {"query": query, "details": details, "catalogue": catalogue, "today": dt.date.today()},
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
        },
    )
