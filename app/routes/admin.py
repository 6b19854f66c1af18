"""Maintainer area: sign-in, the review list, editing with a change log, checks, closing."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from app import accounts, geography, i18n
from app.catalogue import maintenance, policy, submissions
from app.catalogue.providers import ProviderDetail, get_provider
from app.guide.content import SERVICE_CODES
from app.models import ImportConflict, Submission, User
from app.web.auth import (
    UserDep,
    csrf_on_state_changes,
    require_csrf,
    session_signer,
    set_session_cookie,
)
from app.web.deps import CatalogueDep, SessionDep
from app.web.security import SESSION_COOKIE, AdminSession
from app.web.templating import render

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(csrf_on_state_changes)]
)

FormData = dict[str, list[str]]


def _local(request: Request, name: str, **params: object) -> str:
    return i18n.localized_path(
        str(request.app.url_path_for(name, **params)), i18n.current_version()
    )


async def form_data(request: Request) -> FormData:
    """Every field of a posted form, with repeated names kept as lists."""
    form = await request.form()
    grouped: FormData = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            grouped.setdefault(key, []).append(value)
    return grouped


FormDep = Annotated[FormData, Depends(form_data)]


def _require_csrf(request: Request, form: FormData) -> None:
    require_csrf(request, (form.get("csrf") or [""])[0])


def _page(
    request: Request, template: str, context: dict[str, object], status: int = 200
) -> Response:
    admin_session: AdminSession | None = getattr(request.state, "admin_session", None)
    signer = session_signer(request)
    extra: dict[str, object] = {}
    if admin_session is not None:
        extra["csrf_token"] = signer.csrf_token(admin_session)
    response = render(request, template, {**context, **extra}, status)
    response.headers["Cache-Control"] = "no-store"
    if admin_session is not None:
        set_session_cookie(request, response, signer.refreshed(admin_session))
    return response


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def _safe_next(request: Request, target: str | None) -> str:
    """Only a local maintainer address: never an open redirect."""
    home = _local(request, "admin_home")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    canonical = i18n.split_version(target.split("?", 1)[0])[1]
    return target if canonical.startswith("/admin") else home


@router.get("/login", name="admin_login")
def read_login(request: Request, next: str = "") -> Response:
    """The sign-in form."""
    return _page(
        request, "admin/login.html",
        {"form_token": session_signer(request).sign_in_token(), "next": _safe_next(request, next),
         "error": None, "username": ""},
    )  # fmt: skip


SIGN_IN_WAIT_S = 2.0  # a sign-in that finds no free slot this long is answered 429


@router.post("/login", name="admin_login_submit")
async def submit_login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    form_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the credentials; the same message for any mistake (no user enumeration)."""
    signer = session_signer(request)
    context = {
        "form_token": signer.sign_in_token(),
        "next": _safe_next(request, next),
        "username": username,
    }
    if not signer.sign_in_token_valid(form_token):
        return _page(request, "admin/login.html", {**context, "error": "expired"}, 400)
    address = request.client.host if request.client else "unknown"
    # Waiting sign-ins wait here, on the event loop, not in threads that public pages need
    # (RE-02); past the wait they get a quick 429.
    slots: asyncio.Semaphore = request.app.state.sign_in_slots
    try:
        await asyncio.wait_for(slots.acquire(), SIGN_IN_WAIT_S)
    except TimeoutError:
        result = accounts.SignIn(None, busy=True)
    else:
        try:
            result = await run_in_threadpool(
                accounts.authenticate, session=session, username=username, password=password,
                address=address, secret=request.app.state.settings.secret_key,
            )  # fmt: skip
        finally:
            slots.release()
    if result.throttled or result.busy:
        response = _page(request, "admin/login.html", {**context, "error": "throttled"}, 429)
        response.headers["Retry-After"] = "30"
        return response
    if result.user is None or result.user.id is None:
        return _page(request, "admin/login.html", {**context, "error": "invalid"}, 401)
    response = _redirect(_safe_next(request, next))
    set_session_cookie(request, response, signer.issue(result.user.id, result.user.session_version))
    return response


