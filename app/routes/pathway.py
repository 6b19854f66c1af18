"""The questionnaire pages: one question per page, answers only in the address, no cookies."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from app import contacts, geography, i18n
from app.catalogue.providers import service_counts
from app.pathway.content import Pathway
from app.pathway.questions import AnswerError, Answers, Question
from app.pathway.rules import evaluate, notes_for
from app.urgent_help import UrgentHelp
from app.web.deps import SessionDep
from app.web.templating import render

router = APIRouter(include_in_schema=False)

CHANGE_FLAG = "muuta"  # set when a question is answered again from the check page
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the address holds the answers: never pass it on
}


def _pathway(request: Request) -> Pathway:
    pathway: Pathway = request.app.state.pathway
    return pathway


def _params(request: Request) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        grouped.setdefault(key, []).append(value)
    return grouped


def _answers(request: Request, session: SessionDep) -> tuple[Answers, list[AnswerError]]:
    codes = frozenset(m.code for m in geography.list_municipalities(session=session))
    return _pathway(request).questionnaire.parse(_params(request), codes)


def answers_query(answers: Answers, **extra: str) -> str:
    """The answers as a query string (several values repeat the parameter)."""
    pairs = [(qid, value) for qid, values in answers.items() for value in values]
    pairs += [(key, value) for key, value in extra.items() if value]
    return urlencode(pairs)


def _page(
    request: Request, template: str, context: dict[str, object], status: int = 200
) -> Response:
    version = i18n.current_version()
    pathway = _pathway(request)
    response = render(
        request,
        template,
        {"texts": pathway.text(version), "questionnaire": pathway.questionnaire, **context},
        status,
    )
    response.headers.update(PRIVATE_HEADERS)
    if request.headers.get("HX-Request") == "true":
        public = i18n.localized_path(request.url.path, version)
        response.headers["HX-Push-Url"] = (
            f"{public}?{request.url.query}" if request.url.query else public
        )
    return response


def _redirect(request: Request, name: str, query: str, **params: str) -> Response:
    path = i18n.localized_path(
        str(request.app.url_path_for(name, **params)), i18n.current_version()
    )
    response = RedirectResponse(f"{path}?{query}" if query else path, status_code=303)
    response.headers.update(PRIVATE_HEADERS)
    return response


def _bad_address(request: Request, errors: list[AnswerError]) -> Response:
    return _page(request, "pathway/bad_address.html", {"errors": errors}, 422)


@router.get("/polku", name="pathway")
def read_pathway_start(request: Request) -> Response:
    """Start page: how many questions, that nothing is stored, a start button."""
    first = _pathway(request).questionnaire.questions[0]
    return _page(request, "pathway/start.html", {"first": first})


@router.get("/polku/kysymys/{question_id}", name="pathway_question")
def read_pathway_question(request: Request, question_id: str, session: SessionDep) -> Response:
    """One question, with earlier answers carried in hidden fields."""
    questionnaire = _pathway(request).questionnaire
    question = questionnaire.question(question_id)
    if question is None:
        raise HTTPException(status_code=404)
    answers, errors = _answers(request, session)
    if errors:
        return _bad_address(request, errors)
    return _question_page(request, session, question, answers, missing=False)


def _question_page(
    request: Request, session: SessionDep, question: Question, answers: Answers, *, missing: bool
) -> Response:
    questionnaire = _pathway(request).questionnaire
    changing = request.query_params.get(CHANGE_FLAG) == "1"
    others = {qid: values for qid, values in answers.items() if qid != question.id}
    previous = questionnaire.previous_question(answers, question.id)
    asked = [q.id for q in questionnaire.asked(answers)]
    context = {
        "question": question,
        "chosen": answers.get(question.id, ()),
        "hidden": [(qid, value) for qid, values in others.items() for value in values],
        "changing": changing,
        "missing": missing,
        "number": asked.index(question.id) + 1 if question.id in asked else len(asked),
        "total": len(questionnaire.questions),
        "back_query": answers_query(answers),
        "back_question": None if changing else previous,
        "municipalities": geography.list_municipalities(session=session)
        if question.id == "municipality"
        else [],
    }
    return _page(request, "pathway/question.html", context, 422 if missing else 200)


@router.get("/polku/seuraava", name="pathway_next")
def read_pathway_next(request: Request, session: SessionDep) -> Response:
    """Take the answer to the current question and go on to the next step."""
    questionnaire = _pathway(request).questionnaire
    current = questionnaire.question(request.query_params.get("kysymys", ""))
    if current is None:
        raise HTTPException(status_code=404)
    answers, errors = _answers(request, session)
    if errors:
        return _bad_address(request, errors)
    if current.id not in answers and not current.optional:
        return _question_page(request, session, current, answers, missing=True)
    answers = questionnaire.relevant(answers)
    changing = request.query_params.get(CHANGE_FLAG) == "1"
    following = questionnaire.after(answers, current.id, only_unanswered=changing)
    if following is None:
        return _redirect(request, "pathway_check", answers_query(answers))
    flag = "1" if changing else ""
    return _redirect(
        request, "pathway_question", answers_query(answers, **{CHANGE_FLAG: flag}),
        question_id=following.id,
    )  # fmt: skip


@router.get("/polku/tarkista", name="pathway_check")
def read_pathway_check(request: Request, session: SessionDep) -> Response:
    """Every answer with a link to change it, before the result."""
    questionnaire = _pathway(request).questionnaire
    answers, errors = _answers(request, session)
    if errors:
        return _bad_address(request, errors)
    answers = questionnaire.relevant(answers)
    unanswered = questionnaire.first_unanswered(answers)
    if unanswered is not None:
        return _redirect(
            request, "pathway_question", answers_query(answers), question_id=unanswered.id
        )
    municipalities = {m.code: m for m in geography.list_municipalities(session=session)}
    return _page(
        request,
        "pathway/check.html",
        {
            "answers": answers,
            "asked": questionnaire.asked(answers),
            "query": answers_query(answers),
            "municipalities": municipalities,
        },
    )


@router.get("/polku/tulos", name="pathway_result")
def read_pathway_result(request: Request, session: SessionDep) -> Response:
    """Suggested services with reasons, exclusions, and whom to contact in the region."""
    pathway = _pathway(request)
    answers, errors = _answers(request, session)
    if errors:
        return _bad_address(request, errors)
    answers = pathway.questionnaire.relevant(answers)
    if pathway.questionnaire.first_unanswered(answers) is not None:
        return _redirect(request, "pathway_check", answers_query(answers))
    result = evaluate(pathway.rules, answers)
    urgent_help: UrgentHelp = request.app.state.urgent_help
    urgent = (
        urgent_help.box(i18n.current_version())
        if urgent_help.shown_for_support(answers.get("support", ()))
        else None
    )
    municipality = region = None
    if "municipality" in answers:
        municipality = next(
            (
                m
                for m in geography.list_municipalities(session=session)
                if m.code == answers["municipality"][0]
            ),
            None,
        )
        if municipality is not None:
            region = geography.get_region(session=session, code=municipality.region_code)
    guide = request.app.state.guide
    return _page(
        request,
        "pathway/result.html",
        {
            "answers": answers,
            "result": result,
            "notes": notes_for(pathway.note_rules, answers, result, after_suggestions=False),
            "notes_after": notes_for(pathway.note_rules, answers, result, after_suggestions=True),
            "urgent": urgent,
            "query": answers_query(answers),
            "municipality": municipality,
            "region": region,
            "where": contacts.where_to_ask_in(session=session, region=region)
            if region is not None and region.is_organiser
            else None,
            "employment_area_found": contacts.employment_areas_of(
                session=session, municipality_codes=[municipality.code]
            ).get(municipality.code)
            if municipality is not None
            else None,
            "provider_counts": service_counts(session=session, region_code=region.code)
            if region is not None and region.is_organiser
            else {},
            "first_contact": contacts.first_contacts(),
            "guide": guide,
        },
    )
