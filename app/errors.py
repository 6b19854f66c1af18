"""The database is away: a 503 in the reader's language instead of a 500 or a hung request.

SQLAlchemy raises OperationalError when it cannot connect or the connection broke (server
down, network gone, SQLite file locked or unreadable), InterfaceError for some drivers'
broken connections, and TimeoutError when no pooled connection came free in time. All of
them are temporary from the reader's point of view: the engine reconnects by itself once
the database answers again (see app/db.py), so the page says "try again soon".
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.responses import Response

from app.templating import render

logger = logging.getLogger(__name__)

DATABASE_OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
)
RETRY_AFTER_S = 30  # reconnecting is cheap; clients may come back soon


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/hsds/"))


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
    if _wants_json(request):
        return JSONResponse(
            {"detail": "The database is temporarily unavailable"},
            status_code=503,
            headers=headers,
        )
    response = render(request, "errors/database_unavailable.html", {"status_code": 503}, 503)
    response.headers.update(headers)
    return response


def install_database_error_handlers(app: FastAPI) -> None:
    """Answer database outages with a 503 instead of the generic 500 page."""
    for error_type in DATABASE_OUTAGE_ERRORS:
        app.add_exception_handler(error_type, database_unavailable_page)
