"""Who is signed in: the maintainer session as a dependency, and CSRF for their forms."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from starlette.responses import Response

from app.models import User
from app.web.deps import SessionDep
from app.web.security import (
    SESSION_ABSOLUTE_S,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    SIGN_IN_FORM_MAX_AGE_S,
    AdminSession,
    SessionSigner,
)


class NotSignedInError(Exception):
    """The request needs a valid maintainer session (answered with a redirect to sign in)."""


def session_signer(request: Request) -> SessionSigner:
    """The signer of sessions, CSRF and form tokens, made at start-up."""
    signer: SessionSigner = request.app.state.session_signer
    return signer


def current_user(request: Request, session: SessionDep) -> User:
    """The signed-in maintainer, or NotSignedInError."""
    admin_session = session_signer(request).read(request.cookies.get(SESSION_COOKIE))
    user = session.get(User, admin_session.user_id) if admin_session else None
    if admin_session is None or user is None or not user.is_active:
        raise NotSignedInError
    if user.session_version != admin_session.version:
        raise NotSignedInError
    request.state.admin_session = admin_session
    return user


UserDep = Annotated[User, Depends(current_user)]


def require_csrf(request: Request, token: str) -> None:
    """403 unless the token belongs to the signed-in maintainer's session."""
    admin_session: AdminSession = request.state.admin_session
    if not session_signer(request).csrf_valid(admin_session, token):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Signs in with the form token of the sign-in page: there is no session to bind CSRF to yet.
SESSIONLESS_FORMS = frozenset({"admin_login_submit"})


def _same_origin(request: Request) -> bool:
    """The Origin (or else Referer) header, when the browser sent one, names this site."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed:
        return True  # old browsers and tools send neither; the CSRF token still decides
    parsed = urlsplit(claimed)
    origin = f"{parsed.scheme}://{parsed.netloc}"
    own = {f"{request.url.scheme}://{request.url.netloc}"}
    base = urlsplit(request.app.state.settings.base_url)
    own.add(f"{base.scheme}://{base.netloc}")
    return origin in own


def refuse_cross_site(request: Request) -> None:
    """A state-changing request from another site's page is refused (CS-04). On the public
    forms this keeps a hostile page from making its visitors send reports from their own
    addresses (past the per-address limit); their anonymous form token cannot."""
    if request.method not in SAFE_METHODS and not _same_origin(request):
        raise HTTPException(status_code=403, detail="Cross-site request refused")


async def csrf_on_state_changes(request: Request) -> None:
    """Router-level check of every maintainer POST, so that no route can forget it.

    The request must come from the site's own pages (Origin/Referer, CS-04) and, when a
    session cookie is present, carry that session's CSRF token; without a valid session
    the route's `current_user` answers with the sign-in redirect.
    """
    if request.method in SAFE_METHODS:
        return
    refuse_cross_site(request)
    route = request.scope.get("route")
    if getattr(route, "name", None) in SESSIONLESS_FORMS:
        return
    signer = session_signer(request)
    admin_session = signer.read(request.cookies.get(SESSION_COOKIE))
    if admin_session is None:
        return
    token = (await request.form()).get("csrf")
    if not isinstance(token, str) or not signer.csrf_valid(admin_session, token):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    """The maintainer's session cookie: HTTP only, same-site, Secure over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_ABSOLUTE_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def sign_in_binding(request: Request) -> str:
    """The browser's pre-session value for the sign-in form: its cookie's, or a new one."""
    value = request.cookies.get(SIGN_IN_COOKIE)
    if value is not None and SessionSigner.sign_in_binding_ok(value):
        return value
    return SessionSigner.new_sign_in_binding()


def set_sign_in_cookie(request: Request, response: Response, binding: str) -> None:
    """The pre-session cookie the sign-in token is bound to (CS-04), as long-lived as it."""
    response.set_cookie(
        SIGN_IN_COOKIE,
        binding,
        max_age=SIGN_IN_FORM_MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
