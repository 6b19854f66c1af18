"""Who is signed in: the maintainer session as a dependency, and CSRF for their forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.responses import Response

from app.models import User
from app.web.deps import SessionDep
from app.web.security import SESSION_ABSOLUTE_S, SESSION_COOKIE, AdminSession, SessionSigner


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
