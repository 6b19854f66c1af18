"""The HSDS tabular data package: written a chunk of providers at a time, kept as a file.

Nothing is held whole in memory: the providers are read in chunks (`CatalogueObjects`, as for
the JSON export), each CSV table is written row by row into its own file, and the files are
then deflated one after the other into the zip. The download (`/hsds/datapackage.zip`) is a
file per node under `VAR_DIR/cache/`, named by the catalogue revision it holds, written in
a background thread under a lock (one build at a time on a node, whatever the number of
workers) to a temporary name and renamed into place, so a reader never sees half a file.
A request waits for a build only a short while; then it gets the node's earlier package,
or, with none, word of when to ask again (`datapackage_file`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from app.catalogue.journal import CatalogueVersion, catalogue_version
from app.catalogue.resources import CatalogueResources
from app.interop.hsds import objects, tables, values
from app.interop.hsds.objects import HSDS_VERSION, CatalogueObjects, PolkuTerms
from app.interop.hsds.tables import (
    DATAPACKAGE_FILES,
    DESCRIPTOR_FILE,
    TableFiles,
    TableFlattener,
    descriptor_text,
)

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can have
COPY_BLOCK = 1 << 20  # bytes read at a time from a table file into the zip
PACKAGE_PREFIX = "hsds-datapackage-"
PACKAGE_NAME = re.compile(re.escape(PACKAGE_PREFIX) + r"r([0-9]+)-[0-9a-f]+\.zip")
LOCK_FILE = "hsds-datapackage.lock"
STATE_FILE = "hsds-datapackage.build.json"  # when the running build started, the last's length
SCRATCH_PREFIX = f".{PACKAGE_PREFIX}"  # a build's folder of tables; left only by a killed one
POLL_S = 0.05  # how often a request waiting for a build looks for the file
RETRY_AFTER_UNKNOWN_S = 60  # no build timed on this node yet
RETRY_AFTER_MIN_S = 5
RETRY_AFTER_MAX_S = 600

logger = logging.getLogger(__name__)


def write_datapackage_tables(
    session: Session, folder: Path, base_url: str, *, catalogue: CatalogueResources | None = None
) -> None:
    """Write every file of the data package (the CSV tables, datapackage.json) into `folder`.

    The rows are those of `tables.flatten(export_hsds_json(...))`, in the same order: the
    organisations, then each service with its nested objects, then the taxonomy terms and
    taxonomies no service named. One object's rows are held at a time.
    """
    catalogue_objects = CatalogueObjects(session, base_url, catalogue=catalogue)
    flattener = TableFlattener()
    parts = (
        ("organization", catalogue_objects.organizations()),
        ("service", catalogue_objects.services()),
        ("taxonomy_term", iter(catalogue_objects.taxonomy_terms())),
        ("taxonomy", iter(catalogue_objects.taxonomies())),
    )
    with TableFiles(folder) as files:
        for table, items in parts:
            for item in items:
                flattener.add(table, item, "export")
                files.write(flattener.take_rows())
    (folder / DESCRIPTOR_FILE).write_text(
        descriptor_text(base_url=base_url, hsds_version=HSDS_VERSION),
        encoding="utf-8",
        newline="",
    )


def zip_datapackage(folder: Path, out_path: Path) -> None:
    """Deflate the data package's files in `folder` into a zip at `out_path`.

    Every entry gets the same fixed timestamp, so the same catalogue always gives the same
    bytes, on every node and after restarts.
    """
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in DATAPACKAGE_FILES:
            source = folder / name
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            # known before writing (as `writestr` knows it): a table over 2 GB gets zip64
            # headers instead of failing at the end
            entry.file_size = source.stat().st_size
            with source.open("rb") as data, archive.open(entry, "w") as packed:
                shutil.copyfileobj(data, packed, COPY_BLOCK)


def write_datapackage_zip(
    session: Session, out_path: Path, base_url: str, *,
    catalogue: CatalogueResources | None = None, modified: dt.datetime | None = None,
) -> None:  # fmt: skip
    """Write the data package as a zip at `out_path`, replacing it in one rename: a failure
    leaves `out_path` as it was and no half file. The tables are written beside it first, in
    a scratch folder removed at the end. `modified`: the file's modification time."""
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=SCRATCH_PREFIX) as scratch:
        folder = Path(scratch)
        write_datapackage_tables(session, folder, base_url, catalogue=catalogue)
        partial = folder / "package.zip"  # not one of the package's files
        zip_datapackage(folder, partial)
        if modified is not None:
            os.utime(partial, (modified.timestamp(), modified.timestamp()))
        os.replace(partial, out_path)


