"""Faults: the database going away and coming back, a missing or damaged search index, a
reindex killed half-way, and a full disk during a reindex.

Every request is bounded in time (a hung request fails the test instead of hanging it), and
everything runs on the loopback interface.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlmodel import Session as OrmSession
from sqlmodel import SQLModel
from whoosh.filedb.filestore import FileStorage

from app.__main__ import main as cli_main
from app.config import Settings
from app.db import make_engine
from app.guide.content import SERVICE_CODES
from app.models import Provider
from app.search import service as search_service
from app.search import store as index_store
from app.search.service import ProviderQuery, ProviderSearch, Synonyms
from app.search.store import IndexReader, IndexUnavailableError, verify_generation
from app.site_setup import index_keeper, initialise_site
from app.web.main import create_app
from tests.fixtures.databases import empty_database_url
from tests.fixtures.web import ValidatingClient

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = SQLModel.metadata.tables["provider"]  # registered by app.models, via app.web.main
FAST_FAILURE_S = 5.0  # a request during an outage must answer within this
ANSWER_S = 30.0  # any other request (generous: the first ones compile templates)
DB_DOWN = {
    "fi": "Palvelu on tilapäisesti poissa käytöstä",
    "sv": "Tjänsten är tillfälligt otillgänglig",
}
SEARCH_DOWN = {
    "fi": "Haku ei ole tilapäisesti käytettävissä",
    "sv": "Sökningen är tillfälligt inte tillgänglig",
}


def get_within(client: TestClient, url: str, seconds: float = ANSWER_S) -> httpx.Response:
    """GET in a helper thread; fail if no answer came within `seconds`."""
    outcome: dict[str, Any] = {}

    def fetch() -> None:
        try:
            outcome["response"] = client.get(url)
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=fetch, daemon=True)  # daemon: a hung one cannot block exit
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"GET {url} took longer than {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    response: httpx.Response = outcome["response"]
    return response


def run_cli(
    settings: Settings, *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT, env=cli_env(settings), capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip


def cli_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "VAR_DIR": str(settings.var_dir), "DATABASE_URL": settings.database_url}
    env.pop("INDEX_DIR", None)
    return env


def generations(index_dir: Path) -> set[str]:
    return {path.name for path in index_dir.iterdir() if path.name.startswith("gen-")}


def leftovers(index_dir: Path) -> set[str]:
    return {path.name for path in index_dir.iterdir() if path.name.startswith(".building-")}


# --- a small SQLite site, built once and copied for each test ---------------------------


@pytest.fixture(scope="module")
def pristine_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised SQLite site (database file and index) that tests copy, never change."""
    var_dir = tmp_path_factory.mktemp("faults-site")
    initialise_site(Settings(var_dir=var_dir, base_url="https://polku.example"))
    return var_dir


@pytest.fixture
def site(pristine_site: Path, tmp_path: Path) -> Settings:
    """A private copy of the SQLite site; `?timeout=1` so a locked file fails within a second."""
    var_dir = tmp_path / "var"
    shutil.copytree(pristine_site, var_dir)
    database_url = f"sqlite:///{var_dir / 'polku.sqlite3'}?timeout=1"
    return Settings(var_dir=var_dir, database_url=database_url, base_url="https://polku.example")


@pytest.fixture
def site_app(site: Settings) -> Iterator[FastAPI]:
    yield create_app(site)


