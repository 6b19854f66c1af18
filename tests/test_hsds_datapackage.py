"""The HSDS data package written a chunk of providers at a time, and its file per node."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import zipfile
from collections.abc import Iterator
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
    return sorted(path.name for path in folder.iterdir() if path.name != datapackage.LOCK_FILE)


def test_the_package_is_written_once_per_revision_and_older_ones_removed(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion], builds: list[Path],
) -> None:  # fmt: skip
    def current() -> datapackage.PackageFile:
        return datapackage_file(
            engine=engine, folder=tmp_path, catalogue=catalogue, base_url=BASE_URL
        )

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
        answers.append(
            datapackage_file(
                engine=engine, folder=tmp_path, catalogue=catalogue, base_url=BASE_URL
            ).path
        )

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
) -> None:  # fmt: skip
    served = datapackage_file(engine=engine, folder=tmp_path, catalogue=catalogue,
                              base_url=BASE_URL)  # fmt: skip
    content = served.path.read_bytes()
    real = datapackage.zip_datapackage

    def fails_half_way(folder: Path, out_path: Path) -> None:
        real(folder, out_path)
        assert out_path.stat().st_size > 0  # a whole zip written, not yet in place
        raise OSError("disk full")

    monkeypatch.setattr(datapackage, "zip_datapackage", fails_half_way)
    versions.append(CatalogueVersion(8, 8, dt.datetime.now(dt.UTC)))
    with pytest.raises(OSError, match="disk full"):
        datapackage_file(engine=engine, folder=tmp_path, catalogue=catalogue, base_url=BASE_URL)
    assert packages(tmp_path) == [served.path.name], "no new file, no scratch folder"
    assert served.path.read_bytes() == content


def test_a_killed_build_is_cleaned_up_by_the_next(
    engine: Engine, catalogue: CatalogueResources, tmp_path: Path,
    versions: list[CatalogueVersion],
) -> None:  # fmt: skip
    left = tmp_path / f"{datapackage.SCRATCH_PREFIX}killed"
    left.mkdir()
    (left / "services.csv").write_text("id\r\n")
    package = datapackage_file(engine=engine, folder=tmp_path, catalogue=catalogue,
                               base_url=BASE_URL)  # fmt: skip
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
