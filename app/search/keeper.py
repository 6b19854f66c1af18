"""One index keeper per node: follows the catalogue's revision and keeps the local index current.

Web workers never build the index. The keeper runs beside them (started by `python -m app
serve`, or on its own as `python -m app keep-index`), reads the revision journal and applies
what changed:

- only changed providers: their documents are replaced in a copy of the current generation,
  which is then swapped in (seconds, even at 100 000 providers);
- everything, when there is no index yet, the documents changed shape, the journal no longer
  reaches back to the index's revision (a node that was away for long, a restored backup), or
  a bulk statement changed an unknown set of providers.

Revisions are allocated when a transaction commits, but on PostgreSQL two transactions can
commit in the other order. A revision missing below the newest is therefore waited for (a gap)
for GAP_WAIT_S before it is taken to have been rolled back; the index records only the revision
up to which nothing is missing, so a keeper that restarts does not skip anything either.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.catalogue import journal
from app.config import Settings
from app.db import make_engine
from app.models import CATALOGUE_CHANNEL
from app.search.documents import (
    IndexLabels,
    rebuild_search_index,
    schema_version,
    update_providers_in_index,
)
from app.search.store import index_state

if TYPE_CHECKING:
    from psycopg import Connection

logger = logging.getLogger(__name__)

GAP_WAIT_S = 60.0  # longer than any commit takes once its revision is allocated
MAX_INCREMENTAL = 5_000  # more changed providers than this: a full rebuild is faster
MAX_BACKOFF_S = 60.0
PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True)
class CatchUp:
    """What one catch-up did."""

    action: Literal["none", "incremental", "full"]
    revision: int  # the revision the index now holds
    providers: int = 0  # documents replaced or deleted (incremental)


@dataclass(frozen=True)
class IndexLag:
    """How far a node's index is behind the catalogue."""

    index_revision: int | None
    catalogue_revision: int
    seconds: float  # since the oldest change the index does not hold yet; 0 when current


def index_lag(*, session: Session, index_revision: int | None, now: dt.datetime) -> IndexLag:
    """The lag of an index built from `index_revision` (None: unknown, counts as all)."""
    newest = journal.catalogue_revision(session=session)
    oldest = journal.oldest_change_after(session=session, revision=index_revision or 0)
    behind = index_revision is None or index_revision < newest
    seconds = max((now - oldest).total_seconds(), 0.0) if behind and oldest else 0.0
    return IndexLag(index_revision, newest, seconds)


