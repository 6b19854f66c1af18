"""Several nodes, one database: the revision journal and each node's index keeper.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where the keeper
also listens for the commit's NOTIFY).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlmodel import Session, col, delete, select

from app.accounts import create_user
from app.catalogue import journal, maintenance
from app.config import Settings
from app.db import make_engine
from app.models import (
    CatalogueChange,
    Municipality,
    Provider,
    ProviderActivity,
    Region,
    User,
)
from app.search import documents as documents_module
from app.search import keeper as keeper_module
from app.search.facet_table import SNAPSHOT_FILE, FacetTable
from app.search.keeper import GAP_WAIT_S, CatchUp, IndexKeeper
from app.search.store import IndexReader, IndexUnavailableError, index_state, verify_generation
from app.site_setup import index_keeper, initialise_site
from app.web.main import create_app
from tests.fixtures.databases import DATABASES, empty_database_url
from tests.fixtures.web import ValidatingClient


@pytest.fixture(scope="module", params=DATABASES)
def node_a(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A site of its own (these tests change data): node A's settings and index."""
    var_dir = tmp_path_factory.mktemp(f"node-a-{request.param}")
    settings = Settings(
        var_dir=var_dir,
        database_url=empty_database_url(str(request.param), var_dir, schema="keeper_test"),
        base_url="https://polku.example",
    )
    initialise_site(settings)
    return settings


