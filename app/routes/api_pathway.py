"""JSON API of the questionnaire: the same answers as query parameters, the same rules."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, StringConstraints

from app import contacts, geography
from app.contacts import ContactChannelPublic, EmploymentAreaPublic
from app.pathway.content import Pathway
from app.pathway.questions import Answers
from app.pathway.rules import evaluate
from app.web.deps import DATABASE_UNAVAILABLE, SessionDep, SettingsDep, error_responses

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

router = APIRouter(prefix="/api/v1", tags=["pathway"])

YesNoUnsure = Literal["yes", "no", "unsure"]
Age = Literal["under-18", "18-24", "25-29", "30-64", "65-plus"]
Situation = Literal[
    "employed", "unemployed-short", "unemployed-long", "student", "pension", "pension-partial",
    "other",
]  # fmt: skip
Support = Literal["substance", "mental-health", "loneliness", "money", "integration", "none"]


class SuggestionOut(BaseModel):
    """A service that may suit, with the reasons in the requested language."""

    service: str = Field(description="Service code of the guide")
    fit: Literal["likely", "possible"]
    reasons: list[str]


class ExclusionOut(BaseModel):
    """A service that does not fit these answers, and why."""

    service: str
    reason: str
    instead: list[str] = Field(description="Service codes that fit instead")


class RegionOut(BaseModel):
    """The wellbeing region of the given municipality and where to ask."""

    code: str
    name: str
    website: str | None
    contacts: list[ContactChannelPublic]
    employment_area: EmploymentAreaPublic | None = Field(
        description="The municipality's employment area where a source names it; null: ask "
        "the municipality's employment services"
    )
    url: str = Field(description="The region's page on Polku")


class PathwayOut(BaseModel):
    """Guidance, not a decision: a professional assesses the need."""

    suggestions: list[SuggestionOut]
    excluded: list[ExclusionOut]
    region: RegionOut | None


@router.get(
    "/pathway", response_model=PathwayOut, responses=error_responses({503: DATABASE_UNAVAILABLE})
)
def read_pathway(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    age: Annotated[Age, Query()],
    situation: Annotated[
        Situation | None,
        Query(
            description="Required for ages 18–64. `pension`: full disability pension or "
            "rehabilitation subsidy; `pension-partial`: partial disability pension"
        ),
    ] = None,
    jobseeker: Annotated[YesNoUnsure | None, Query()] = None,
    limits: Annotated[Literal["none", "some", "a-lot", "unsure"] | None, Query()] = None,
    disability: Annotated[YesNoUnsure | None, Query()] = None,
    intellectual_disability: Annotated[YesNoUnsure | None, Query()] = None,
    goal: Annotated[
        Literal["job", "studies", "daily-activity", "everyday-life", "unsure"] | None, Query()
    ] = None,
    support: Annotated[list[Support], Query(description="Repeatable")] = [],  # noqa: B006 – FastAPI copies defaults per request
    municipality: Annotated[
        str | None, StringConstraints(pattern=r"^[0-9]{3}$"), Query(description="3-digit code")
    ] = None,
    lang: Annotated[Literal["fi", "sv", "en", "fi-selko"], Query()] = "fi",
) -> PathwayOut:
    """Suggest services for the answers; unanswered later questions count as not known."""
    # The address holds the answers: neither kept by caches nor passed on (PR-03), as the
    # questionnaire's pages do.
    response.headers.update(PRIVATE_HEADERS)
    pathway: Pathway = request.app.state.pathway
    given: dict[str, list[str | None]] = {
        "age": [age], "situation": [situation], "jobseeker": [jobseeker], "limits": [limits],
        "disability": [disability], "intellectual_disability": [intellectual_disability],
        "goal": [goal], "support": list(support), "municipality": [municipality],
    }  # fmt: skip
    codes = frozenset(m.code for m in geography.list_municipalities(session=session))
    params = {key: [v for v in values if v] for key, values in given.items()}
    answers: Answers
    answers, errors = pathway.questionnaire.parse(params, codes)
    if errors:
        raise RequestValidationError(
            [
                {
                    "loc": ["query", e.question],
                    "msg": f"Unknown value: {e.value}",
                    "type": e.problem,
                }
                for e in errors
            ]
        )
    answers = pathway.questionnaire.relevant(answers)
    asked = {q.id for q in pathway.questionnaire.asked(answers)}
    if "situation" in asked and "situation" not in answers:
        raise RequestValidationError(
            [{"loc": ["query", "situation"], "msg": "Field required", "type": "missing"}]
        )
    texts = pathway.text(lang)
    result = evaluate(pathway.rules, answers)
    region_out = None
    if municipality and municipality in codes:
        found = next(
            m for m in geography.list_municipalities(session=session) if m.code == municipality
        )
        region = geography.get_region(session=session, code=found.region_code)
        area = contacts.employment_areas_of(session=session, municipality_codes=[municipality]).get(
            municipality
        )
        if region is not None and region.is_organiser:
            name = {"sv": region.name_sv, "en": region.name_en}.get(lang, region.name_fi)
            region_out = RegionOut(
                code=region.code,
                name=name,
                website=region.website,
                contacts=contacts.public_channels(
                    contacts.where_to_ask_in(session=session, region=region)
                ),
                employment_area=contacts.public_area(area) if area else None,
                url=f"{settings.base_url}/alueet/{region.code}",
            )
    return PathwayOut(
        suggestions=[
            SuggestionOut.model_validate(
                {
                    "service": s.service,
                    "fit": s.fit,
                    "reasons": [texts["reasons"][r.key] for r in s.reasons],
                }
            )
            for s in result.suggestions
        ],
        excluded=[
            ExclusionOut(
                service=e.service,
                reason=texts["exclusions"][e.reason.key],
                instead=list(e.instead),
            )
            for e in result.excluded
        ],
        region=region_out,
    )