def first_provider_id(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        provider_id = connection.execute(select(func.min(PROVIDERS.c.id))).scalar_one()
    engine.dispose()
    return int(provider_id)


def assert_database_outage_pages(client: TestClient, provider_id: int) -> None:
    """Provider pages (Finnish, Swedish) and the API answer 503 fast, in the right language."""
    for language, path in (("fi", "/palveluntuottajat"), ("sv", "/sv/tjansteproducenter")):
        page = get_within(client, f"{path}/{provider_id}", FAST_FAILURE_S)
        assert page.status_code == 503, page.text[:300]
        assert page.headers["Retry-After"] == "30"
        assert f'<html lang="{language}">' in page.text
        assert DB_DOWN[language] in page.text
    api = get_within(client, f"/api/v1/providers/{provider_id}", FAST_FAILURE_S)
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert api.json() == {"detail": "The database is temporarily unavailable"}
    health = get_within(client, "/healthz", FAST_FAILURE_S)
    assert health.status_code == 503 and health.json()["database"] == "unavailable"


def assert_database_pages_work(client: TestClient, provider_id: int) -> None:
    for url in (
        f"/palveluntuottajat/{provider_id}",
        f"/sv/tjansteproducenter/{provider_id}",
        f"/api/v1/providers/{provider_id}",
        "/healthz",
    ):
        response = get_within(client, url)
        assert response.status_code == 200, (url, response.text[:300])


# --- 1. the database goes away and comes back --------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; can be stopped, restarted or made to hang.

    Stopping closes the listener and every forwarded connection, as a database restart
    does; hanging accepts connections but never answers, as a wedged server or a lost
    network does.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.mode = "forward"
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self, mode: str = "forward") -> None:
        self.stop()
        self.mode = mode
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))  # the same port again after a restart
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            # close() alone would not wake the thread blocked in accept(), and the socket
            # would go on accepting; shutdown() does, on Linux.
            self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # already closed by the other side
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: stop() or start()
                return
            with self._lock:
                self._sockets.append(client)
            if self.mode == "forward":
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
                with self._lock:
                    self._sockets.append(upstream)
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):  # one side went away: close both below
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    postgres = make_url(os.environ.get("TEST_DATABASE_URL") or "postgresql://127.0.0.1:5432/")
    tcp_proxy = TcpProxy(postgres.port or 5432)
    tcp_proxy.start()
    yield tcp_proxy
    tcp_proxy.stop()


@pytest.mark.postgresql
def test_postgresql_outage_answers_503_fast_and_heals_without_a_restart(
    proxy: TcpProxy, tmp_path: Path
) -> None:
    direct_url = empty_database_url("postgresql", tmp_path, schema="faults")
    proxied_url = make_url(direct_url).set(host="127.0.0.1", port=proxy.port)
    settings = Settings(
        var_dir=tmp_path,
        database_url=proxied_url.render_as_string(hide_password=False),
        base_url="https://polku.example",
    )
    initialise_site(settings)
    provider_id = first_provider_id(settings)
    app = create_app(settings)
    with ValidatingClient(app) as client:
        assert_database_pages_work(client, provider_id)  # fills the pool with connections
        assert get_within(client, "/palveluntuottajat?q=työ").status_code == 200

        proxy.stop()  # the server goes away: pooled connections die, new ones are refused
        assert_database_outage_pages(client, provider_id)
        # Search reads only the index (the search page's place names were read once), so
        # it keeps working while the database is away.
        assert get_within(client, "/api/v1/providers?q=työ").status_code == 200
        assert get_within(client, "/palveluntuottajat?q=työ").status_code == 200

        # A server that accepts but never answers: connect_timeout (3 s) bounds the wait.
        proxy.start(mode="hang")
        page = get_within(client, f"/palveluntuottajat/{provider_id}", seconds=8)
        assert page.status_code == 503 and DB_DOWN["fi"] in page.text

        proxy.start()  # back on the same port: the pool reconnects by itself
        assert_database_pages_work(client, provider_id)
    app.state.engine.dispose()


# --- SQLite: the file locked or unreadable -------------------------------------------------


def lock_exclusively(database: Path) -> Callable[[], None]:
    """Hold an exclusive lock as another program would (a backup, a long maintenance job)."""
    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    return locker.close


def replace_with_directory(database: Path) -> Callable[[], None]:
    """Put a directory where the file was (chmod would not stop root, who runs CI here)."""
    aside = database.with_name("aside.sqlite3")
    database.rename(aside)
    database.mkdir()

    def restore() -> None:
        database.rmdir()
        aside.rename(database)

    return restore