def write_hsds_datapackage(
    session: Session,
    out_path: Path,
    base_url: str,
    *,
    catalogue: CatalogueResources | None = None,
) -> None:
    """Write the catalogue as an HSDS tabular data package: a directory, or a `.zip` file."""
    if out_path.suffix == ".zip":
        write_datapackage_zip(session, out_path, base_url, catalogue=catalogue)
        return
    out_path.mkdir(parents=True, exist_ok=True)
    write_datapackage_tables(session, out_path, base_url, catalogue=catalogue)


# --- The download, one file per node -------------------------------------------------------


@dataclass(frozen=True)
class PackageFile:
    """The data package of one catalogue version, on disk."""

    path: Path
    etag: str
    last_modified: dt.datetime | None  # when the catalogue last changed (None: never)
    revision: int  # the catalogue revision it holds
    current: bool = True  # False: an earlier package, served while the current one is written


@dataclass(frozen=True)
class PackageBeingWritten:
    """No package on this node yet: one is being written; ask again in `retry_after_s`."""

    retry_after_s: int


@functools.cache
def _writer_fingerprint() -> str:
    """The code that writes the package: after a deploy that changes what it writes, the
    files of the old code are not served for the same revision."""
    files = [module.__file__ for module in (objects, tables, values)] + [__file__]
    return hashlib.sha256(b"".join(Path(file).read_bytes() for file in files if file)).hexdigest()


def package_name(
    *, session: Session, version: CatalogueVersion, catalogue: CatalogueResources, base_url: str
) -> str:
    """The file name of the package of `version`: its revision, and a hash of everything
    else it is made of (the journal's row count, term labels, address, HSDS version, code),
    so equal on every node running the same code on the same database."""
    terms = PolkuTerms(session=session, catalogue=catalogue)
    made_of = json.dumps(
        [version.revision, version.changes, terms.all(), base_url, HSDS_VERSION,
         _writer_fingerprint()], ensure_ascii=False,
    )  # fmt: skip
    digest = hashlib.sha256(made_of.encode("utf-8")).hexdigest()[:16]
    return f"{PACKAGE_PREFIX}r{version.revision}-{digest}.zip"


def _etag(name: str) -> str:
    return f'"{name.removeprefix(PACKAGE_PREFIX).removesuffix(".zip")}"'


def _revision(name: str) -> int | None:
    """The revision in a package's file name (None: not a package's name)."""
    match = PACKAGE_NAME.fullmatch(name)
    return int(match.group(1)) if match else None


def package_etag(
    *, session: Session, catalogue: CatalogueResources, base_url: str
) -> tuple[str, int]:
    """The ETag of the current package and the revision it holds, without building it
    (three small queries)."""
    version = catalogue_version(session=session)
    name = package_name(session=session, version=version, catalogue=catalogue, base_url=base_url)
    return _etag(name), version.revision


