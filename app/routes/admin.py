"""Maintainer area: sign-in, the review list, editing with a change log, checks, closing."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from app import accounts, contacts, geography, i18n, region_service_pages
from app.catalogue import maintenance, policy, submissions
from app.catalogue.providers import ProviderDetail, get_provider
from app.guide.content import SERVICE_CODES
from app.models import EmploymentArea, ImportConflict, Region, Submission, User
from app.web.auth import (
    UserDep,
    csrf_on_state_changes,
    require_csrf,
    session_signer,
    set_session_cookie,
    set_sign_in_cookie,
    sign_in_binding,
)
from app.web.deps import CatalogueDep, SessionDep
from app.web.security import SESSION_COOKIE, SIGN_IN_COOKIE, AdminSession
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


def _login_page(
    request: Request, context: dict[str, object], binding: str, status: int = 200
) -> Response:
    """The sign-in form, its token bound to the pre-session cookie it sets (CS-04)."""
    token = session_signer(request).sign_in_token(binding)
    response = _page(request, "admin/login.html", {**context, "form_token": token}, status)
    set_sign_in_cookie(request, response, binding)
    return response


@router.get("/login", name="admin_login")
def read_login(request: Request, next: str = "") -> Response:
    """The sign-in form."""
    context: dict[str, object] = {"next": _safe_next(request, next), "error": None, "username": ""}
    return _login_page(request, context, sign_in_binding(request))


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
    context: dict[str, object] = {"next": _safe_next(request, next), "username": username}
    binding = sign_in_binding(request)
    if not signer.sign_in_token_valid(form_token, request.cookies.get(SIGN_IN_COOKIE)):
        # expired, forged, or fetched by another client (login CSRF): a new form to retry
        return _login_page(request, {**context, "error": "expired"}, binding, 400)
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
        response = _login_page(request, {**context, "error": "throttled"}, binding, 429)
        response.headers["Retry-After"] = "30"
        return response
    if result.user is None or result.user.id is None:
        return _login_page(request, {**context, "error": "invalid"}, binding, 401)
    response = _redirect(_safe_next(request, next))
    set_session_cookie(request, response, signer.issue(result.user.id, result.user.session_version))
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
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


# --- Region contacts: where working-age adults ask (app/contacts.py) --------------------


def _editable_region(session: SessionDep, user: User, code: str) -> Region:
    region = geography.get_region(session=session, code=code)
    if region is None or not region.is_organiser:
        raise HTTPException(status_code=404)
    if not accounts.can_edit_region(user, code):
        raise HTTPException(status_code=403)
    return region


@router.get("/alueet", name="admin_regions")
def read_admin_regions(request: Request, user: UserDep, session: SessionDep) -> Response:
    """The regions whose contact channels and service pages the user may edit."""
    regions = [
        r
        for r in geography.list_organisers(session=session)
        if accounts.can_edit_region(user, r.code)
    ]
    maintained = contacts.maintained_regions(session=session)
    return _page(
        request, "admin/regions.html", {"user": user, "regions": regions, "maintained": maintained}
    )


def _region_page(
    request: Request, session: SessionDep, user: User, region: Region, *,
    rows: list[contacts.ContactRow] | None = None, errors: dict[str, str] | None = None,
    pages: list[region_service_pages.PageRow] | None = None,
    page_errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """The region's two forms: the one sent back with its errors, the other as stored."""
    if rows is None:
        stored = contacts.region_contact_rows(session=session, region_code=region.code)
        rows = contacts.contact_form_rows(stored)
    if pages is None:
        stored_pages = region_service_pages.current_pages(session=session, region_code=region.code)
        pages = region_service_pages.page_form_rows(stored_pages)
    new_pages = [page for page in pages if page.key == region_service_pages.NEW_PAGE]
    context = {
        "user": user, "region": region, "rows": rows, "errors": errors or {},
        "kinds": contacts.CHANNEL_KINDS, "new_row": contacts.NEW_ROW,
        "pages": [page for page in pages if page.key != region_service_pages.NEW_PAGE],
        "new_page": new_pages[0] if new_pages else region_service_pages.empty_page(len(pages) + 1),
        "page_errors": page_errors or {}, "topics": contacts.SERVICE_PAGE_TOPICS,
        "log": contacts.region_change_log(session=session, region_code=region.code),
        "saved": request.query_params.get("tallennettu") == "1",
    }  # fmt: skip
    return _page(request, "admin/region.html", context, status)


