"""Application factory: settings, database, index, templates, middleware and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp

from app import i18n
from app.catalogue.index_store import IndexReader, IndexUnavailableError
from app.catalogue.rebuild import BackgroundReindexer
from app.catalogue.resources import SERVICE_CODES, load_catalogue_resources
from app.catalogue.search import prepare_search
from app.config import Settings
from app.db import make_engine
from app.errors import install_database_error_handlers
from app.guide.content import ALL_CODES, load_guide
from app.http_cache import ConditionalGetMiddleware
from app.observability import (
    HttpMetrics,
    RequestObservabilityMiddleware,
    RouteTemplateRecorder,
    create_registry,
)
from app.pathway.content import load_pathway
from app.routes import (
    admin,
    api,
    api_pathway,
    api_providers,
    health,
    hsds,
    metrics,
    pages,
    pathway,
    providers,
    reports,
    services,
)
from app.security import (
    GZipExceptSecretPages,
    SecurityHeadersMiddleware,
    SessionSigner,
    install_access_log_privacy_filter,
)
from app.site_setup import reindex_site
from app.static_files import FingerprintedStaticFiles
from app.templating import STATIC_DIR, create_templates, render
from app.urgent_help import load_urgent_help

logger = logging.getLogger(__name__)
GZIP_MINIMUM_BYTES = 600  # smaller responses gain less than the compression costs


class PolkuApp(FastAPI):
    """FastAPI with the security headers wrapped around everything, error pages included."""

    def build_middleware_stack(self) -> ASGIApp:
        metrics: HttpMetrics | None = getattr(self.state, "http_metrics", None)
        observed = RequestObservabilityMiddleware(super().build_middleware_stack(), metrics)
        return SecurityHeadersMiddleware(observed)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Assemble the web application."""
    settings = settings or Settings()
    settings.secret_key = settings.resolved_secret_key()
    install_access_log_privacy_filter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(prepare_search, app.state.index_reader)
        except Exception as error:  # serve anyway: search reports itself unavailable
            logger.warning("search index not ready at start-up: %s", error)
        yield
        app.state.reindexer.wait(timeout=30)
        app.state.index_reader.close()
        app.state.engine.dispose()

    app = PolkuApp(
        title="Polku API",
        summary="Finland's employment-promoting social services: guide, regions and providers.",
        version="1",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema stays
        redoc_url=None,
        lifespan=lifespan,
    )
    i18n.load_catalogues()
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.index_reader = IndexReader(settings.search_index_dir)
    app.state.templates = create_templates()
    app.state.guide = load_guide()
    app.state.catalogue = load_catalogue_resources(app.state.guide)
    app.state.pathway = load_pathway(set(SERVICE_CODES))
    app.state.urgent_help = load_urgent_help(ALL_CODES, app.state.pathway.support_values)
    app.state.session_signer = SessionSigner(settings.secret_key)
    app.state.reindexer = BackgroundReindexer(lambda: reindex_site(settings))

    if settings.metrics_enabled:
        app.state.metrics_registry = create_registry(app.state.engine, app.state.index_reader)
        app.state.http_metrics = HttpMetrics(app.state.metrics_registry)
        app.include_router(metrics.router)

    app.add_middleware(RouteTemplateRecorder)  # innermost: sees the route the router chose
    app.add_middleware(i18n.LocaleMiddleware)
    app.add_middleware(ConditionalGetMiddleware)  # inside gzip: hashes the plain body
    app.add_middleware(GZipExceptSecretPages, minimum_size=GZIP_MINIMUM_BYTES)
    app.mount("/static", FingerprintedStaticFiles(directory=STATIC_DIR), name="static")
    routers = (
        pages, services, providers, reports, pathway, admin, api, api_providers, api_pathway,
        hsds, health,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router)
    app.add_exception_handler(StarletteHTTPException, http_error_page)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IndexUnavailableError, search_unavailable_page)
    install_database_error_handlers(app)
    app.add_exception_handler(admin.NotSignedInError, sign_in_redirect)
    app.add_exception_handler(Exception, server_error_page)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/hsds/"))


async def http_error_page(request: Request, exc: Exception) -> Response:
    """404 and other HTTP errors: JSON for the API, a page in the reader's language elsewhere."""
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 – registered for this type only
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    template = "errors/404.html" if exc.status_code == 404 else "errors/error.html"
    return render(request, template, {"status_code": exc.status_code}, exc.status_code)


async def validation_error(request: Request, exc: Exception) -> Response:
    """Bad query parameters: a 422 with the reasons, never a 500."""
    assert isinstance(exc, RequestValidationError)  # noqa: S101 – registered for this type only
    if _wants_json(request):
        details = [
            {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
            for error in exc.errors()
        ]
        return JSONResponse({"detail": details}, status_code=422)
    return render(request, "errors/error.html", {"status_code": 422}, 422)


async def sign_in_redirect(request: Request, exc: Exception) -> Response:
    """A maintainer page without a valid session: to the sign-in form, then back."""
    version = i18n.current_version()
    login = i18n.localized_path("/admin/login", version)
    back = i18n.localized_path(request.url.path, version)
    if request.method != "GET":
        back = i18n.localized_path("/admin", version)
    response = RedirectResponse(f"{login}?{urlencode({'next': back})}", status_code=303)
    response.delete_cookie("polku_admin", path="/")
    return response


async def search_unavailable_page(request: Request, exc: Exception) -> Response:
    """The search index is missing or broken: say so plainly, with a 503."""
    logger.error("search index unavailable: %s", exc)
    headers = {"Retry-After": "60"}
    if _wants_json(request):
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
    if _wants_json(request):
        return JSONResponse({"detail": "Internal server error"}, status_code=500)
    return render(request, "errors/500.html", {"status_code": 500}, 500)
