"""Prometheus metrics; included only when METRICS_ENABLED is true (otherwise a 404)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.responses import Response

from app.web.deps import SettingsDep

router = APIRouter(include_in_schema=False)


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@router.get("/metrics")
def read_metrics(request: Request, settings: SettingsDep) -> Response:
    """The metrics in Prometheus text format; with METRICS_TOKEN set, only with that token."""
    expected = settings.metrics_token
    if expected and not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
        return Response(
            "Unauthorized\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
        )
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(
        generate_latest(registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )
