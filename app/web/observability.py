"""Operations: request ids, structured logs without personal data, and Prometheus metrics.

Every request gets an id (a sane incoming `X-Request-ID`, else a new one) that is returned
in the response and stamped on every log line written while the request runs. The access
log is written here rather than by uvicorn, and never carries a query string: questionnaire
answers and search words live there. Client addresses and user agents are not logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import split_version
from app.models import ImportRun
from app.search.keeper import index_lag
from app.search.store import IndexReader, IndexUnavailableError

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("app.access")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
UNMATCHED_ROUTE = "unmatched"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MAX_LOGGED_PATH = 512  # characters; longer paths are cut, so a request cannot flood the log
ACCESS_FIELDS = ("method", "path", "route", "status", "duration_ms", "bytes")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


@dataclass
class _RouteSlot:
    """Filled in by RouteTemplateRecorder once the router has chosen a route."""

    template: str | None = None


_route_slot_var: ContextVar[_RouteSlot | None] = ContextVar("route_slot", default=None)


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return request_id_var.get()


def _request_id_from(scope: Scope) -> str:
    incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
    return incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


# --- Logging -----------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Stamps the current request id on each record (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ access fields)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_LOG_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def escape_controls(text: str) -> str:
    """Control characters as visible escapes (\\x0a), so that no input forges a line."""
    return _LOG_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


class TextFormatter(logging.Formatter):
    """The text format with control characters escaped in the message (IN-09); a
    traceback, appended after the message, keeps its lines."""

    def __init__(self, format: str = TEXT_FORMAT) -> None:  # named as dictConfig's key
        super().__init__(fmt=format)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))


def logging_config(log_format: Literal["json", "text"], level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server: root and uvicorn loggers, one format.

    Passed to uvicorn as `log_config`, so that every worker process applies it.
    """
    formatter: dict[str, Any] = (
        {"()": "app.web.observability.JsonFormatter"}
        if log_format == "json"
        else {"()": "app.web.observability.TextFormatter", "format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "app.web.observability.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            # replaced by app.access, which never logs query strings
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


# --- Metrics -----------------------------------------------------------------------------


class HttpMetrics:
    """Request counts and latencies by route template (never raw paths: cardinality).

    With `registry=None` (multiprocess mode) the values are only written to the worker's
    file in PROMETHEUS_MULTIPROC_DIR, and the scrape registry reads all workers' files.
    """

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter(
            "http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        method = method if method in _KNOWN_METHODS else "other"
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


class SiteCollector(Collector):
    """Index age and lag, and import runs, read at scrape time (a stat and a few queries)."""

    def __init__(self, engine: Engine, index_reader: IndexReader) -> None:
        self.engine = engine
        self.index_reader = index_reader

    def collect(self) -> Iterable[Metric]:
        yield from self._index_metrics()
        yield from self._import_metrics()

    def _index_metrics(self) -> Iterator[Metric]:
        try:
            status = self.index_reader.status()
        except IndexUnavailableError:
            return
        yield GaugeMetricFamily(
            "polku_search_index_age_seconds",
            "Seconds since the current search index generation was built.",
            value=max(0.0, time.time() - status.built_at),
        )
        yield GaugeMetricFamily(
            "polku_search_index_documents",
            "Documents in the current search index generation.",
            value=status.document_count,
        )
        if status.revision is not None:
            yield GaugeMetricFamily(
                "polku_search_index_revision",
                "Catalogue revision the current search index generation holds.",
                value=status.revision,
            )
        try:
            with Session(self.engine) as session:
                lag = index_lag(
                    session=session, index_revision=status.revision, now=dt.datetime.now(dt.UTC)
                )
        except SQLAlchemyError as error:
            logger.warning("index lag not readable for metrics: %s", type(error).__name__)
            return
        yield GaugeMetricFamily(
            "polku_search_index_lag_seconds",
            "Seconds since the oldest catalogue change this node's index does not hold yet.",
            value=lag.seconds,
        )

    def _import_metrics(self) -> Iterator[Metric]:
        query = select(ImportRun.source, func.count(), func.max(ImportRun.at)).group_by(
            ImportRun.source
        )
        try:
            with Session(self.engine) as session:
                rows = session.exec(query).all()
        except SQLAlchemyError as error:
            logger.warning("import runs not readable for metrics: %s", type(error).__name__)
            return
        runs = CounterMetricFamily(
            "polku_import_runs", "Applied imports, by source.", labels=["source"]
        )
        last = GaugeMetricFamily(
            "polku_import_last_run_timestamp_seconds",
            "Unix time of the last applied import, by source.",
            labels=["source"],
        )
        for source, count, at in rows:
            runs.add_metric([source], count)
            if at is not None:
                aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)  # SQLite drops the zone
                last.add_metric([source], aware.timestamp())
        yield runs
        yield last


def create_registry(
    engine: Engine, index_reader: IndexReader, multiprocess_dir: Path | None = None
) -> CollectorRegistry:
    """A registry of this app's own (not the process-global one, so apps never collide).

    In multiprocess mode (several workers) it adds up the request metrics of every worker of
    the node from their files; the process and garbage-collector figures of one worker would
    mislead there and are left out.
    """
    registry = CollectorRegistry()
    if multiprocess_dir is not None:
        # prometheus_client leaves the multiprocess functions unannotated
        MultiProcessCollector(registry, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
    else:
        ProcessCollector(registry=registry)
        GCCollector(registry=registry)
    PlatformCollector(registry=registry)
    registry.register(SiteCollector(engine, index_reader))
    return registry


def prepare_multiprocess_dir(folder: Path) -> None:
    """Create the metrics folder of a node, or empty it of an earlier run's worker files
    (those would otherwise be added to this run's counts)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def worker_exited(multiprocess_dir: Path | None) -> None:
    """Tell prometheus_client that this worker is gone: its live gauges stop counting
    (its counters and histograms keep adding to the node's totals, as they should)."""
    if multiprocess_dir is not None:
        # unannotated in prometheus_client
        mark_process_dead(os.getpid(), path=str(multiprocess_dir))  # type: ignore[no-untyped-call]


# --- Middleware --------------------------------------------------------------------------


class RequestObservabilityMiddleware:
    """Request id, access log line and request metrics; wraps the whole app, error pages too."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id_from(scope)
        id_token = request_id_var.set(request_id)
        slot = _RouteSlot()
        slot_token = _route_slot_var.set(slot)
        started = time.perf_counter()
        status, sent = 500, 0  # what an exception before the response start amounts to

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            self._finish(scope, slot, status, sent, started)
            raise  # the id stays set, so the server's traceback line carries it too
        self._finish(scope, slot, status, sent, started)
        _route_slot_var.reset(slot_token)
        request_id_var.reset(id_token)

    def _finish(
        self, scope: Scope, slot: _RouteSlot, status: int, sent: int, started: float
    ) -> None:
        seconds = time.perf_counter() - started
        route = slot.template or UNMATCHED_ROUTE
        method: str = scope["method"]
        path: str = scope["path"][:_MAX_LOGGED_PATH]  # the ASGI path never holds the query
        if self.metrics is not None:
            self.metrics.observe(method, route, status, seconds)
        duration_ms = round(seconds * 1000, 1)
        access_logger.info(
            "%s %s %d %.1f ms",
            method,
            path,
            status,
            duration_ms,
            extra={
                "method": method,
                "path": path,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "bytes": sent,
            },
        )


class RouteTemplateRecorder:
    """Innermost middleware: notes the template of the route the router chose.

    The router writes the route into the scope it receives; outer middleware sees copies
    of the scope (the locale middleware rewrites the path), so the template is handed out
    through a context variable instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            slot = _route_slot_var.get()
            route = scope.get("route")
            if slot is not None and route is not None:
                slot.template = getattr(route, "path", None)


PRIVATE_PATH_PREFIXES = ("/polku", "/api/v1/pathway")  # questionnaire answers live in the query


class StripPrivateQueryStrings(logging.Filter):
    """Removes the query string of questionnaire requests from uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, _, _query = args[2].partition("?")
            if split_version(path)[1].startswith(PRIVATE_PATH_PREFIXES):
                record.args = (args[0], args[1], path, args[3], args[4])
        return True


def install_access_log_privacy_filter() -> None:
    """Attach the filter once to uvicorn's access logger."""
    access_logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, StripPrivateQueryStrings) for f in access_logger.filters):
        access_logger.addFilter(StripPrivateQueryStrings())