@router.get("/alueet/{code}", name="admin_region")
def read_admin_region(request: Request, code: str, user: UserDep, session: SessionDep) -> Response:
    """The region's contact channels and service pages as forms, with their change log."""
    region = _editable_region(session, user, code)
    return _region_page(request, session, user, region)


@router.post("/alueet/{code}", name="admin_region_submit")
def submit_admin_region(
    request: Request, code: str, user: UserDep, session: SessionDep, form: FormDep
) -> Response:
    """Validate and save; errors are shown next to their fields and nothing is saved."""
    region = _editable_region(session, user, code)
    _require_csrf(request, form)
    stored = contacts.region_contact_rows(session=session, region_code=code)
    sent, errors = contacts.validate_contact_form(form, stored)
    if errors:
        keys = {row.key for row in sent}
        rows = sent + [r for r in contacts.contact_form_rows(stored) if r.key not in keys]
        rows.sort(key=lambda r: r.key == contacts.NEW_ROW)  # the new channel last
        return _region_page(request, session, user, region, rows=rows, errors=errors, status=422)
    contacts.save_region_contacts(session=session, region_code=code, sent=sent, user=user)
    return _redirect(_local(request, "admin_region", code=code) + "?tallennettu=1")


@router.post("/alueet/{code}/palvelusivut", name="admin_region_pages_submit")
def submit_admin_region_pages(
    request: Request, code: str, user: UserDep, session: SessionDep, form: FormDep
) -> Response:
    """Validate and save the organiser's pages; errors are shown next to their fields and
    nothing is saved."""
    region = _editable_region(session, user, code)
    _require_csrf(request, form)
    stored = region_service_pages.current_pages(session=session, region_code=code)
    sent, errors = region_service_pages.validate_page_form(form, stored)
    if errors:
        keys = {row.key for row in sent}
        shown = region_service_pages.page_form_rows(stored)
        pages = [*sent, *(row for row in shown if row.key not in keys)]
        pages.sort(key=lambda row: row.number)
        return _region_page(
            request, session, user, region, pages=pages, page_errors=errors, status=422
        )
    region_service_pages.save_service_pages(session=session, region_code=code, sent=sent, user=user)
    return _redirect(_local(request, "admin_region", code=code) + "?tallennettu=1")


# --- Employment areas: site, phone and source (administrators only; areas cross regions) ---


def _require_admin(user: User) -> None:
    if user.role != "admin":
        raise HTTPException(status_code=403)


@router.get("/tyollisyysalueet", name="admin_areas")
def read_admin_areas(request: Request, user: UserDep, session: SessionDep) -> Response:
    """Every employment area, for administrators."""
    _require_admin(user)
    areas = contacts.list_employment_areas(session=session)
    maintained = contacts.maintained_areas(session=session)
    return _page(
        request, "admin/areas.html", {"user": user, "areas": areas, "maintained": maintained}
    )


def _area_page(
    request: Request, session: SessionDep, user: User, area: EmploymentArea,
    values: dict[str, str | None], errors: dict[str, str], status: int = 200,
) -> Response:  # fmt: skip
    assert area.id is not None  # noqa: S101 – a stored area
    context = {
        "user": user, "area": area, "values": values, "errors": errors,
        "log": contacts.area_change_log(session=session, area_id=area.id),
        "saved": request.query_params.get("tallennettu") == "1",
    }  # fmt: skip
    return _page(request, "admin/area.html", context, status)


def _stored_area(session: SessionDep, area_id: int) -> EmploymentArea:
    area = session.get(EmploymentArea, area_id)
    if area is None:
        raise HTTPException(status_code=404)
    return area


@router.get("/tyollisyysalueet/{area_id}", name="admin_area")
def read_admin_area(request: Request, area_id: int, user: UserDep, session: SessionDep) -> Response:
    """An employment area's site, phone and source as a form, with their change log."""
    _require_admin(user)
    area = _stored_area(session, area_id)
    values = {name: getattr(area, name) for name in contacts.AREA_FIELDS}
    return _area_page(request, session, user, area, values, {})


@router.post("/tyollisyysalueet/{area_id}", name="admin_area_submit")
def submit_admin_area(
    request: Request, area_id: int, user: UserDep, session: SessionDep, form: FormDep
) -> Response:
    """Validate and save; errors are shown next to their fields and nothing is saved."""
    _require_admin(user)
    area = _stored_area(session, area_id)
    _require_csrf(request, form)
    values, errors = contacts.validate_area_form(form)
    if errors:
        return _area_page(request, session, user, area, values, errors, 422)
    contacts.save_area(session=session, area=area, values=values, user=user)
    return _redirect(_local(request, "admin_area", area_id=area_id) + "?tallennettu=1")


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