@router.post("/logout", name="admin_logout")
def submit_logout(request: Request, user: UserDep, form: FormDep, session: SessionDep) -> Response:
    """Sign out: the session ends on the server too (CS-07), so a copied cookie is void.

    Sessions keep no server-side state but the account's session version, so raising it
    ends the account's other sessions as well; a maintainer signs in again there."""
    _require_csrf(request, form)
    accounts.sign_out_everywhere(session=session, user=user)
    response = _redirect(_local(request, "admin_login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/logout-everywhere", name="admin_logout_everywhere")
def submit_logout_everywhere(
    request: Request, user: UserDep, form: FormDep, session: SessionDep
) -> Response:
    """Sign out of every browser at once."""
    _require_csrf(request, form)
    accounts.sign_out_everywhere(session=session, user=user)
    response = _redirect(_local(request, "admin_login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("", name="admin_home")
def read_admin_home(
    request: Request, user: UserDep, session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:  # fmt: skip
    """The user's entries, never checked or oldest check first, with the stale count; one
    page of them at a time."""
    regions = None if user.role == "admin" else user.region_codes()
    today = dt.date.today()
    review = maintenance.review_list(session=session, regions=regions, today=today, page=page)
    waiting = len(submissions.open_submissions(session=session, user=user))
    conflicted = maintenance.providers_with_conflicts(session=session, regions=regions)
    context = {"user": user, "review": review, "today": today, "waiting": waiting,
               "conflicted": conflicted, "is_stale": policy.is_stale}  # fmt: skip
    return _page(request, "admin/index.html", context)


def _editable(session: SessionDep, user: User, provider_id: int) -> ProviderDetail:
    detail = get_provider(session=session, provider_id=provider_id)
    if detail is None:
        raise HTTPException(status_code=404)
    if not accounts.can_edit_region(user, detail.provider.region_code):
        raise HTTPException(status_code=403)
    return detail


def _code_options(catalogue: CatalogueDep) -> dict[str, list[tuple[str, str]]]:
    version, language = i18n.current_version(), i18n.current_locale()
    vocab = catalogue.vocabularies
    return {
        "services": [(code, catalogue.service_title(code, version)) for code in SERVICE_CODES],
        "activities": [
            (c, vocab.label("activity_types", c, language)) for c in vocab.activity_types
        ],
        "target_groups": [
            (c, vocab.label("target_groups", c, language)) for c in vocab.target_groups
        ],
        "languages": [(c, vocab.label("languages", c, language)) for c in vocab.languages],
    }


def _edit_page(
    request: Request, session: SessionDep, catalogue: CatalogueDep, user: User,
    detail: ProviderDetail, values: dict[str, object] | None, errors: dict[str, str],
    status: int = 200,
) -> Response:  # fmt: skip
    chosen = values or {
        **{name: getattr(detail.provider, name) for name in maintenance.VALUE_FIELDS},
        **{name: getattr(detail, name) for name in maintenance.CODE_FIELDS},
    }
    region = detail.provider.region_code
    context = {
        "user": user,
        "detail": detail,
        "values": chosen,
        "errors": errors,
        "catalogue": catalogue,
        "code_options": _code_options(catalogue),
        "municipalities": maintenance.region_municipalities(session=session, region_code=region),
        "log": maintenance.change_log(session=session, provider_id=detail.id),
        "conflicts": maintenance.open_conflicts(session=session, provider_id=detail.id),
        "saved": request.query_params.get("tallennettu") == "1",
    }
    return _page(request, "admin/provider.html", context, status)


def _new_provider_page(
    request: Request, session: SessionDep, catalogue: CatalogueDep, user: User,
    values: dict[str, object], errors: dict[str, str], status: int = 200,
) -> Response:  # fmt: skip
    regions = [
        r
        for r in geography.list_organisers(session=session)
        if accounts.can_edit_region(user, r.code)
    ]
    municipalities = [
        m for m in geography.list_municipalities(session=session)
        if any(m.region_code == r.code for r in regions)
    ]  # fmt: skip
    context = {
        "user": user, "regions": regions, "municipalities": municipalities, "values": values,
        "errors": errors, "code_options": _code_options(catalogue),
    }  # fmt: skip
    return _page(request, "admin/provider_new.html", context, status)


EMPTY_PROVIDER: dict[str, object] = {
    **{name: None for name in maintenance.VALUE_FIELDS},
    **{name: [] for name in maintenance.CODE_FIELDS},
    "region": "", "organization": "",
}  # fmt: skip


@router.get("/palveluntuottajat/uusi", name="admin_provider_new")
def read_new_provider(
    request: Request, user: UserDep, session: SessionDep, catalogue: CatalogueDep
) -> Response:
    """The form for a provider that is not in the catalogue yet."""
    return _new_provider_page(request, session, catalogue, user, dict(EMPTY_PROVIDER), {})


@router.post("/palveluntuottajat/uusi", name="admin_provider_create")
def submit_new_provider(
    request: Request, user: UserDep, session: SessionDep, catalogue: CatalogueDep, form: FormDep
) -> Response:
    """Create the provider in one of the user's regions; every field is validated."""
    _require_csrf(request, form)
    region = (form.get("region") or [""])[0]
    organization = " ".join((form.get("organization") or [""])[0].split())
    region_municipalities = maintenance.region_municipalities(session=session, region_code=region)
    values, errors = maintenance.validate_provider_form(
        form, vocabularies=catalogue.vocabularies, service_codes=set(SERVICE_CODES),
        municipalities={m.code for m in region_municipalities},
    )  # fmt: skip
    known_region = geography.get_region(session=session, code=region)
    if (
        known_region is None
        or not known_region.is_organiser
        or not accounts.can_edit_region(user, region)
    ):
        errors["region"] = "invalid"
    if not organization or len(organization) > 200:
        errors["organization"] = "required" if not organization else "too-long"
    if errors:
        values.update(region=region, organization=organization)
        return _new_provider_page(request, session, catalogue, user, values, errors, 422)
    provider = maintenance.create_provider(
        session=session, values=values, region_code=region, organization_name=organization,
        user=user, today=dt.date.today(),
    )  # fmt: skip
    assert provider.id is not None  # noqa: S101 – created above
    return _redirect(_local(request, "admin_provider", provider_id=provider.id) + "?tallennettu=1")


@router.get("/palveluntuottajat/{provider_id}", name="admin_provider")
def read_admin_provider(
    request: Request, provider_id: int, user: UserDep, session: SessionDep, catalogue: CatalogueDep
) -> Response:
    """The edit form with the entry's change log."""
    detail = _editable(session, user, provider_id)
    return _edit_page(request, session, catalogue, user, detail, None, {})


@router.post("/palveluntuottajat/{provider_id}", name="admin_provider_submit")
def submit_admin_provider(
    request: Request, provider_id: int, user: UserDep, session: SessionDep,
    catalogue: CatalogueDep, form: FormDep,
) -> Response:  # fmt: skip
    """Validate and save; errors are shown next to their fields and nothing is saved."""
    detail = _editable(session, user, provider_id)
    _require_csrf(request, form)
    municipalities = maintenance.region_municipalities(
        session=session, region_code=detail.provider.region_code
    )
    values, errors = maintenance.validate_provider_form(
        form, vocabularies=catalogue.vocabularies, service_codes=set(SERVICE_CODES),
        municipalities={m.code for m in municipalities},
    )  # fmt: skip
    if errors:
        return _edit_page(request, session, catalogue, user, detail, values, errors, 422)
    maintenance.apply_edit(
        session=session, detail=detail, values=values, user=user, today=dt.date.today()
    )
    return _redirect(_local(request, "admin_provider", provider_id=provider_id) + "?tallennettu=1")


@router.post("/palveluntuottajat/{provider_id}/tarkistettu", name="admin_provider_checked")
def submit_checked(
    request: Request, provider_id: int, user: UserDep, session: SessionDep, form: FormDep
) -> Response:
    """Mark the entry as checked today."""
    detail = _editable(session, user, provider_id)
    _require_csrf(request, form)
    maintenance.mark_checked(
        session=session, provider=detail.provider, user=user, today=dt.date.today()
    )
    return _redirect(_safe_next(request, (form.get("next") or [""])[0]))


@router.post("/palveluntuottajat/{provider_id}/tila", name="admin_provider_status")
def submit_status(
    request: Request, provider_id: int, user: UserDep, session: SessionDep, form: FormDep
) -> Response:
    """Close the entry (it is never deleted) or reopen it."""
    detail = _editable(session, user, provider_id)
    _require_csrf(request, form)
    closed = (form.get("status") or [""])[0] == "closed"
    maintenance.set_closed(session=session, provider=detail.provider, user=user, closed=closed)
    return _redirect(_local(request, "admin_provider", provider_id=provider_id))


@router.post(
    "/palveluntuottajat/{provider_id}/tuonti/{conflict_id}", name="admin_provider_conflict"
)
def submit_conflict(
    request: Request, provider_id: int, conflict_id: int, user: UserDep, session: SessionDep,
    form: FormDep,
) -> Response:  # fmt: skip
    """Take an imported value that differs from a person's edit, or keep the current one."""
    detail = _editable(session, user, provider_id)
    _require_csrf(request, form)
    conflict = session.get(ImportConflict, conflict_id)
    if conflict is None or conflict.provider_id != provider_id or conflict.status != "open":
        raise HTTPException(status_code=404)
    maintenance.resolve_conflict(
        session=session, detail=detail, conflict=conflict, user=user,
        accept=(form.get("decision") or [""])[0] == "accept",
    )  # fmt: skip
    return _redirect(_local(request, "admin_provider", provider_id=provider_id) + "#imports")


@router.get("/ilmoitukset", name="admin_submissions")
def read_submissions(request: Request, user: UserDep, session: SessionDep) -> Response:
    """Open corrections of the user's regions (and feedback, for admins), oldest first."""
    items = submissions.open_submissions(session=session, user=user)
    return _page(request, "admin/submissions.html", {"user": user, "items": items})


@router.post("/ilmoitukset/{item_id}", name="admin_submission_resolve")
def submit_submission_decision(
    request: Request, item_id: int, user: UserDep, session: SessionDep, form: FormDep
) -> Response:
    """Accept (then edit the entry as usual) or dismiss a submission."""
    _require_csrf(request, form)
    item = session.get(Submission, item_id)
    if item is None:
        raise HTTPException(status_code=404)
    if not submissions.may_moderate(user, item):
        raise HTTPException(status_code=403)
    accepted = (form.get("decision") or [""])[0] == "accept"
    submissions.resolve(session=session, item=item, user=user, accepted=accepted)
    if accepted and item.provider_id is not None:
        return _redirect(_local(request, "admin_provider", provider_id=item.provider_id))
    return _redirect(_local(request, "admin_submissions"))
