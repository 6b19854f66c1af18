"""Health check for load balancers and monitoring."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.search.keeper import index_lag
from app.search.store import IndexUnavailableError
from app.web.deps import EngineDep, IndexDep, SettingsDep

router = APIRouter(tags=["operations"])


class HealthReport(BaseModel):
    """Status of each part the site needs."""

    status: str  # ok, degraded (serving, but the search index lags behind) or unavailable
    database: str
    index: str
    index_documents: int | None = None
    index_revision: int | None = None
    catalogue_revision: int | None = None
    index_lag_seconds: float | None = None


@router.get("/healthz", response_model=HealthReport, responses={503: {"model": HealthReport}})
def read_health(index_reader: IndexDep, engine: EngineDep, settings: SettingsDep) -> JSONResponse:
    """Check the database and the search index; 503 when either is unavailable.

    A node whose index has fallen behind the catalogue by more than INDEX_MAX_LAG_S still
    serves (200) but says `degraded`, so that monitoring notices a keeper that is stuck.
    """
    try:
        status = index_reader.status()
        documents: int | None = status.document_count
        revision, index_ok = status.revision, True
    except IndexUnavailableError:
        documents, revision, index_ok = None, None, False
    report = HealthReport(status="ok", database="ok", index="ok", index_documents=documents)
    try:
        with Session(engine) as session:
            lag = index_lag(session=session, index_revision=revision, now=dt.datetime.now(dt.UTC))
        report.index_revision = lag.index_revision
        report.catalogue_revision = lag.catalogue_revision
        report.index_lag_seconds = round(lag.seconds, 1)
    except SQLAlchemyError:
        report.database = "unavailable"
    if not index_ok:
        report.index = "unavailable"
    elif (report.index_lag_seconds or 0) > settings.index_max_lag_s:
        report.index = "behind"
    healthy = report.database == "ok" and index_ok
    if not healthy:
        report.status = "unavailable"
    elif report.index == "behind":
        report.status = "degraded"
    return JSONResponse(
        report.model_dump(),
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )
