"""The HSDS data package written a chunk of providers at a time, and its file per node."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import io
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.catalogue.journal import CatalogueVersion, catalogue_version
from app.catalogue.resources import CatalogueResources
from app.config import Settings
from app.db import make_engine
from app.interop.hsds import datapackage
from app.interop.hsds.datapackage import (
    PACKAGE_PREFIX,
    ZIP_TIMESTAMP,
    datapackage_file,
    write_datapackage_zip,
    write_hsds_datapackage,
)
from app.interop.hsds.objects import HSDS_VERSION, Json, export_hsds_json
from app.interop.hsds.tables import DESCRIPTOR_FILE, TABLES, descriptor_text, flatten, table_csv
from app.models import Provider
from app.routes import hsds as hsds_routes

BASE_URL = "https://polku.example"


@pytest.fixture
def catalogue(app: FastAPI) -> CatalogueResources:
    resources: CatalogueResources = app.state.catalogue
    return resources


def in_memory_package(document: Json) -> dict[str, str]:
    """The data package's files as they were made before they were streamed (until December
    2026): the whole HSDS document flattened at once, each table one CSV text."""
    tables = flatten(document)
    files = {path: table_csv(table, tables[table]) for table, (path, _) in TABLES.items()}
    files[DESCRIPTOR_FILE] = descriptor_text(base_url=BASE_URL, hsds_version=HSDS_VERSION)
    return files


def in_memory_zip(files: dict[str, str]) -> bytes:
    """The zip as it was made in memory from those files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, text)
    return buffer.getvalue()


def unzipped(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_streamed_package_holds_what_the_in_memory_one_held(
    db_session: Session, catalogue: CatalogueResources, tmp_path: Path
) -> None:
    # two entries get opening hours (rolled back after the test), so schedules are compared too
    for provider in db_session.exec(select(Provider).order_by(col(Provider.id)).limit(2)):
        provider.opening_hours = "ma–pe 8.00–15.00"
    db_session.flush()
    document = export_hsds_json(db_session, BASE_URL, catalogue=catalogue)
    reference = in_memory_package(document)
    assert reference["schedules.csv"].count("\r\n") == 3

    out = tmp_path / "package.zip"
    write_datapackage_zip(db_session, out, BASE_URL, catalogue=catalogue)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == list(reference)  # the same files in the same order
    assert unzipped(out.read_bytes()) == reference
    assert out.read_bytes() == in_memory_zip(reference), "even the same bytes"

    folder = tmp_path / "package"
    write_hsds_datapackage(db_session, folder, BASE_URL, catalogue=catalogue)
    assert {path.name: path.read_bytes().decode("utf-8") for path in folder.iterdir()} == reference


# --- The file per node ------------------------------------------------------------------


@pytest.fixture
def engine(site_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(site_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> list[CatalogueVersion]:
    """The catalogue version the package code reads: the last of this list (tests append a
    new one to stand for a committed change, which the session-wide site must not get)."""
    shown = [CatalogueVersion(7, 7, dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC))]
    monkeypatch.setattr(datapackage, "catalogue_version", lambda *, session: shown[-1])
    return shown


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every package written, slowed down so that requests arriving together overlap."""
    written: list[Path] = []
    real = datapackage.write_datapackage_zip

    def counted(session: Session, out_path: Path, base_url: str, **options: Any) -> None:
        written.append(out_path)
        time.sleep(0.3)
        real(session, out_path, base_url, **options)

    monkeypatch.setattr(datapackage, "write_datapackage_zip", counted)
    return written


def packages(folder: Path) -> list[str]:
    """The packages and scratch folders in `folder` (not the lock and the build timings),
    once a build running in the background has ended: a request gets the new package as soon
    as it is renamed into place, a moment before the build removes its scratch folder and
    the older packages."""
    kept = {datapackage.LOCK_FILE, datapackage.STATE_FILE}
    with datapackage.build_lock(folder):
        return sorted(path.name for path in folder.iterdir() if path.name not in kept)


WAIT_S = 30  # long enough for any build in these tests: the caller gets the current package


def current_package(
    engine: Engine, folder: Path, catalogue: CatalogueResources, *, wait_s: float = WAIT_S
) -> datapackage.PackageFile | datapackage.PackageBeingWritten:
    return datapackage_file(
        engine=engine, folder=folder, catalogue=catalogue, base_url=BASE_URL, wait_s=wait_s
    )


def current_file(
    engine: Engine, folder: Path, catalogue: CatalogueResources
) -> datapackage.PackageFile:
    """The current package, once the build that wrote it has ended: a request gets the
    package as soon as it is renamed into place, a moment before the build records its
    length and removes the older packages."""
    package = current_package(engine, folder, catalogue)
    assert isinstance(package, datapackage.PackageFile)
    with datapackage.build_lock(folder):
        return package


def test_the_package_is_written_once_per_revision_and_older_ones_removed(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion], builds: list[Path],
) -> None:  # fmt: skip
    def current() -> datapackage.PackageFile:
        return current_file(engine, tmp_path, catalogue)

    first = current()
    assert first.path.name.startswith(f"{PACKAGE_PREFIX}r7-")
    assert first.etag == f'"{first.path.stem.removeprefix(PACKAGE_PREFIX)}"'
    assert first.last_modified == versions[-1].changed_at
    assert current() == first and len(builds) == 1, "the same revision: the file on disk"
    names = [first.path.name]
    for revision in (8, 9):
        versions.append(CatalogueVersion(revision, revision, dt.datetime.now(dt.UTC)))
        package = current()
        assert package.path.name.startswith(f"{PACKAGE_PREFIX}r{revision}-")
        assert package.etag != first.etag
        names.append(package.path.name)
        time.sleep(0.01)  # distinct modification times
    assert len(builds) == 3
    # the newest and the one it replaced (a response may be about to open it)
    assert packages(tmp_path) == sorted(names[1:])
    # a late commit under the newest revision: the same revision, one journal row more
    versions.append(CatalogueVersion(9, 10, versions[-1].changed_at))
    assert current().path.name != names[-1]


def test_requests_arriving_together_build_the_package_once(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion], builds: list[Path],
) -> None:  # fmt: skip
    answers: list[Path] = []

    def request() -> None:
        answers.append(current_file(engine, tmp_path, catalogue).path)

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(set(answers)) == 1 and len(answers) == 4
    assert zipfile.ZipFile(answers[0]).testzip() is None


def test_a_failed_build_leaves_no_half_file(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    served = current_file(engine, tmp_path, catalogue)
    content = served.path.read_bytes()
    real = datapackage.zip_datapackage

    def fails_half_way(folder: Path, out_path: Path) -> None:
        real(folder, out_path)
        assert out_path.stat().st_size > 0  # a whole zip written, not yet in place
        raise OSError("disk full")

    monkeypatch.setattr(datapackage, "zip_datapackage", fails_half_way)
    versions.append(CatalogueVersion(8, 8, dt.datetime.now(dt.UTC)))
    with caplog.at_level(logging.ERROR, logger=datapackage.__name__):
        answer = current_package(engine, tmp_path, catalogue)
    # the build's thread logs the failure; the request gets the earlier package at once
    assert "disk full" in caplog.text
    assert answer == replace(served, current=False)
    assert packages(tmp_path) == [served.path.name], "no new file, no scratch folder"
    assert served.path.read_bytes() == content


def test_a_killed_build_is_cleaned_up_by_the_next(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion],
) -> None:  # fmt: skip
    left = tmp_path / f"{datapackage.SCRATCH_PREFIX}killed"
    left.mkdir()
    (left / "services.csv").write_text("id\r\n")
    package = current_file(engine, tmp_path, catalogue)
    assert packages(tmp_path) == [package.path.name]


def test_download_is_the_file_with_its_headers(client: TestClient, app: FastAPI) -> None:
    response = client.get("/hsds/datapackage.zip")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="polku-hsds.zip"'
    settings: Settings = app.state.settings
    written = [
        path for path in (settings.var_dir / "cache").glob(f"{PACKAGE_PREFIX}*.zip")
        if response.headers["etag"] == f'"{path.stem.removeprefix(PACKAGE_PREFIX)}"'
    ]  # fmt: skip
    assert len(written) == 1 and written[0].read_bytes() == response.content
    with Session(app.state.engine) as session:
        changed_at = catalogue_version(session=session).changed_at
    assert changed_at is not None
    assert parsedate_to_datetime(response.headers["last-modified"]) == changed_at.replace(
        microsecond=0
    )
    # a download that broke off goes on where it stopped
    rest = client.get("/hsds/datapackage.zip", headers={"Range": "bytes=100-"})
    assert (rest.status_code, rest.content) == (206, response.content[100:])


# --- A request never waits long for a build -----------------------------------------------

HOLDER = """
import fcntl, select, sys
handle = open(sys.argv[1], "ab")
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told, or at most that long
"""


class LockHolder:
    """The folder's build lock held by another process, as a build in another worker holds
    it: a real `flock`, released when the block ends (or after `at_most_s`)."""

    def __init__(self, folder: Path, *, at_most_s: float) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / datapackage.LOCK_FILE
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(self.path), str(at_most_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "held\n"

    def still_held(self) -> bool:
        """Whether the holder still has the lock (a try from here fails at once)."""
        with self.path.open("ab") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("\n")
            self.process.stdin.close()
        self.process.wait(timeout=10)


@contextlib.contextmanager
def site_lock_held_elsewhere(app: FastAPI, folder: Path) -> Iterator[LockHolder]:
    """The build lock of the site's folder held by another process, and the site's requests
    waiting at most 0.2 s for a build meanwhile (5 s by default, as outside the block, where
    the site writes its packages)."""
    settings: Settings = app.state.settings
    default = settings.hsds_package_wait_s
    settings.hsds_package_wait_s = 0.2
    try:
        with lock_held_elsewhere(folder) as holder:
            yield holder
    finally:
        settings.hsds_package_wait_s = default


@contextlib.contextmanager
def lock_held_elsewhere(folder: Path, *, at_most_s: float = 15) -> Iterator[LockHolder]:
    holder = LockHolder(folder, at_most_s=at_most_s)
    try:
        yield holder
    finally:
        holder.release()


def test_while_a_build_runs_elsewhere_the_earlier_package_is_served_at_once(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion],
) -> None:  # fmt: skip
    earlier = current_file(engine, tmp_path, catalogue)
    versions.append(CatalogueVersion(8, 8, dt.datetime.now(dt.UTC)))
    with lock_held_elsewhere(tmp_path) as holder:
        started = time.monotonic()
        answer = current_package(engine, tmp_path, catalogue, wait_s=0.2)
        assert holder.still_held(), "answered while the build was still running"
        assert time.monotonic() - started < 2
    assert answer == replace(earlier, current=False)
    assert answer.revision == 7 and answer.last_modified == versions[0].changed_at
    # the build ended without writing revision 8: the next request writes it
    current = current_file(engine, tmp_path, catalogue)
    assert (current.revision, current.current) == (8, True)


def test_with_no_package_on_the_node_the_answer_is_when_to_ask_again(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion],
) -> None:  # fmt: skip
    with lock_held_elsewhere(tmp_path) as holder:
        started = time.monotonic()
        answer = current_package(engine, tmp_path, catalogue, wait_s=0.2)
        assert holder.still_held(), "answered while the build was still running"
        assert time.monotonic() - started < 2
    # no build timed on this node yet: a fixed guess
    assert answer == datapackage.PackageBeingWritten(datapackage.RETRY_AFTER_UNKNOWN_S)
    assert packages(tmp_path) == []

    # once a build was timed, the estimate is its length less the time the running one took
    built = current_file(engine, tmp_path, catalogue)
    built.path.unlink()
    state = tmp_path / datapackage.STATE_FILE
    state.write_text(json.dumps({"started_at": time.time() - 100, "seconds": 180}))
    with lock_held_elsewhere(tmp_path):
        answer = current_package(engine, tmp_path, catalogue, wait_s=0)
    assert isinstance(answer, datapackage.PackageBeingWritten)
    assert 78 <= answer.retry_after_s <= 80


def test_a_build_is_written_in_the_background_and_waited_for_only_briefly(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    earlier = current_file(engine, tmp_path, catalogue)
    real = datapackage.write_datapackage_zip
    go_on = threading.Event()

    def slow(session: Session, out_path: Path, base_url: str, **options: Any) -> None:
        assert go_on.wait(timeout=15)
        real(session, out_path, base_url, **options)

    monkeypatch.setattr(datapackage, "write_datapackage_zip", slow)
    versions.append(CatalogueVersion(8, 8, dt.datetime.now(dt.UTC)))
    started = time.monotonic()
    # the request that starts the build does not wait for it longer than asked either
    assert current_package(engine, tmp_path, catalogue, wait_s=0.2) == replace(
        earlier, current=False
    )
    assert time.monotonic() - started < 2
    go_on.set()
    with datapackage.build_lock(tmp_path):  # the background build ends
        pass
    current = current_file(engine, tmp_path, catalogue)
    assert current.revision == 8 and current.path.exists()
    assert zipfile.ZipFile(current.path).testzip() is None


# --- The download behind a proxy ------------------------------------------------------------

FAKE_REVISION = 10**9  # above any revision of the session's site


@pytest.fixture
def site_cache(app: FastAPI) -> Iterator[Path]:
    """The site's package folder, its packages moved aside for the test (and back after)."""
    settings: Settings = app.state.settings
    folder = settings.var_dir / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(prefix="packages-aside-"))
    for path in folder.glob(f"{PACKAGE_PREFIX}*.zip"):
        shutil.move(path, aside / path.name)
    yield folder
    for path in folder.glob(f"{PACKAGE_PREFIX}*.zip"):
        path.unlink()
    for path in aside.iterdir():
        shutil.move(path, folder / path.name)
    aside.rmdir()


def test_download_while_a_build_runs_is_the_earlier_package_marked_as_such(
    client: TestClient, app: FastAPI, site_cache: Path, versions: list[CatalogueVersion],
) -> None:  # fmt: skip
    versions[:] = [
        CatalogueVersion(FAKE_REVISION, 7, dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC))
    ]
    earlier = client.get("/hsds/datapackage.zip")
    assert earlier.status_code == 200
    assert earlier.headers["x-polku-catalogue-revision"] == str(FAKE_REVISION)
    assert "x-polku-catalogue-revision-current" not in earlier.headers
    assert "cache-control" not in earlier.headers

    versions.append(CatalogueVersion(FAKE_REVISION + 1, 8, dt.datetime.now(dt.UTC)))
    with site_lock_held_elsewhere(app, site_cache) as holder:
        started = time.monotonic()
        response = client.get("/hsds/datapackage.zip")
        assert holder.still_held(), "answered while the build was still running"
        assert time.monotonic() - started < 2
        # a client that has it is told so, still marked
        again = client.get(
            "/hsds/datapackage.zip", headers={"If-None-Match": earlier.headers["etag"]}
        )
    assert response.status_code == 200 and response.content == earlier.content
    for name in ("etag", "last-modified", "x-polku-catalogue-revision"):
        assert response.headers[name] == earlier.headers[name], name
    assert response.headers["x-polku-catalogue-revision-current"] == str(FAKE_REVISION + 1)
    assert response.headers["cache-control"] == "no-cache"
    assert again.status_code == 304 and again.headers["cache-control"] == "no-cache"
    assert again.headers["x-polku-catalogue-revision"] == str(FAKE_REVISION)

    current = client.get("/hsds/datapackage.zip")  # the build lock is free again
    assert current.status_code == 200
    assert current.headers["x-polku-catalogue-revision"] == str(FAKE_REVISION + 1)
    assert current.headers["etag"] != earlier.headers["etag"]
    assert "cache-control" not in current.headers


def test_download_with_no_package_on_the_node_is_503_with_retry_after(
    client: TestClient, app: FastAPI, site_cache: Path, versions: list[CatalogueVersion],
) -> None:  # fmt: skip
    with site_lock_held_elsewhere(app, site_cache) as holder:
        started = time.monotonic()
        response = client.get("/hsds/datapackage.zip")
        assert holder.still_held(), "answered while the build was still running"
        assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": hsds_routes.PACKAGE_BEING_WRITTEN}
    assert 5 <= int(response.headers["retry-after"]) <= 600
    assert response.headers["cache-control"] == "no-store"
    assert list(site_cache.glob(f"{PACKAGE_PREFIX}*.zip")) == []
