"""Site pages: home, regions, accessibility statement."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app import contacts, geography, i18n
from app.catalogue.providers import provider_details, providers_by_service, region_provider_ids
from app.guide.site_pages import load_site_page
from app.models import OUTSIDE_SYSTEM_REGION_CODE
from app.pathway.content import Pathway
from app.web.deps import CatalogueDep, NearChoicesDep, SessionDep
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", name="home")
def read_home(request: Request, near_choices: NearChoicesDep) -> Response:
    """Home page: routes clients, professionals and relatives onwards."""
    return render(request, "pages/home.html", {"near_choices": near_choices})


@router.get("/alueet", name="regions")
def read_regions(request: Request, session: SessionDep) -> Response:
    """All 22 organisers with their municipalities and official website."""
    regions = geography.list_organisers(session=session)
    pathway: Pathway = request.app.state.pathway
    return render(
        request,
        "pages/regions.html",
        {
            "regions": regions,
            "where": contacts.where_to_ask(session=session, regions=regions),
            "municipalities": geography.municipalities_by_region(session=session),
            "aland": geography.get_region(session=session, code=OUTSIDE_SYSTEM_REGION_CODE),
            # The questionnaire's checked Åland note (KST, AMS), so that both pages agree.
            "aland_note": pathway.text(i18n.current_version())["notes"]["outside-regions"],
        },
    )


@router.get("/saavutettavuus", name="accessibility")
def read_accessibility_statement(request: Request) -> Response:
    """The accessibility statement required by Act 306/2019, with the feedback contact."""
    page = load_site_page("saavutettavuus", i18n.current_locale())
    return render(request, "pages/site_page.html", {"page": page})


@router.get("/alueet/{code}", name="region")
def read_region(
    request: Request, code: str, session: SessionDep, catalogue: CatalogueDep
) -> Response:
    """One organiser: its municipalities, where to ask, and its providers by service."""
    region = geography.get_region(session=session, code=code)
    if region is None or not region.is_organiser:
        raise HTTPException(status_code=404)
    details = provider_details(
        session=session, provider_ids=region_provider_ids(session=session, region_code=code)
    )
    municipalities = geography.municipalities_by_region(session=session).get(code, [])
    return render(
        request,
        "pages/region.html",
        {
            "region": region,
            "where": contacts.where_to_ask_in(session=session, region=region),
            "municipalities": municipalities,
            "area_groups": contacts.employment_areas_by_region(
                session=session, municipalities=municipalities
            ),
            "providers_by_service": providers_by_service(details),
            "provider_count": len(details),
            "catalogue": catalogue,
        },
    )