class IndexKeeper:
    """Brings the node's index to the database's revision, one catch-up at a time."""

    def __init__(
        self,
        settings: Settings,
        labels: IndexLabels,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.labels = labels
        self.engine: Engine = make_engine(settings.database_url, pool_size=1, max_overflow=1)
        self._clock = clock
        self._gaps: dict[int, float] = {}  # missing revision -> when first missed
        self._gaps_known = False  # those below the index's revision looked for yet
        # revisions above the index's that are in it already (held below a gap)
        self._applied: set[int] = set()
        self._last_prune = -PRUNE_EVERY_S

    def catch_up(self) -> CatchUp:
        """Apply what changed since the index's revision (or rebuild it); return what was done."""
        index_dir = self.settings.search_index_dir
        with Session(self.engine) as session:
            state = index_state(index_dir)
            newest = journal.catalogue_revision(session=session)
            if (
                state is None
                or state.revision is None
                or state.schema_version != schema_version(self.labels)
                or state.revision > newest  # the database was replaced or restored
                or state.damaged  # a worker found the served files damaged
            ):
                return self._rebuild(session, newest)
            oldest = journal.oldest_revision(session=session)
            if oldest is not None and state.revision < oldest - 1 and not self._gaps:
                return self._rebuild(session, newest)  # the journal was pruned past us
            if not self._gaps_known:
                # a keeper started (or restarted) on an index built by another – a keeper
                # stopped within GAP_WAIT_S of its rebuild, `reindex` – watches its gaps too
                # (above the oldest row kept: those below were pruned, not missing)
                self._watch_gaps_below(session, state.revision, above=(oldest or 1) - 1)
            changes = journal.changes_after(
                session=session, revision=state.revision, also=self._gaps
            )
            if not changes:
                return CatchUp("none", state.revision)
            provider_ids = {change.provider_id for change in changes}
            if None in provider_ids or len(provider_ids) > MAX_INCREMENTAL:
                return self._rebuild(session, newest)
            revisions = {change.revision for change in changes}
            held = self._complete_up_to(state.revision, revisions)
            if held == state.revision and revisions <= self._applied:
                # applied already; the index's revision waits below a gap (GAP_WAIT_S):
                # writing the same documents again would cost every worker a generation
                return CatchUp("none", state.revision)
            ids = {pid for pid in provider_ids if pid is not None}
            update_providers_in_index(
                session=session,
                index_dir=index_dir,
                labels=self.labels,
                provider_ids=ids,
                revision=held,
                grace_s=self.settings.index_generation_grace_s,
            )
            self._applied = {revision for revision in revisions if revision > held}
            logger.info("search index: %d providers updated, revision %d", len(ids), held)
            return CatchUp("incremental", held, len(ids))

    def _rebuild(self, session: Session, revision: int) -> CatchUp:
        logger.info("search index: full rebuild at revision %d", revision)
        rebuild_search_index(
            session=session,
            index_dir=self.settings.search_index_dir,
            labels=self.labels,
            revision=revision,
            grace_s=self.settings.index_generation_grace_s,
        )
        self._watch_gaps_below(session, revision)
        self._applied = set()
        return CatchUp("full", revision)

    def _watch_gaps_below(self, session: Session, revision: int, above: int = 0) -> None:
        """Revisions below the index's that are not in the journal may belong to
        transactions still committing: watch them like any other gap (GAP_WAIT_S)."""
        low = max(revision - 1000, above, 0)
        present = journal.present_revisions(session=session, low=low, high=revision)
        now = self._clock()
        self._gaps = {
            missing: self._gaps.get(missing, now)
            for missing in range(low + 1, revision + 1)
            if missing not in present
        }
        self._gaps_known = True

    def _complete_up_to(self, revision: int, seen: set[int]) -> int:
        """The newest revision up to which nothing is missing; remembers the gaps above it."""
        now = self._clock()
        for found in seen:
            self._gaps.pop(found, None)
        held = revision
        for candidate in range(revision + 1, max(seen, default=revision) + 1):
            if candidate not in seen:
                first_missed = self._gaps.setdefault(candidate, now)
                if now - first_missed < GAP_WAIT_S:
                    break  # still committing, perhaps: hold the revision below it
            held = candidate  # present, or missing for so long that it was rolled back
        self._gaps = {pk: at for pk, at in self._gaps.items() if now - at < GAP_WAIT_S}
        return held

    def prune(self) -> None:
        """Forget week-old journal rows, at most once an hour."""
        if self._clock() - self._last_prune < PRUNE_EVERY_S:
            return
        self._last_prune = self._clock()
        with Session(self.engine) as session:
            journal.prune_journal(session=session, now=dt.datetime.now(dt.UTC))

    def run(self, stop: threading.Event) -> None:
        """Catch up until `stop` is set: on every notification, and every poll interval."""
        backoff = 1.0
        waiter = _ChangeWaiter(self.engine)
        last_start = -self.settings.index_min_interval_s
        while not stop.is_set():
            # a burst of edits becomes one new generation per interval, not one per edit:
            # every generation costs each worker its per-generation caches (docs/performance.md)
            pause = last_start + self.settings.index_min_interval_s - self._clock()
            if pause > 0 and stop.wait(pause):
                break
            last_start = self._clock()
            try:
                self.catch_up()
                self.prune()
                wait = self.settings.index_poll_s
                backoff = 1.0
            except Exception:  # the index folder, the disk or the database: try again later
                logger.exception("search index keeper failed; retrying in %.0f s", backoff)
                wait, backoff = backoff, min(backoff * 2, MAX_BACKOFF_S)
            waiter.wait(wait, stop)
        waiter.close()
        self.engine.dispose()


class _ChangeWaiter:
    """Sleeps until the next poll, or (on PostgreSQL) until a commit sends a notification."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection[Any] | None = None

    def _listen(self) -> Connection[Any] | None:
        if self.engine.dialect.name != "postgresql":
            return None
        if self._connection is None:
            try:
                import psycopg

                url = self.engine.url.set(drivername="postgresql")
                connection = psycopg.connect(
                    url.render_as_string(hide_password=False), autocommit=True
                )
                connection.execute(f"LISTEN {CATALOGUE_CHANNEL}")
                self._connection = connection
            except Exception as error:  # polling still works
                logger.warning("cannot listen for catalogue changes: %s", error)
        return self._connection

    def wait(self, seconds: float, stop: threading.Event) -> None:
        connection = self._listen()
        if connection is None:
            stop.wait(seconds)
            return
        try:
            for _notification in connection.notifies(timeout=seconds, stop_after=1):
                break
        except Exception as error:  # a broken connection: poll, and listen again next time
            logger.warning("lost the catalogue notification connection: %s", error)
            self.close()
            stop.wait(min(seconds, 1.0))

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
