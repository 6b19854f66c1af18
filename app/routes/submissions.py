"""Public submissions: the "report a change" form of a provider and the site feedback form.

Both are kept as a `Submission` for the moderators (app/catalogue/submissions.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from app import i18n
from app.catalogue import submissions
from app.catalogue.providers import get_provider
from app.web.auth import refuse_cross_site, session_signer
from app.web.deps import SessionDep
from app.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(refuse_cross_site)])

MessageField = Annotated[str, Form(max_length=20_000)]  # the 2 000-character limit is a message
ShortField = Annotated[str, Form(max_length=2_000)]


def _form_page(
    request: Request, template: str, context: dict[str, object], status: int = 200
) -> Response:
    defaults = {
        "form_token": session_signer(request).form_token(),
        "errors": {},
        "values": {"message": "", "contact": ""},
        "sent": request.query_params.get("kiitos") == "1",
        "throttled": False,
    }
    response = render(request, template, {**defaults, **context}, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _handle(
    request: Request, session: SessionDep, kind: str, template: str, context: dict[str, object],
    message: str, contact: str, website: str, form_token: str, provider_id: int | None = None,
) -> Response:  # fmt: skip
    if not session_signer(request).form_token_valid(form_token):
        raise HTTPException(status_code=403, detail="The form has expired; reload the page.")
    detail = get_provider(session=session, provider_id=provider_id) if provider_id else None
    provider = detail.provider if detail else None
    address = request.client.host if request.client else "unknown"
    outcome = submissions.submit(
        session=session, kind=kind, message=message, contact=contact, honeypot=website,
        address=address, secret=request.app.state.settings.secret_key, provider=provider,
    )  # fmt: skip
    if outcome.throttled:
        return _form_page(request, template, {**context, "throttled": True}, 429)
    if outcome.errors:
        values = {"message": message[: submissions.MAX_MESSAGE * 2], "contact": contact[:400]}
        return _form_page(
            request, template, {**context, "errors": outcome.errors, "values": values}, 422
        )
    path = i18n.localized_path(request.url.path, i18n.current_version())
    return RedirectResponse(f"{path}?kiitos=1", status_code=303)


@router.get("/palveluntuottajat/{provider_id}/korjaus", name="provider_correction")
def read_correction_form(request: Request, provider_id: int, session: SessionDep) -> Response:
    """The "report a change" form of one provider."""
    detail = get_provider(session=session, provider_id=provider_id)
    if detail is None:
        raise HTTPException(status_code=404)
    return _form_page(request, "providers/correction.html", {"detail": detail})


@router.post("/palveluntuottajat/{provider_id}/korjaus", name="provider_correction_submit")
def submit_correction(
    request: Request, provider_id: int, session: SessionDep, message: MessageField = "",
    contact: ShortField = "", website: ShortField = "", form_token: ShortField = "",
) -> Response:  # fmt: skip
    """Submit a correction for the region's coordinators."""
    detail = get_provider(session=session, provider_id=provider_id)
    if detail is None:
        raise HTTPException(status_code=404)
    return _handle(
        request, session, "correction", "providers/correction.html", {"detail": detail},
        message, contact, website, form_token, provider_id,
    )  # fmt: skip


@router.get("/saavutettavuus/palaute", name="feedback")
def read_feedback_form(request: Request) -> Response:
    """The feedback form required of public services (Act 306/2019)."""
    return _form_page(request, "pages/feedback.html", {})


@router.post("/saavutettavuus/palaute", name="feedback_submit")
def submit_feedback(
    request: Request, session: SessionDep, message: MessageField = "", contact: ShortField = "",
    website: ShortField = "", form_token: ShortField = "",
) -> Response:  # fmt: skip
    """Submit feedback for the site's administrators."""
    return _handle(
        request, session, "feedback", "pages/feedback.html", {}, message, contact, website,
        form_token,
    )  # fmt: skip
