"""Service guide pages: the index and one page per service, in four reading versions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app import contacts, geography, i18n
from app.guide.content import COMPARISON_CODE, REFORM_CODE, SERVICE_CODES, Guide
from app.urgent_help import UrgentHelp
from app.web.deps import NearChoicesDep, SessionDep
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def _guide(request: Request) -> Guide:
    guide: Guide = request.app.state.guide
    return guide


@router.get("/palvelut", name="services")
def read_services(request: Request) -> Response:
    """Cards for the core and related services, and the reform and comparison pages."""
    guide, version = _guide(request), i18n.current_version()
    return render(
        request,
        "services/index.html",
        {
            "core": guide.pages_of_kind("core", version),
            "related": guide.pages_of_kind("related", version),
            "reform": guide.page(REFORM_CODE, version),
            "comparison": guide.page(COMPARISON_CODE, version),
        },
    )


MUNICIPALITY_PARAMETER = "kunta"  # the municipality chosen in the "where to ask" form


def _local_contacts(session: SessionDep, code: str, chosen: str) -> tuple[dict[str, object], int]:
    """The "where to ask in your municipality" form and its answer, on the pages that
    have one; an unknown municipality code is answered 422 with a message by the form."""
    if code not in contacts.local_contact_pages():
        return {"local_form": None}, 200
    organisers = {region.code for region in geography.list_organisers(session=session)}
    municipalities = [
        m for m in geography.list_municipalities(session=session) if m.region_code in organisers
    ]
    found = contacts.local_contacts(session=session, municipality_code=chosen) if chosen else None
    invalid = bool(chosen) and found is None
    form = {"municipalities": municipalities, "chosen": chosen, "found": found, "invalid": invalid}
    return {"local_form": form}, 422 if invalid else 200


@router.get("/palvelut/{code}", name="service")
def read_service(
    request: Request, code: str, session: SessionDep, near_choices: NearChoicesDep, kunta: str = ""
) -> Response:
    """One guide page; a version not yet written shows the Finnish page with a notice.

    Pages where the employment area is the way in (`contacts.local_contact_pages`) carry a
    municipality form (GET `kunta`): it names the region's contact and the employment area."""
    guide, version = _guide(request), i18n.current_version()
    page = guide.page(code, version)
    if page is None:
        raise HTTPException(status_code=404)
    shown = guide.page(code, "fi") if page.missing else page
    assert shown is not None  # noqa: S101 – load_guide guarantees a Finnish version
    related = [p for c in shown.related if (p := guide.page(c, version)) is not None]
    urgent_help: UrgentHelp = request.app.state.urgent_help
    urgent = urgent_help.box(version) if urgent_help.shown_on_guide_page(code) else None
    local, status = _local_contacts(session, code, kunta.strip()[:10])
    return render(
        request,
        "services/page.html",
        {
            "page": shown,
            "requested_missing": page.missing,
            "related_pages": related,
            "reform": guide.page(REFORM_CODE, version),
            "content_lang": i18n.html_lang(shown.version),
            "urgent": urgent,
            # services that providers offer get "find places near you"
            "near_choices": near_choices if code in SERVICE_CODES else None,
            "municipality_parameter": MUNICIPALITY_PARAMETER,
            **local,
        },
        status,
    )