@pytest.mark.parametrize("fault", [lock_exclusively, replace_with_directory])
def test_sqlite_file_unavailable_answers_503_and_heals(
    site: Settings, site_app: FastAPI, fault: Callable[[Path], Callable[[], None]]
) -> None:
    provider_id = first_provider_id(site)
    database = site.var_dir / "polku.sqlite3"
    with ValidatingClient(site_app) as client:
        assert_database_pages_work(client, provider_id)
        # An open SQLite connection keeps reading a moved-away file (the inode lives on) and
        # keeps its WAL lock, so the fault shows on new connections, as after a restart.
        site_app.state.engine.dispose()
        restore = fault(database)
        try:
            assert_database_outage_pages(client, provider_id)
        finally:
            restore()
        assert_database_pages_work(client, provider_id)


# --- 2. the search index missing or damaged -----------------------------------------------


def delete_index_folder(index_dir: Path) -> None:
    shutil.rmtree(index_dir)


def point_at_missing_generation(index_dir: Path) -> None:
    (index_dir / "CURRENT").write_text("gen-0000000000000000001", encoding="utf-8")


def _damaged_copy(index_dir: Path, damage: Callable[[Path], None]) -> None:
    """A new generation whose segment file is damaged, made current (as a bad restore would)."""
    current = (index_dir / "CURRENT").read_text(encoding="utf-8")
    copy = index_dir / f"gen-{time.time_ns()}"
    shutil.copytree(index_dir / current, copy)
    (segment,) = copy.glob("*.seg")
    damage(segment)
    (index_dir / "CURRENT").write_text(copy.name, encoding="utf-8")


def truncate_segment(index_dir: Path) -> None:
    _damaged_copy(index_dir, lambda seg: os.truncate(seg, seg.stat().st_size // 2))


def overwrite_segment_bytes(index_dir: Path) -> None:
    """Damage that Whoosh itself only notices while searching (it used to give a 500)."""

    def damage(segment: Path) -> None:
        data = bytearray(segment.read_bytes())
        start, end = len(data) // 100, len(data) // 20
        data[start:end] = b"\xff" * (end - start)
        segment.write_bytes(bytes(data))

    _damaged_copy(index_dir, damage)


@pytest.mark.parametrize(
    "fault",
    [delete_index_folder, point_at_missing_generation, truncate_segment, overwrite_segment_bytes],
)
def test_broken_index_degrades_search_only_and_reindex_repairs_it(
    site: Settings, site_app: FastAPI, fault: Callable[[Path], None]
) -> None:
    provider_id = first_provider_id(site)
    service_code = sorted(SERVICE_CODES)[0]
    searches = {"fi": "/palveluntuottajat?q=työ", "sv": "/sv/tjansteproducenter?q=arbete"}
    with ValidatingClient(site_app) as client:
        assert get_within(client, searches["fi"]).status_code == 200
        fault(site.search_index_dir)

        for language, url in searches.items():
            page = get_within(client, url, FAST_FAILURE_S)
            assert page.status_code == 503, page.text[:300]
            assert page.headers["Retry-After"] == "60"
            assert SEARCH_DOWN[language] in page.text
        api = get_within(client, "/api/v1/providers?q=työ", FAST_FAILURE_S)
        assert api.status_code == 503 and api.json() == {
            "detail": "Search is temporarily unavailable"
        }
        health = get_within(client, "/healthz", FAST_FAILURE_S)
        assert health.status_code == 503
        assert health.json()["index"] == "unavailable" and health.json()["database"] == "ok"
        # Everything that does not search keeps working: guide, questionnaire, provider pages.
        for url in ("/", "/palvelut", f"/palvelut/{service_code}", "/polku",
                    f"/palveluntuottajat/{provider_id}", "/sv/tjanster"):  # fmt: skip
            assert get_within(client, url).status_code == 200, url

        result = run_cli(site, "reindex")
        assert result.returncode == 0, result.stderr
        # The running app follows CURRENT to the new generation without a restart.
        for url in (*searches.values(), "/api/v1/providers?q=työ", "/healthz"):
            assert get_within(client, url).status_code == 200, url


# --- 3. a reindex killed half-way ----------------------------------------------------------

SYNTHETIC_PROVIDERS = 1500  # indexing them takes seconds after the first progress report


def add_synthetic_providers(settings: Settings, count: int) -> None:
    """Copies of the first provider under new ids, so that the index takes long to build."""
    engine = make_engine(settings.database_url)
    with engine.begin() as connection:
        template = connection.execute(select(PROVIDERS).limit(1)).mappings().one()
        rows = [
            {**template, "id": None, "external_id": f"test:synthetic-{n}",
             "name": f"Synteettinen palvelu {n}"}
            for n in range(count)
        ]  # fmt: skip
        connection.execute(insert(PROVIDERS), rows)
    engine.dispose()


def test_a_reindex_killed_half_way_leaves_the_old_index_serving(
    site: Settings, site_app: FastAPI
) -> None:
    index_dir = site.search_index_dir
    pointer_before = (index_dir / "CURRENT").read_text(encoding="utf-8")
    with ValidatingClient(site_app) as client:
        documents_before = get_within(client, "/healthz").json()["index_documents"]
    add_synthetic_providers(site, SYNTHETIC_PROVIDERS)

    reindex = subprocess.Popen(
        [sys.executable, "-m", "app", "reindex"],
        cwd=ROOT, env=cli_env(site), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Progress is reported every 500 documents: kill at the first report, mid-build.
        assert reindex.stderr is not None
        seen = b""
        deadline = time.monotonic() + 120
        while b"indexed 500 " not in seen:
            chunk = reindex.stderr.read1(4096)  # type: ignore[attr-defined]
            assert chunk, f"reindex ended before the first progress report: {seen!r}"
            assert time.monotonic() < deadline, "no progress report within 120 s"
            seen += chunk
        reindex.send_signal(signal.SIGKILL)
        assert reindex.wait(timeout=30) == -signal.SIGKILL
    finally:
        if reindex.poll() is None:
            reindex.kill()
            reindex.wait(timeout=30)
        reindex.stderr.close()  # type: ignore[union-attr]

    # Killed half-way: its partial generation is there, and CURRENT is untouched.
    assert leftovers(index_dir), "the build was not killed half-way"
    assert (index_dir / "CURRENT").read_text(encoding="utf-8") == pointer_before
    verify_generation(index_dir / pointer_before)
    with ValidatingClient(site_app) as client:
        assert get_within(client, "/palveluntuottajat?q=työ").status_code == 200
        assert get_within(client, "/healthz").json()["index_documents"] == documents_before

        result = run_cli(site, "reindex")
        assert result.returncode == 0, result.stderr
        assert not leftovers(index_dir)
        assert (index_dir / "CURRENT").read_text(encoding="utf-8") != pointer_before
        health = get_within(client, "/healthz").json()
        assert health["index_documents"] == documents_before + SYNTHETIC_PROVIDERS


# --- 4. the disk fills up during a reindex -------------------------------------------------


class _FillingDisk:
    """A file whose writes fail with ENOSPC once the disk's free bytes are used up."""

    def __init__(self, file: Any, free: list[int]) -> None:
        self._file = file
        self._free = free

    def write(self, data: bytes) -> int:
        if len(data) > self._free[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._free[0] -= len(data)
        written: int = self._file.write(data)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Index files can take 64 KB more, less than one index needs.

    Mounting a tiny tmpfs needs privileges that test machines often lack, so the writes
    fail where Whoosh makes them; everything above (Whoosh's commit, build_index, the CLI
    and the index keeper) runs unchanged.
    """
    free = [64 * 1024]
    create_file = FileStorage.create_file

    def create_file_on_full_disk(self: FileStorage, name: str, *args: Any, **kwargs: Any) -> Any:
        struct_file = create_file(self, name, *args, **kwargs)
        struct_file.file = _FillingDisk(struct_file.file, free)
        return struct_file

    monkeypatch.setattr(FileStorage, "create_file", create_file_on_full_disk)


def assert_old_index_intact(index_dir: Path, pointer: str, documents: int) -> None:
    assert (index_dir / "CURRENT").read_text(encoding="utf-8") == pointer
    assert generations(index_dir) == {pointer}, "a partial generation was left behind"
    assert not [path for path in index_dir.iterdir() if path.name.startswith(".")
                if path.name != index_store.BUILD_LOCK_FILE]  # fmt: skip
    reader = IndexReader(index_dir)
    assert reader.searcher().doc_count() == documents
    reader.close()


def served_pointer_and_count(index_dir: Path) -> tuple[str, int]:
    reader = IndexReader(index_dir)
    documents = reader.searcher().doc_count()
    reader.close()
    return (index_dir / "CURRENT").read_text(encoding="utf-8"), documents


def test_reindex_on_a_full_disk_says_so_and_keeps_the_old_index(
    site: Settings, full_disk: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    pointer, documents = served_pointer_and_count(site.search_index_dir)
    for name, value in cli_env(site).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("INDEX_DIR", raising=False)

    assert cli_main(["reindex"]) == 1
    message = capsys.readouterr().err
    assert "Cannot rebuild the search index: no space left on the device" in message
    assert "The previous index keeps serving." in message
    assert_old_index_intact(site.search_index_dir, pointer, documents)


def test_a_full_disk_at_the_pointer_swap_leaves_no_generation(
    site: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last write of a build is the new CURRENT; the finished generation must go too."""
    pointer, documents = served_pointer_and_count(site.search_index_dir)

    def swap_on_full_disk(index_dir: Path, generation: str) -> None:
        (index_dir / f"{index_store.POINTER_TMP_PREFIX}{generation}").write_text("gen-")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(index_store, "_swap_pointer", swap_on_full_disk)
    from app.site_setup import reindex_site

    with pytest.raises(OSError, match="No space left"):
        reindex_site(site)
    assert_old_index_intact(site.search_index_dir, pointer, documents)


def test_the_index_keeper_retries_after_a_full_disk_until_it_succeeds(
    site: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A change the keeper cannot write is logged, the old index keeps serving, and the
    keeper tries again (with backoff) until the disk has room."""
    pointer, documents = served_pointer_and_count(site.search_index_dir)
    engine = make_engine(site.database_url)
    with OrmSession(engine) as session:  # an ORM session: the change is journalled
        provider = session.get(Provider, first_provider_id(site))
        assert provider is not None
        provider.status = "closed"
        session.add(provider)
        session.commit()
    engine.dispose()
    free = [0]
    create_file = FileStorage.create_file

    def create_file_on_full_disk(self: FileStorage, name: str, *args: Any, **kwargs: Any) -> Any:
        struct_file = create_file(self, name, *args, **kwargs)
        struct_file.file = _FillingDisk(struct_file.file, free)
        return struct_file

    monkeypatch.setattr(FileStorage, "create_file", create_file_on_full_disk)
    keeper = index_keeper(site)
    stop = threading.Event()
    runner = threading.Thread(target=keeper.run, args=(stop,), daemon=True)
    with caplog.at_level(logging.ERROR):
        runner.start()
        deadline = time.monotonic() + 60
        while not any("keeper failed" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the keeper did not report the full disk"
            time.sleep(0.05)
    assert_old_index_intact(site.search_index_dir, pointer, documents)
    free[0] = 10**9  # space again
    deadline = time.monotonic() + 60
    while (site.search_index_dir / "CURRENT").read_text(encoding="utf-8") == pointer:
        assert time.monotonic() < deadline, "the keeper did not retry"
        time.sleep(0.1)
    stop.set()
    runner.join(timeout=30)
    failure = next(r for r in caplog.records if "keeper failed" in r.getMessage())
    assert failure.exc_info is not None and isinstance(failure.exc_info[1], OSError)
    assert failure.exc_info[1].errno == errno.ENOSPC
    reader = IndexReader(site.search_index_dir)
    closed = reader.searcher().document(provider_id=first_provider_id(site), kind="provider")
    reader.close()
    assert closed is not None and closed["status"] == "closed"


# --- 5. a served generation damaged in place -------------------------------------------------


def test_fa05_a_generation_damaged_while_served_answers_503_and_the_keeper_rebuilds_it(
    site: Settings,
) -> None:
    """Files changed under running workers (disk fault, a stray process): searches say
    "unavailable" (503), never crash (500), and the keeper rebuilds the generation."""
    reader = IndexReader(site.search_index_dir)
    search = ProviderSearch(reader, Synonyms())
    assert search.search(ProviderQuery(text="kotka")).total > 0  # opened and verified
    generation = (site.search_index_dir / "CURRENT").read_text(encoding="utf-8")
    segment = max(
        (site.search_index_dir / generation).glob("*.seg"), key=lambda f: f.stat().st_size
    )
    noise = random.Random(5)  # noqa: S311 – repeatable damage, not a secret
    with segment.open("r+b") as handle:  # 64 bytes every 4 KiB, the size unchanged
        for offset in range(0, segment.stat().st_size, 4096):
            handle.seek(offset)
            handle.write(bytes(noise.randrange(256) for _ in range(64)))
    outcomes = []
    for text in ("kierrätys", "jyväskylä", "nuoret", "kahvila", "puutyö", "tekstiili", "ompelu"):
        try:
            search.search(ProviderQuery(text=text))
            outcomes.append("answered")
        except IndexUnavailableError:
            outcomes.append("unavailable")
    assert "unavailable" in outcomes, outcomes
    assert outcomes[outcomes.index("unavailable") :] == ["unavailable"] * len(
        outcomes[outcomes.index("unavailable") :]
    ), "once found damaged, every search says so"
    assert (site.search_index_dir / generation / "DAMAGED").exists()
    reader.close()
    keeper = index_keeper(site)
    assert keeper.catch_up().action == "full"
    keeper.engine.dispose()
    fresh = IndexReader(site.search_index_dir)
    assert ProviderSearch(fresh, Synonyms()).search(ProviderQuery(text="kierrätys")).total > 0
    fresh.close()


def test_fa05_a_damaged_generation_gives_the_503_page_and_healthz_says_unavailable(
    site: Settings, site_app: FastAPI
) -> None:
    """What a reader and the load balancer see of the damage above: the designed 503 page
    in the reader's language (never a 500), and /healthz 503."""
    with TestClient(site_app) as client:
        assert client.get("/palveluntuottajat", params={"q": "kotka"}).status_code == 200
        generation = (site.search_index_dir / "CURRENT").read_text(encoding="utf-8")
        segment = max(
            (site.search_index_dir / generation).glob("*.seg"), key=lambda f: f.stat().st_size
        )
        noise = random.Random(5)  # noqa: S311 – repeatable damage, not a secret
        with segment.open("r+b") as handle:
            for offset in range(0, segment.stat().st_size, 4096):
                handle.seek(offset)
                handle.write(bytes(noise.randrange(256) for _ in range(64)))
        words = ("kierrätys", "jyväskylä", "nuoret", "kahvila", "puutyö", "tekstiili", "ompelu")
        statuses = [
            client.get("/palveluntuottajat", params={"q": word}).status_code for word in words
        ]
        assert 503 in statuses and set(statuses) <= {200, 503}, statuses
        finnish = client.get("/palveluntuottajat", params={"q": "ruoka"})
        assert finnish.status_code == 503
        assert "Haku ei ole tilapäisesti käytettävissä" in finnish.text
        english = client.get("/en/providers", params={"q": "ruoka"})
        assert english.status_code == 503 and "Search is temporarily unavailable" in english.text
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["index"] == "unavailable"


# --- 6. generations swapped under running searches (an edit a second) ----------------------


def republish(site: Settings) -> str:
    """What a node's keeper does for an edit: a copy of the current generation swapped in."""
    state = index_store.index_state(site.search_index_dir)
    assert state is not None and state.revision is not None and state.schema_version
    published = index_store.update_index(
        site.search_index_dir,
        upserts=[],
        deletions=[],
        revision=state.revision,
        schema_version=state.schema_version,
    )
    return published.name


def test_a_generation_removed_while_a_worker_opens_it_is_not_damaged_and_search_answers(
    site: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pointer named a generation; before the worker had checked and opened it, the
    keeper swapped twice and the cleanup removed it. The worker opens the current one."""
    reader = IndexReader(site.search_index_dir)
    search = ProviderSearch(reader, Synonyms())
    assert search.search(ProviderQuery(text="kotka")).total > 0
    opening = republish(site)
    checked = index_store.verify_generation

    def keeper_swaps_twice_meanwhile(
        generation_dir: Path, known: dict[index_store.FileIdentity, str] | None = None
    ) -> dict[index_store.FileIdentity, str]:
        if generation_dir.name == opening:
            republish(site)
            republish(site)
            shutil.rmtree(generation_dir, ignore_errors=True)  # the cleanup after the swaps
        return checked(generation_dir, known)

    monkeypatch.setattr(index_store, "verify_generation", keeper_swaps_twice_meanwhile)
    assert search.search(ProviderQuery(text="kotka")).total > 0
    assert search.search(ProviderQuery(text="kierrätys")).total > 0
    assert not list(site.search_index_dir.glob("*/DAMAGED"))
    assert index_store.index_state(site.search_index_dir) is not None
    reader.close()


def test_a_search_failing_on_a_generation_replaced_meanwhile_runs_again_on_the_current_one(
    site: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read failing because the generation went away under the search (a file removed by
    the cleanup) is not damage: the search runs again on the current generation."""
    reader = IndexReader(site.search_index_dir)
    search = ProviderSearch(reader, Synonyms())
    assert search.search(ProviderQuery(text="kotka")).total > 0
    real = search_service.search_providers
    searchers: list[Any] = []

    def fails_once_after_a_swap(searcher: Any, *args: Any) -> Any:
        searchers.append(searcher)
        if len(searchers) == 1:
            republish(site)
            raise FileNotFoundError(errno.ENOENT, "a file of the replaced generation is gone")
        return real(searcher, *args)

    monkeypatch.setattr(search_service, "search_providers", fails_once_after_a_swap)
    assert search.search(ProviderQuery(text="kotka")).total > 0
    assert len(searchers) == 2 and searchers[0] is not searchers[1]
    assert not list(site.search_index_dir.glob("*/DAMAGED"))
    reader.close()


def test_a_swap_in_the_middle_of_a_search_does_not_close_the_searcher_it_uses(
    site: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving this worker thread to a new generation (here: the route's `is_quick` check)
    while a search still reads the old one closed the old searcher under it
    (`whoosh.reading.ReaderClosed`, a 500). Now it is closed when the search is done."""
    reader = IndexReader(site.search_index_dir)
    search = ProviderSearch(reader, Synonyms())
    assert search.search(ProviderQuery(text="kotka")).total > 0
    real = search_service.search_providers
    searchers: list[Any] = []

    def swap_during_the_search(searcher: Any, *args: Any) -> Any:
        searchers.append(searcher)
        if len(searchers) == 1:
            republish(site)
            search.is_quick(ProviderQuery(text="kierrätys"))  # opens the new generation
        return real(searcher, *args)

    monkeypatch.setattr(search_service, "search_providers", swap_during_the_search)
    assert search.search(ProviderQuery(text="kierrätys")).total > 0
    assert searchers[0].is_closed, "released after the search: no searcher is leaked"
    assert search.search(ProviderQuery(text="kotka")).total > 0
    assert searchers[1] is not searchers[0]
    assert not list(site.search_index_dir.glob("*/DAMAGED"))
    reader.close()


def test_concurrent_searches_during_swaps_never_fail(site: Settings) -> None:
    """Four threads searching while generations are swapped in and cleaned up at once (no
    grace period): every search is answered, none says damaged or crashes."""
    reader = IndexReader(site.search_index_dir)
    search = ProviderSearch(reader, Synonyms())
    words = ("kotka", "kierrätys", "nuoret", "kahvila", "jyväskylä", "ompelu")
    failures: list[BaseException] = []
    answered: list[int] = []
    stop = threading.Event()

    def search_continuously(offset: int) -> None:
        turn = offset
        while not stop.is_set():
            try:
                search.search(ProviderQuery(text=words[turn % len(words)]))
                answered.append(turn)
            except BaseException as error:  # every failure is the finding
                failures.append(error)
            turn += 1

    threads = [threading.Thread(target=search_continuously, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    state = index_store.index_state(site.search_index_dir)
    assert state is not None and state.revision is not None and state.schema_version
    for _ in range(6):
        index_store.update_index(
            site.search_index_dir,
            upserts=[],
            deletions=[],
            revision=state.revision,
            schema_version=state.schema_version,
            grace_s=0,
        )
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    reader.close()
    assert answered, "the searches ran"
    assert not failures, failures[:3]
    assert not list(site.search_index_dir.glob("*/DAMAGED"))
