"""Every exception handler: errors answered in the reader's language, JSON for the API.

The database is away: a 503 in the reader's language instead of a 500 or a hung request.

SQLAlchemy raises OperationalError when it cannot connect or the connection broke (server
down, network gone, SQLite file locked or unreadable), InterfaceError for some drivers'
broken connections, and TimeoutError when no pooled connection came free in time. All of
them are temporary from the reader's point of view: the engine reconnects by itself once
the database answers again (see app/db.py), so the page says "try again soon".
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app import i18n
from app.search.store import IndexUnavailableError
from app.web.auth import NotSignedInError
from app.web.security import SESSION_COOKIE
from app.web.templating import render

logger = logging.getLogger(__name__)

DATABASE_OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
)
RETRY_AFTER_S = 30  # reconnecting is cheap; clients may come back soon


async def database_unavailable_page(request: Request, exc: Exception) -> Response:
    """503 with Retry-After: JSON for the API, a page in the reader's language elsewhere."""
    # One line, no traceback: during an outage every request fails the same way.
    logger.error(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    if wants_json(request):
        return JSONResponse(
            {"detail": "The database is temporarily unavailable"},
            status_code=503,
            headers=headers,
        )
    response = render(request, "errors/database_unavailable.html", {"status_code": 503}, 503)
    response.headers.update(headers)
    return response


def wants_json(request: Request) -> bool:
    """Whether the request is for the JSON API (its errors are JSON, not pages)."""
    return request.url.path.startswith(("/api/", "/hsds/"))


async def http_error_page(request: Request, exc: Exception) -> Response:
    """404 and other HTTP errors: JSON for the API, a page in the reader's language elsewhere."""
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 – registered for this type only
    # the exception's headers (405's Allow, 401's WWW-Authenticate) belong to the answer
    if wants_json(request):
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    template = "errors/404.html" if exc.status_code == 404 else "errors/error.html"
    response = render(request, template, {"status_code": exc.status_code}, exc.status_code)
    response.headers.update(exc.headers or {})
    return response


async def validation_error(request: Request, exc: Exception) -> Response:
    """Bad query parameters: a 422 with the reasons, never a 500."""
    assert isinstance(exc, RequestValidationError)  # noqa: S101 – registered for this type only
    if wants_json(request):
        details = [
            {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
            for error in exc.errors()
        ]
        return JSONResponse({"detail": details}, status_code=422)
    return render(request, "errors/error.html", {"status_code": 422}, 422)


async def database_refused_value(request: Request, exc: Exception) -> Response:
    """A value the database cannot store (PG-01, e.g. a NUL byte in text): 422, not a 500.

    The request limits refuse control characters before any route runs; this is the net
    for whatever still reaches the database."""
    logger.warning(
        "database refused a value on %s %s: %s",
        request.method,
        request.url.path,
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    if wants_json(request):
        return JSONResponse({"detail": "A value could not be stored"}, status_code=422)
    return render(request, "errors/error.html", {"status_code": 422}, 422)


async def sign_in_redirect(request: Request, exc: Exception) -> Response:
    """A maintainer page without a valid session: to the sign-in form, then back."""
    version = i18n.current_version()
    login = i18n.localized_path("/admin/login", version)
    back = i18n.localized_path(request.url.path, version)
    if request.method != "GET":
        back = i18n.localized_path("/admin", version)
    response = RedirectResponse(f"{login}?{urlencode({'next': back})}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def search_unavailable_page(request: Request, exc: Exception) -> Response:
    """The search index is missing or broken: say so plainly, with a 503."""
    logger.error("search index unavailable: %s", exc)
    headers = {"Retry-After": "60"}
    if wants_json(request):
        return JSONResponse(
            {"detail": "Search is temporarily unavailable"}, status_code=503, headers=headers
        )
    response = render(request, "errors/search_unavailable.html", {"status_code": 503}, 503)
    response.headers.update(headers)
    return response


async def server_error_page(request: Request, exc: Exception) -> Response:
    """Unexpected errors: logged with the traceback, a calm page for the reader."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    i18n.set_current_version(i18n.split_version(request.scope.get("path", "/"))[0])
    if wants_json(request):
        return JSONResponse({"detail": "Internal server error"}, status_code=500)
    return render(request, "errors/500.html", {"status_code": 500}, 500)


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler: the site never shows a traceback or an English-only error."""
    app.add_exception_handler(StarletteHTTPException, http_error_page)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IndexUnavailableError, search_unavailable_page)
    # Database outages are temporary: a 503 instead of the generic 500 page.
    for error_type in DATABASE_OUTAGE_ERRORS:
        app.add_exception_handler(error_type, database_unavailable_page)
    app.add_exception_handler(DataError, database_refused_value)
    app.add_exception_handler(NotSignedInError, sign_in_redirect)
    app.add_exception_handler(Exception, server_error_page)
