"""Health check for load balancers and monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.db import database_is_reachable
from app.search.store import IndexUnavailableError
from app.web.deps import IndexDep

router = APIRouter(tags=["operations"])


class HealthReport(BaseModel):
    """Status of each part the site needs."""

    status: str
    database: str
    index: str
    index_documents: int | None = None


@router.get("/healthz", response_model=HealthReport, responses={503: {"model": HealthReport}})
def read_health(request: Request, index_reader: IndexDep) -> JSONResponse:
    """Check the database and the search index; 503 when either is unavailable."""
    database_ok = database_is_reachable(request.app.state.engine)
    try:
        documents: int | None = index_reader.status().document_count
        index_ok = True
    except IndexUnavailableError:
        documents, index_ok = None, False
    healthy = database_ok and index_ok
    report = HealthReport(
        status="ok" if healthy else "unavailable",
        database="ok" if database_ok else "unavailable",
        index="ok" if index_ok else "unavailable",
        index_documents=documents,
    )
    return JSONResponse(
        report.model_dump(),
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )
