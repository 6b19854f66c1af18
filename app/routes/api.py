"""JSON API, version 1."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from app import contacts, geography, i18n
from app.contacts import ContactChannelPublic, ServicePagePublic
from app.guide.content import Guide, GuidePage
from app.web.deps import DATABASE_UNAVAILABLE, SessionDep, SettingsDep, error_responses

router = APIRouter(prefix="/api/v1", tags=["api"])


class MunicipalityPublic(BaseModel):
    """A municipality of a region."""

    code: str = Field(description="Three-digit municipality code (Statistics Finland)")
    name_fi: str
    name_sv: str


class RegionPublic(BaseModel):
    """An organiser of social services: a wellbeing region or the City of Helsinki."""

    code: str = Field(description="Two-digit organiser code; 90 = City of Helsinki")
    name_fi: str
    name_sv: str
    name_en: str
    website: str | None = Field(description="Official website, confirmed from a public page")
    contacts: list[ContactChannelPublic] = Field(
        description="Where working-age adults ask about social services; empty when no "
        "contact was found (then ask the region's social services through its website)"
    )
    service_pages: list[ServicePagePublic]
    municipalities: list[MunicipalityPublic]
    url: str = Field(description="The region on the Polku regions page")


@router.get(
    "/regions",
    response_model=list[RegionPublic],
    responses=error_responses({503: DATABASE_UNAVAILABLE}),
)
def read_regions(session: SessionDep, settings: SettingsDep) -> list[RegionPublic]:
    """List the 22 organisers (21 wellbeing regions and Helsinki) with their municipalities."""
    grouped = geography.municipalities_by_region(session=session)
    regions_path = i18n.localized_path("/alueet", "fi")
    organisers = geography.list_organisers(session=session)
    where = contacts.where_to_ask(session=session, regions=organisers)
    return [
        RegionPublic(
            code=region.code,
            name_fi=region.name_fi,
            name_sv=region.name_sv,
            name_en=region.name_en,
            website=region.website,
            contacts=contacts.public_channels(where[region.code]),
            service_pages=contacts.public_service_pages(where[region.code]),
            municipalities=[
                MunicipalityPublic(code=m.code, name_fi=m.name_fi, name_sv=m.name_sv)
                for m in grouped.get(region.code, [])
            ],
            url=f"{settings.base_url}{regions_path}#alue-{region.code}",
        )
        for region in organisers
    ]


class ServiceVersionUrls(BaseModel):
    """Absolute addresses of the four reading versions of a guide page."""

    url: str = Field(description="Finnish")
    url_selko: str = Field(description="Easy Finnish (selkosuomi)")
    url_sv: str = Field(description="Swedish")
    url_en: str = Field(description="English")


class ServiceSummary(ServiceVersionUrls):
    """A guide page in the list of services."""

    code: str = Field(description="Stable service code, e.g. kuntouttava-tyotoiminta")
    name: str
    kind: str = Field(description="core, related or topic")
    summary: str
    last_checked: dt.date
    missing_versions: list[str] = Field(
        description="Reading versions not yet written; they fall back to Finnish"
    )


class ServiceSection(BaseModel):
    """One section of a guide page."""

    id: str
    heading: str
    text: str = Field(description="Markdown; internal links use guide:<code> targets")
    html: str


class ServiceDetail(ServiceSummary):
    """A guide page with its sections, sources and laws."""

    version: str
    sections: list[ServiceSection]
    law: list[dict[str, str]]
    sources: list[dict[str, str | int | None]]
    related: list[str]


def _service_summary(guide: Guide, page: GuidePage, base_url: str, lang: str) -> ServiceSummary:
    shown = guide.page(page.code, lang) or page
    urls = {
        key: f"{base_url}{i18n.localized_path(f'/palvelut/{page.code}', version)}"
        for key, version in (
            ("url", "fi"),
            ("url_selko", "fi-selko"),
            ("url_sv", "sv"),
            ("url_en", "en"),
        )
    }
    missing: list[str] = [
        v for v in i18n.VERSIONS if (p := guide.page(page.code, v)) is None or p.missing
    ]
    if shown.missing:
        shown = page
    return ServiceSummary(
        code=page.code,
        name=shown.title,
        kind=page.kind,
        summary=shown.summary,
        last_checked=shown.last_checked,
        missing_versions=missing,
        **urls,
    )


LangQuery = Annotated[
    Literal["fi", "fi-selko", "sv", "en"],
    Query(description="Reading version of the names, summaries and sections"),
]


@router.get("/services", response_model=list[ServiceSummary])
def read_services(
    request: Request, settings: SettingsDep, lang: LangQuery = "fi"
) -> list[ServiceSummary]:
    """List every guide page (core services, related services, topics)."""
    guide: Guide = request.app.state.guide
    return [
        _service_summary(guide, page, settings.base_url, lang)
        for kind in ("core", "related", "topic")
        for page in guide.pages_of_kind(kind, "fi")
    ]


@router.get(
    "/services/{code}",
    response_model=ServiceDetail,
    responses=error_responses({404: "Unknown code"}),
)
def read_service(
    request: Request, code: str, settings: SettingsDep, lang: LangQuery = "fi"
) -> ServiceDetail:
    """One guide page with its sections in the requested reading version."""
    guide: Guide = request.app.state.guide
    finnish = guide.page(code, "fi")
    if finnish is None:
        raise HTTPException(status_code=404, detail=f"Unknown service code: {code}")
    requested = guide.page(code, lang)
    page = requested if requested is not None and not requested.missing else finnish
    summary = _service_summary(guide, finnish, settings.base_url, lang)
    return ServiceDetail(
        **summary.model_dump(),
        version=page.version,
        sections=[
            ServiceSection(id=s.id, heading=s.heading, text=s.markdown, html=s.html)
            for s in page.sections
        ],
        law=[{"name": law.name, "url": law.url} for law in page.law],
        sources=[
            {"id": s.id, "title": s.title, "publisher": s.publisher, "year": s.year, "url": s.url}
            for s in page.sources
        ],
        related=page.related,
    )