def datapackage_file(
    *, engine: Engine, folder: Path, catalogue: CatalogueResources, base_url: str,
    wait_s: float,
) -> PackageFile | PackageBeingWritten:  # fmt: skip
    """The data package of the current catalogue; when it is missing, one is written in a
    background thread, and the caller waits for it at most `wait_s` seconds.

    One build at a time per folder (an `flock`, between the workers of a node and their
    threads). When the current package is not there within `wait_s` (a long build, or one
    of another request or worker already running), the answer is this node's newest earlier
    package (`current=False`), or, with none on the node, `PackageBeingWritten` with an
    estimate of when to ask again. A build reads the package in one snapshot of the database
    (REPEATABLE READ on PostgreSQL), so the revision it is named by is exactly what it holds,
    and writes it under a temporary name renamed into place: a reader never sees half a file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with Session(engine) as session:
        version = catalogue_version(session=session)
        name = package_name(session=session, version=version, catalogue=catalogue,
                            base_url=base_url)  # fmt: skip
    path = folder / name
    deadline = time.monotonic() + wait_s
    builder: threading.Thread | None = None
    while not path.exists():  # the `else` below: it exists
        if builder is None:  # none started yet: start one unless a build is running
            builder = _start_build(engine=engine, folder=folder, catalogue=catalogue,
                                   base_url=base_url)  # fmt: skip
        elif not builder.is_alive():
            break  # it failed, or wrote a newer revision than the one asked for
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if builder is not None:
            builder.join(min(remaining, POLL_S))
        else:
            time.sleep(min(remaining, POLL_S))
    else:
        return PackageFile(path, _etag(name), version.changed_at, version.revision)
    return _earlier_package(folder, asked=name) or PackageBeingWritten(_retry_after(folder))


def _earlier_package(folder: Path, *, asked: str) -> PackageFile | None:
    """The package of the highest revision on this node (the newest of them), if any."""
    found = []
    for path in folder.glob(f"{PACKAGE_PREFIX}*.zip"):
        revision = _revision(path.name)
        with contextlib.suppress(FileNotFoundError):  # removed by a build meanwhile
            if revision is not None:
                found.append((revision, path.stat().st_mtime_ns, path))
    if not found:
        return None
    revision, modified_ns, path = max(found)
    asked_revision = _revision(asked) or 0
    return PackageFile(
        path,
        _etag(path.name),
        # the time of the catalogue it holds, given to the file by `_build`
        dt.datetime.fromtimestamp(modified_ns / 1e9, dt.UTC),
        revision,
        # written just now, or by a build that found a newer revision than the one asked for
        current=path.name == asked or revision > asked_revision,
    )


def _start_build(
    *, engine: Engine, folder: Path, catalogue: CatalogueResources, base_url: str
) -> threading.Thread | None:
    """Take the folder's build lock without waiting and write the current package in a
    thread that holds it; None when another build holds the lock."""
    handle = (folder / LOCK_FILE).open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    except BaseException:
        handle.close()
        raise

    def build() -> None:
        try:
            _build(engine=engine, folder=folder, catalogue=catalogue, base_url=base_url)
        except Exception:  # the thread's end: nobody else would see it
            logger.exception("writing the HSDS data package failed")
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    # a daemon: a stopping worker does not wait for it; the next build removes what a
    # killed one left (the kernel releases its lock)
    builder = threading.Thread(target=build, name="hsds-datapackage", daemon=True)
    try:
        builder.start()
    except BaseException:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
        raise
    return builder


def _build(*, engine: Engine, folder: Path, catalogue: CatalogueResources, base_url: str) -> None:
    """Write the package of the catalogue as it is now, if it is not there (the caller holds
    the build lock). Older packages are removed after a build, except the one it replaced
    (a response may be about to open it)."""
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        version = catalogue_version(session=session)
        name = package_name(session=session, version=version, catalogue=catalogue,
                            base_url=base_url)  # fmt: skip
        path = folder / name
        if path.exists():
            return
        _remove_leftovers(folder)
        last = _read_build_state(folder).get("seconds")
        started = time.time()
        _write_build_state(folder, {"started_at": started, "seconds": last})
        try:
            # the file's time is when the catalogue it holds last changed: its Last-Modified
            # when it is served as an earlier package, the same on every node
            write_datapackage_zip(
                session, path, base_url, catalogue=catalogue, modified=version.changed_at
            )
        except BaseException:
            _write_build_state(folder, {"started_at": None, "seconds": last})
            raise
        seconds = round(time.time() - started, 1)
        _write_build_state(folder, {"started_at": None, "seconds": seconds})
        logger.info("wrote the HSDS data package %s in %.1f s", name, seconds)
        _remove_older_packages(folder, keep=path)


def _read_build_state(folder: Path) -> dict[str, float | None]:
    """When the running build started and how long the last one took (each None: unknown)."""
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict):
        return {}
    return {
        key: float(value) if isinstance(value, int | float) else None
        for key, value in state.items()
        if key in ("started_at", "seconds")
    }


def _write_build_state(folder: Path, state: dict[str, float | None]) -> None:
    """Replace the state file in one rename (only the holder of the build lock writes it)."""
    partial = folder / f"{STATE_FILE}.partial"
    partial.write_text(json.dumps(state), encoding="utf-8")
    os.replace(partial, folder / STATE_FILE)


def _retry_after(folder: Path) -> int:
    """Seconds until the running build is likely done: the last build's duration less the
    time this one has run, or a fixed guess when no build was timed yet."""
    state = _read_build_state(folder)
    seconds, started_at = state.get("seconds"), state.get("started_at")
    if seconds is None:
        return RETRY_AFTER_UNKNOWN_S
    if started_at is not None:
        seconds -= time.time() - started_at
    return max(RETRY_AFTER_MIN_S, min(RETRY_AFTER_MAX_S, math.ceil(seconds)))


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's build lock, waiting for a running build to end (each opening of
    the file gets its own lock, so threads of one process exclude each other too; the
    kernel releases it when a holder is killed)."""
    with (folder / LOCK_FILE).open("ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(folder: Path) -> None:
    """Scratch folders of killed builds (callers hold the lock: no build is running)."""
    for path in folder.glob(f"{SCRATCH_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)


def _remove_older_packages(folder: Path, *, keep: Path) -> None:
    """Every package but `keep` and the newest other one."""
    others = sorted(
        (path for path in folder.glob(f"{PACKAGE_PREFIX}*.zip") if path != keep),
        key=lambda path: path.stat().st_mtime_ns,
    )
    for path in others[:-1]:
        path.unlink(missing_ok=True)