@pytest.fixture(scope="module")
def node_b(node_a: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A second node on the same database with an index folder of its own."""
    var_dir = tmp_path_factory.mktemp("node-b")
    shutil.copytree(node_a.search_index_dir, var_dir / "index")
    return Settings(
        var_dir=var_dir,
        database_url=node_a.database_url,
        base_url="https://polku.example",
        index_poll_s=0.2,
    )


@pytest.fixture
def session(node_a: Settings) -> Iterator[Session]:
    engine = make_engine(node_a.database_url)
    with Session(engine) as open_session:
        yield open_session
    engine.dispose()


@pytest.fixture
def keeper_b(node_b: Settings) -> Iterator[IndexKeeper]:
    keeper = index_keeper(node_b)
    yield keeper
    keeper.engine.dispose()


def _user(session: Session) -> User:
    found = session.exec(select(User).where(User.username == "keeper-admin")).first()
    return found or create_user(
        session=session, username="keeper-admin", password="a long test password",
        role="admin", regions=[],
    )  # fmt: skip


def _provider(session: Session, name_part: str = "") -> Provider:
    statement = select(Provider).where(Provider.status != "closed").order_by(col(Provider.id))
    if name_part:
        statement = statement.where(col(Provider.name).contains(name_part))
    provider = session.exec(statement).first()
    assert provider is not None
    return provider


def _indexed_status(settings: Settings, provider_id: int) -> str | None:
    reader = IndexReader(settings.search_index_dir)
    try:
        found = reader.searcher().document(kind="provider", provider_id=provider_id)
        return None if found is None else str(found["status"])
    finally:
        reader.close()


# --- The journal ---------------------------------------------------------------------------


def test_every_committed_change_raises_the_revision_and_names_the_provider(
    session: Session,
) -> None:
    before = journal.catalogue_revision(session=session)
    provider = _provider(session)
    maintenance.mark_checked(
        session=session, provider=provider, user=_user(session), today=dt.date.today()
    )
    after = journal.catalogue_revision(session=session)
    assert after > before
    changes = journal.changes_after(session=session, revision=before)
    assert provider.id in {change.provider_id for change in changes}


def test_a_rolled_back_change_leaves_no_revision(session: Session) -> None:
    before = journal.catalogue_revision(session=session)
    provider = _provider(session)
    provider.phone = "+358 40 000 0000"
    session.add(provider)
    session.flush()
    session.rollback()
    session.commit()  # nothing left to commit: the rollback forgot the change
    assert journal.catalogue_revision(session=session) == before


def test_a_bulk_delete_of_codes_names_its_provider(session: Session) -> None:
    provider = _provider(session)
    before = journal.catalogue_revision(session=session)
    session.exec(delete(ProviderActivity).where(col(ProviderActivity.provider_id) == provider.id))
    session.commit()
    changes = journal.changes_after(session=session, revision=before)
    assert [change.provider_id for change in changes] == [provider.id]


def test_an_orm_bulk_insert_names_its_providers(session: Session) -> None:
    provider = _provider(session)
    before = journal.catalogue_revision(session=session)
    session.execute(  # executemany rows: how imports and benchmarks write codes in bulk
        insert(ProviderActivity), [{"provider_id": provider.id, "code": "journal-test"}]
    )
    session.commit()
    changes = journal.changes_after(session=session, revision=before)
    assert [change.provider_id for change in changes] == [provider.id]


def test_a_modified_provider_gets_a_new_updated_at(session: Session) -> None:
    provider = _provider(session)
    earlier = provider.updated_at
    provider.waiting_time = f"noin {time.time_ns() % 10 + 1} viikkoa"
    session.add(provider)
    session.commit()
    session.refresh(provider)
    assert provider.updated_at.replace(tzinfo=None) > earlier.replace(tzinfo=None)


# --- The keeper ------------------------------------------------------------------------------


def test_a_change_on_node_a_is_applied_incrementally_on_node_b(
    node_a: Settings, node_b: Settings, session: Session, keeper_b: IndexKeeper
) -> None:
    keeper_b.catch_up()  # start level with the database
    documents = IndexReader(node_b.search_index_dir).searcher().doc_count()
    provider = _provider(session)
    assert provider.id is not None
    with ValidatingClient(create_app(node_a)):  # node A serves; its workers build nothing
        maintenance.set_closed(session=session, provider=provider, user=_user(session), closed=True)
    assert _indexed_status(node_b, provider.id) != "closed"
    done = keeper_b.catch_up()
    assert done.action == "incremental" and done.providers == 1
    assert _indexed_status(node_b, provider.id) == "closed"
    assert IndexReader(node_b.search_index_dir).searcher().doc_count() == documents
    state = index_state(node_b.search_index_dir)
    assert state is not None and state.revision == journal.catalogue_revision(session=session)
    assert keeper_b.catch_up().action == "none"


def test_node_b_finds_an_edit_within_seconds_while_its_keeper_runs(
    node_b: Settings, session: Session, keeper_b: IndexKeeper
) -> None:
    keeper_b.catch_up()
    stop = threading.Event()
    runner = threading.Thread(target=keeper_b.run, args=(stop,), daemon=True)
    runner.start()
    try:
        provider = _provider(session)
        assert provider.id is not None
        started = time.monotonic()
        maintenance.set_closed(session=session, provider=provider, user=_user(session), closed=True)
        while _indexed_status(node_b, provider.id) != "closed":
            assert time.monotonic() - started < 10, "node B's index did not follow in 10 s"
            time.sleep(0.05)
    finally:
        stop.set()
        runner.join(timeout=30)


def test_no_index_or_other_documents_mean_a_full_rebuild(
    node_b: Settings, keeper_b: IndexKeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    keeper_b.catch_up()
    # A new release whose documents look different: every node rebuilds once.
    for module in (keeper_module, documents_module):
        monkeypatch.setattr(module, "schema_version", lambda labels: "another shape")
    assert keeper_b.catch_up().action == "full"
    assert keeper_b.catch_up().action == "none"
    monkeypatch.undo()
    assert keeper_b.catch_up().action == "full"  # and back
    shutil.rmtree(node_b.search_index_dir)
    rebuilt = keeper_b.catch_up()
    assert rebuilt.action == "full"
    assert (node_b.search_index_dir / "CURRENT").exists()


def test_a_bulk_change_to_unknown_providers_rebuilds_everything(
    session: Session, keeper_b: IndexKeeper
) -> None:
    keeper_b.catch_up()
    session.add(CatalogueChange(provider_id=None))
    session.commit()
    assert keeper_b.catch_up().action == "full"


def test_a_release_with_other_labels_rebuilds_once(
    keeper_b: IndexKeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Labels make codes searchable ("puutyö" finds the woodwork code); they come with a
    release, not through the journal: other labels mean every node rebuilds once."""
    keeper_b.catch_up()
    titles = dict(keeper_b.labels.service_titles)
    code = sorted(titles)[0]
    titles[code] = [*titles[code], "uusi nimi"]
    monkeypatch.setattr(keeper_b, "labels", replace(keeper_b.labels, service_titles=titles))
    assert keeper_b.catch_up().action == "full"
    assert keeper_b.catch_up().action == "none"
    monkeypatch.undo()
    assert keeper_b.catch_up().action == "full"


def test_a_renamed_place_rebuilds_every_node(session: Session, keeper_b: IndexKeeper) -> None:
    """Every provider's document holds its municipality's and region's names: `init`
    renaming one (a merger of municipalities, a corrected Swedish name) journals "all"."""
    keeper_b.catch_up()
    municipality = session.exec(select(Municipality).order_by(col(Municipality.code))).first()
    assert municipality is not None
    original = municipality.name_sv
    before = journal.catalogue_revision(session=session)
    region = session.get(Region, municipality.region_code)
    assert region is not None
    region.website, site = "https://example.org/hyvinvointialue", region.website
    session.commit()  # nothing indexed changed: no revision
    region.website = site
    session.commit()
    assert journal.catalogue_revision(session=session) == before
    try:
        municipality.name_sv = f"{original} (ny)"
        session.commit()
        changes = journal.changes_after(session=session, revision=before)
        assert [change.provider_id for change in changes] == [None]
        assert keeper_b.catch_up().action == "full"
    finally:
        municipality.name_sv = original
        session.commit()
    assert keeper_b.catch_up().action == "full"
    assert keeper_b.catch_up().action == "none"


def test_a_revision_still_committing_is_waited_for_then_given_up(
    session: Session, node_b: Settings, keeper_b: IndexKeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revision n+1 is missing while n+2 is there: the index holds n until n+1 arrives or
    has been missing for GAP_WAIT_S (a rolled-back transaction)."""
    keeper_b.catch_up()
    now = [1000.0]
    monkeypatch.setattr(keeper_b, "_clock", lambda: now[0])
    held = journal.catalogue_revision(session=session)
    provider = _provider(session)
    missing, present = (CatalogueChange(provider_id=provider.id) for _ in range(2))
    for change in (missing, present):
        session.add(change)
        session.commit()
    assert (missing.id, present.id) == (held + 1, held + 2)
    session.delete(missing)  # as if its transaction were still committing, or rolled back
    session.commit()
    assert keeper_b.catch_up() == CatchUp("incremental", held, 1)  # n+2 in, n+1 may come
    generation = (node_b.search_index_dir / "CURRENT").read_text()
    now[0] += GAP_WAIT_S / 2
    # n+2 is not written again while the index waits below n+1: no new generation
    assert keeper_b.catch_up() == CatchUp("none", held)
    assert (node_b.search_index_dir / "CURRENT").read_text() == generation
    now[0] += GAP_WAIT_S
    assert keeper_b.catch_up().revision == held + 2  # n+1 never came


def test_a_restarted_keeper_still_applies_a_late_commit_below_its_index(
    session: Session, node_b: Settings, keeper_b: IndexKeeper
) -> None:
    """A full rebuild at revision n+3 while n+1 was still committing, then the node
    restarts: its new keeper knows nothing of the first one's gaps, and must still apply
    n+1 when it commits (looked for during GAP_WAIT_S, as any gap)."""
    keeper_b.catch_up()
    held = journal.catalogue_revision(session=session)
    provider = _provider(session)
    assert provider.id is not None and provider.status != "closed"
    status = provider.status
    assert _indexed_status(node_b, provider.id) == status
    late, present, everything = (CatalogueChange(provider_id=provider.id) for _ in range(3))
    everything.provider_id = None  # "anything may have changed": a full rebuild
    for change in (late, present, everything):
        session.add(change)
        session.commit()
    assert (late.id, everything.id) == (held + 1, held + 3)
    session.delete(late)  # its transaction is still committing
    session.commit()
    assert keeper_b.catch_up() == CatchUp("full", held + 3)

    restarted = index_keeper(node_b)
    try:
        assert restarted.catch_up().action == "none"
        # n+1 commits: the provider closed (written past the session's own journalling, as
        # the transaction that took revision n+1 before the rebuild would have)
        session.execute(
            text("UPDATE provider SET status = 'closed' WHERE id = :id"), {"id": provider.id}
        )
        session.add(CatalogueChange(id=held + 1, provider_id=provider.id))
        session.commit()
        assert restarted.catch_up().action == "incremental"
        assert _indexed_status(node_b, provider.id) == "closed"
    finally:
        restarted.engine.dispose()
        session.refresh(provider)
        provider.status = status  # for the module's other tests
        session.commit()


def test_a_restored_older_database_rebuilds_the_index(
    keeper_b: IndexKeeper, node_b: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    keeper_b.catch_up()
    state = index_state(node_b.search_index_dir)
    assert state is not None and state.revision is not None
    older = state.revision - 1  # as if the database were an older backup
    monkeypatch.setattr(journal, "catalogue_revision", lambda session: older)
    assert keeper_b.catch_up().action == "full"


def test_health_reports_revisions_and_turns_degraded_when_the_index_lags(
    node_b: Settings, session: Session, keeper_b: IndexKeeper
) -> None:
    keeper_b.catch_up()
    lagging = Settings(**{**node_b.model_dump(), "index_max_lag_s": 0.05})
    with ValidatingClient(create_app(lagging)) as client:
        current = client.get("/healthz").json()
        assert current["status"] == "ok"
        assert current["index_revision"] == current["catalogue_revision"]
        assert current["index_lag_seconds"] == 0
        provider = _provider(session)
        maintenance.mark_checked(
            session=session, provider=provider, user=_user(session), today=dt.date.today()
        )
        time.sleep(0.2)
        behind = client.get("/healthz")
        assert behind.status_code == 200  # still serving
        report = behind.json()
        assert report["status"] == "degraded" and report["index"] == "behind"
        assert report["catalogue_revision"] > report["index_revision"]
        assert report["index_lag_seconds"] >= 0.1
        metrics = client.get("/metrics").text
        assert "polku_search_index_lag_seconds" in metrics
        assert f"polku_search_index_revision {float(report['index_revision'])}" in metrics
        keeper_b.catch_up()
        assert client.get("/healthz").json()["status"] == "ok"


def test_a_running_node_counts_facets_and_places_from_the_new_generation(
    node_b: Settings, session: Session, keeper_b: IndexKeeper
) -> None:
    """Facet table, pool cache and place names are kept per index generation: a search
    repeated after the keeper applies a change must not be answered from the old one."""
    keeper_b.catch_up()
    provider = _provider(session, "Pakila")
    assert provider.id is not None
    params = {"q": "verhoomo Helsingissä"}  # a text and a place word: both cached
    with ValidatingClient(create_app(node_b)) as client:
        before = client.get("/api/v1/providers", params=params).json()
        assert before["total"] == 1 and before["places"][0]["code"] == "091"
        assert before["facets"]["status"].get("closed") is None
        maintenance.set_closed(session=session, provider=provider, user=_user(session), closed=True)
        assert keeper_b.catch_up().action == "incremental"
        after = client.get("/api/v1/providers", params=params).json()
        assert after["total"] == 0  # closed providers are listed only when asked for
        shown = client.get("/api/v1/providers", params={**params, "status": "closed"}).json()
        assert shown["total"] == 1 and shown["facets"]["status"] == {"closed": 1}
    maintenance.set_closed(session=session, provider=provider, user=_user(session), closed=False)
    keeper_b.catch_up()


def test_the_keeper_updates_the_index_at_most_once_per_interval(
    node_b: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits arriving every moment (here: a poll every 10 ms) make one new generation per
    INDEX_MIN_INTERVAL_S, not one per edit: each generation costs every worker its caches."""
    settings = node_b.model_copy(update={"index_poll_s": 0.01, "index_min_interval_s": 0.5})
    keeper = index_keeper(settings)
    started: list[float] = []
    monkeypatch.setattr(keeper, "catch_up", lambda: started.append(time.monotonic()))
    monkeypatch.setattr(keeper, "prune", lambda: None)
    stop = threading.Event()
    runner = threading.Thread(target=keeper.run, args=(stop,), daemon=True)
    runner.start()
    time.sleep(1.8)
    stop.set()
    runner.join(timeout=10)
    assert 2 <= len(started) <= 4, started
    gaps = [later - earlier for earlier, later in itertools.pairwise(started)]
    assert all(gap >= 0.49 for gap in gaps), gaps


SERVE_STAND_IN = """
import json, sys, time
from app.__main__ import _start_index_keeper
from app.config import Settings
keeper = _start_index_keeper(Settings(**json.loads(sys.argv[1])))
print(keeper.pid, flush=True)
time.sleep(600)
"""


def test_a_keeper_whose_serve_was_killed_stops_by_itself(site_settings: Settings) -> None:
    """`serve` killed with SIGKILL cannot stop its keeper child: the keeper notices that its
    parent is gone and stops, instead of writing the index folder beside the next keeper."""
    settings = json.dumps(site_settings.model_dump(mode="json"))
    serve = subprocess.Popen(
        [sys.executable, "-c", SERVE_STAND_IN, settings], stdout=subprocess.PIPE, text=True
    )
    assert serve.stdout is not None
    keeper_pid = int(serve.stdout.readline())
    try:
        time.sleep(1)
        assert _is_running(keeper_pid), "the keeper started"
        serve.kill()
        serve.wait(timeout=10)
        deadline = time.monotonic() + 20
        while _is_running(keeper_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _is_running(keeper_pid), "the orphaned keeper is still running"
    finally:
        serve.kill()
        if _is_running(keeper_pid):
            os.kill(keeper_pid, signal.SIGKILL)


SERVE_WITH_SUPERVISOR = """
import json, sys, time
import app.__main__ as serve
from app.config import Settings
serve.KEEPER_RESTART_FIRST_S = 0.2
keeper = serve.KeeperSupervisor(Settings(**json.loads(sys.argv[1])))
while sys.stdin.readline().strip() != "stop":  # each line: print the keeper's pid
    print(keeper.process.pid, flush=True)
keeper.stop()
print("stopped", keeper.process.pid, keeper.process.exitcode, flush=True)
"""


def test_a_keeper_that_dies_is_started_again_and_stops_with_serve(
    site_settings: Settings,
) -> None:
    """A keeper killed while `serve` runs (for its memory, say) is replaced: the node's
    search would otherwise stay at the index it had until `serve` restarted."""
    settings = json.dumps(site_settings.model_dump(mode="json"))
    serve = subprocess.Popen(
        [sys.executable, "-c", SERVE_WITH_SUPERVISOR, settings],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert serve.stdin is not None and serve.stdout is not None
    pids: list[int] = []

    def keeper_pid() -> int:
        assert serve.stdin is not None and serve.stdout is not None
        serve.stdin.write("pid\n")
        serve.stdin.flush()
        return int(serve.stdout.readline())

    try:
        pids.append(keeper_pid())
        time.sleep(1)
        assert _is_running(pids[0]), "the keeper started"
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (pid := keeper_pid()) == pids[0] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pid != pids[0], "no new keeper after the first was killed"
        pids.append(pid)
        assert _is_running(pid)
        serve.stdin.write("stop\n")
        serve.stdin.flush()
        assert serve.stdout.readline().split()[:2] == ["stopped", str(pid)]
        assert serve.wait(timeout=20) == 0
        assert not _is_running(pid), "the keeper outlived serve's stop"
    finally:
        serve.kill()
        for pid in pids:
            if _is_running(pid):
                os.kill(pid, signal.SIGKILL)


def _is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (an orphan is reaped by init)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


# --- The facet table's snapshot -------------------------------------------------------------


def _served_table(settings: Settings) -> tuple[FacetTable, FacetTable, Path]:
    """The current generation's table as a worker loads it, as read from the index, and the
    generation's folder."""
    reader = IndexReader(settings.search_index_dir)
    try:
        with reader.lease() as lease:
            loaded = FacetTable.for_generation(lease.searcher, lease.directory)
            read = FacetTable.from_searcher(lease.searcher)
            return loaded, read, lease.directory
    finally:
        reader.close()


def _same_table(one: FacetTable, other: FacetTable) -> bool:
    return (one.records, one.by_name, one.by_municipality, one.free_places_since) == (
        other.records, other.by_name, other.by_municipality, other.free_places_since,
    )  # fmt: skip


def test_each_generation_carries_a_facet_snapshot_of_its_own_documents(
    node_b: Settings, session: Session, keeper_b: IndexKeeper
) -> None:
    """A worker loads the facet table from the snapshot the keeper wrote with the generation
    (seconds saved per generation at 100 000 providers); an incremental update writes a new
    one, never the copied generation's."""
    keeper_b.catch_up()
    loaded, read, directory = _served_table(node_b)
    assert (directory / SNAPSHOT_FILE).is_file()
    assert _same_table(loaded, read)
    provider = _provider(session)
    assert provider.id is not None
    maintenance.set_closed(session=session, provider=provider, user=_user(session), closed=True)
    assert keeper_b.catch_up().action == "incremental"
    loaded_after, read_after, directory_after = _served_table(node_b)
    assert directory_after != directory
    assert _same_table(loaded_after, read_after), "the snapshot describes the new documents"
    assert not _same_table(loaded_after, loaded), "the closed provider's status changed"
    verify_generation(directory_after)  # the snapshot is in the manifest


def test_a_snapshot_that_does_not_fit_is_ignored_and_a_damaged_one_is_caught(
    node_b: Settings, tmp_path: Path
) -> None:
    _loaded, read, directory = _served_table(node_b)
    copy = tmp_path / "generation"
    shutil.copytree(directory, copy)
    reader = IndexReader(node_b.search_index_dir)
    try:
        with reader.lease() as lease:
            # the app wrote this file into the test's own copy of a generation
            snapshot = pickle.loads((copy / SNAPSHOT_FILE).read_bytes())  # noqa: S301
            snapshot_format, documents, _inputs = snapshot
            for stale in ((snapshot_format + 1, documents), (snapshot_format, documents + 1)):
                empty: tuple[object, ...] = (*stale, ({}, [], [], {}, None))
                (copy / SNAPSHOT_FILE).write_bytes(pickle.dumps(empty))
                assert _same_table(FacetTable.for_generation(lease.searcher, copy), read)
            (copy / SNAPSHOT_FILE).write_bytes(b"not a pickle")
            assert _same_table(FacetTable.for_generation(lease.searcher, copy), read)
    finally:
        reader.close()
    with pytest.raises(IndexUnavailableError):
        verify_generation(copy)  # a changed snapshot fails the generation's manifest
