"""Application factory: settings, database, index, templates, middleware and routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp

from app import i18n
from app.accounts import MAX_CONCURRENT_HASHES
from app.catalogue.resources import load_catalogue_resources
from app.config import Settings
from app.db import make_engine_for
from app.guide.content import ALL_CODES, SERVICE_CODES, load_guide
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
    services,
    submissions,
)
from app.search.service import Synonyms, prepare_search
from app.search.store import IndexReader
from app.urgent_help import load_urgent_help
from app.web.deps import error_responses
from app.web.errors import http_error_page, install_error_handlers
from app.web.http_cache import ConditionalGetMiddleware
from app.web.middleware import (
    GZipExceptSecretPages,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
    TrailingSlashRedirect,
    TrustedHostExceptHealth,
)
from app.web.observability import (
    HttpMetrics,
    RequestObservabilityMiddleware,
    RouteTemplateRecorder,
    create_registry,
    install_access_log_privacy_filter,
    worker_exited,
)
from app.web.request_limits import RequestLimitsMiddleware
from app.web.security import SessionSigner
from app.web.static_files import FingerprintedStaticFiles
from app.web.templating import STATIC_DIR, create_templates

logger = logging.getLogger(__name__)
REQUEST_REFUSED = error_responses({400: "A control character (such as NUL) in the path or query"})
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
        app.state.index_reader.close()
        app.state.engine.dispose()
        worker_exited(settings.prometheus_multiproc_dir)

    app = PolkuApp(
        title="Polku API",
        summary="Finland's employment-promoting social services: guide, regions and providers.",
        version="1",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema stays
        redoc_url=None,
        lifespan=lifespan,
        # Starlette's redirect would name the request's Host and, behind the locale, lose
        # the reading version: TrailingSlashRedirect does it instead
        redirect_slashes=False,
    )
    i18n.load_catalogues()
    app.state.settings = settings
    app.state.engine = make_engine_for(settings)
    app.state.index_reader = IndexReader(settings.search_index_dir)
    app.state.templates = create_templates()
    app.state.guide = load_guide()
    app.state.catalogue = load_catalogue_resources(app.state.guide)
    app.state.synonyms = Synonyms()
    app.state.pathway = load_pathway(set(SERVICE_CODES))
    app.state.urgent_help = load_urgent_help(ALL_CODES, app.state.pathway.support_values)
    app.state.session_signer = SessionSigner(settings.secret_key)
    # Sign-ins running at once per worker (the rest wait without a thread, then 429): the
    # password-hash slots plus as many doing their database work.
    app.state.sign_in_slots = asyncio.Semaphore(2 * MAX_CONCURRENT_HASHES)

    if settings.metrics_served:
        multiprocess_dir = settings.prometheus_multiproc_dir
        app.state.metrics_registry = create_registry(
            app.state.engine, app.state.index_reader, multiprocess_dir
        )
        # in multiprocess mode the workers' files are the store; the scrape adds them up
        app.state.http_metrics = HttpMetrics(
            None if multiprocess_dir is not None else app.state.metrics_registry
        )
        app.include_router(metrics.router)

    app.add_middleware(RouteTemplateRecorder)  # innermost: sees the route the router chose
    # inside the locale: refusals are pages in the reader's language
    app.add_middleware(
        RequestLimitsMiddleware,
        error_page=http_error_page,
        max_public_body_bytes=settings.max_public_body_bytes,
        max_maintainer_body_bytes=settings.max_maintainer_body_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(ConditionalGetMiddleware)  # inside gzip: hashes the plain body
    app.add_middleware(GZipExceptSecretPages, minimum_size=GZIP_MINIMUM_BYTES)
    app.mount("/static", FingerprintedStaticFiles(directory=STATIC_DIR), name="static")
    routers = (
        pages, services, providers, submissions, pathway, admin, api, api_providers, api_pathway,
        hsds, health,
    )  # fmt: skip
    for module in routers:
        # the request limits answer any JSON operation 400 for a control character
        responses = REQUEST_REFUSED if module in (api, api_providers, api_pathway, hsds) else None
        app.include_router(module.router, responses=responses)
    # sees the public path, before the locale; a route whose own path ends in a slash (the
    # HSDS API's root, /hsds/) is left to the router
    slashed = {
        path
        for module in routers
        for route in module.router.routes
        if (path := getattr(route, "path", "")).endswith("/")
    }
    app.add_middleware(TrailingSlashRedirect, routes_with_slash=slashed)
    allowed_hosts = [host.strip() for host in settings.trusted_hosts.split(",") if host.strip()]
    if allowed_hosts and "*" not in allowed_hosts:
        # outermost of these: a request for another host is refused before any work is done
        # (but for /healthz: probes ask by address)
        app.add_middleware(TrustedHostExceptHealth, allowed_hosts=allowed_hosts)
    install_error_handlers(app)
    return app
