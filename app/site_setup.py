"""Setting a site up: migrations, bundled data and the search index (used by the CLI)."""

from __future__ import annotations

import logging
import logging.config
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.catalogue.journal import catalogue_revision
from app.catalogue.resources import load_catalogue_resources
from app.config import Settings
from app.contacts import (
    CONTACT_SUBJECT,
    SERVICE_PAGE_SUBJECT,
    load_employment_areas,
    load_region_contacts,
    maintained_regions,
)
from app.db import make_engine, migrate
from app.geography import load_geography
from app.guide.content import load_guide
from app.interop.bundled import load_bundled_providers
from app.search.documents import IndexLabels, rebuild_search_index
from app.search.keeper import IndexKeeper

logger = logging.getLogger(__name__)
Report = Callable[[str], None]


def _quiet(_message: str) -> None:
    """Report nothing."""


def initialise_site(
    settings: Settings, report: Report = _quiet, *, build_index: bool = True
) -> None:
    """Migrate, load the bundled data and (unless told not to) build this machine's index;
    safe to run again. A deployment's one-off job leaves the index to each node's keeper."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_secret_key()
    report("Migrating the database")
    migrate(settings.database_url)
    resources = load_catalogue_resources(load_guide())
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            regions, municipalities = load_geography(session=session)
            report(f"Loaded {regions} regions and {municipalities} municipalities")
            contacts, pages = load_region_contacts(session=session)
            report(f"Loaded {contacts} region contacts and {pages} organisers' service pages")
            for subject, what in (
                (CONTACT_SUBJECT, "contacts"),
                (SERVICE_PAGE_SUBJECT, "service pages"),
            ):
                if kept := maintained_regions(session=session, subject=subject):
                    report(
                        f"Kept the {what} maintainers edited in regions {', '.join(sorted(kept))}"
                    )
            areas, members = load_employment_areas(session=session)
            report(f"Loaded {areas} employment areas with {members} member municipalities")
            providers = load_bundled_providers(session=session, mappings=resources.mappings)
            report(f"Loaded {providers} providers from the bundled data")
    finally:
        engine.dispose()
    if build_index:
        reindex_site(settings, report)


def index_keeper(settings: Settings) -> IndexKeeper:
    """This node's index keeper, with the labels the guide and vocabularies give."""
    resources = load_catalogue_resources(load_guide())
    return IndexKeeper(settings, IndexLabels.from_resources(resources))


ORPHAN_CHECK_INTERVAL_S = 1.0


def _stop_when_orphaned(parent_pid: int, stop: threading.Event) -> None:
    """Set `stop` once the process that started this one is gone. A `serve` killed with
    SIGKILL cannot stop its keeper, which would otherwise go on writing the node's index
    folder beside the next `serve`'s keeper."""
    while True:
        if os.getppid() != parent_pid:
            logger.warning("serve (process %d) is gone: the index keeper stops", parent_pid)
            stop.set()
        if stop.wait(ORPHAN_CHECK_INTERVAL_S):
            return


def keep_index_until_stopped(settings: Settings, parent_pid: int | None = None) -> None:
    """Run this node's index keeper until SIGTERM (or, with `parent_pid`, until that process
    is gone)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    if parent_pid is not None:
        watcher = threading.Thread(
            target=_stop_when_orphaned, args=(parent_pid, stop), name="orphan-watch", daemon=True
        )
        watcher.start()
    logger.info("index keeper for %s started", settings.search_index_dir)
    index_keeper(settings).run(stop)


def index_keeper_process(
    settings_values: dict[str, Any], log_config: dict[str, Any], parent_pid: int
) -> None:
    """Entry point of `serve`'s keeper child process (a module function: spawn imports it).
    `parent_pid` is `serve`'s, given by `serve`: read here, after the imports, it could
    already be init's if `serve` died meanwhile."""
    logging.config.dictConfig(log_config)
    keep_index_until_stopped(Settings(**settings_values), parent_pid=parent_pid)


def reindex_site(
    settings: Settings, report: Report = _quiet, progress: Callable[[int], None] | None = None
) -> Path:
    """Rebuild the search index from the database and swap it in atomically."""
    resources = load_catalogue_resources(load_guide())
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            report(f"Building the search index in {settings.search_index_dir}")
            return rebuild_search_index(
                session=session,
                index_dir=settings.search_index_dir,
                labels=IndexLabels.from_resources(resources),
                progress=progress,
                revision=catalogue_revision(session=session),
                grace_s=settings.index_generation_grace_s,
            )
    finally:
        engine.dispose()
