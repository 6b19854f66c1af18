"""The HSDS tabular data package: written a chunk of providers at a time, kept as a file.

Nothing is held whole in memory: the providers are read in chunks (`CatalogueObjects`, as for
the JSON export), each CSV table is written row by row into its own file, and the files are
then deflated one after the other into the zip. The download (`/hsds/datapackage.zip`) is a
file per node under `VAR_DIR/cache/`, named by the catalogue revision it holds, written under
a lock (one build at a time on a node, whatever the number of workers) to a temporary name
and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import json
import os
import shutil
import tempfile
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
LOCK_FILE = "hsds-datapackage.lock"
SCRATCH_PREFIX = f".{PACKAGE_PREFIX}"  # a build's folder of tables; left only by a killed one


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
    session: Session, out_path: Path, base_url: str, *, catalogue: CatalogueResources | None = None
) -> None:
    """Write the data package as a zip at `out_path`, replacing it in one rename: a failure
    leaves `out_path` as it was and no half file. The tables are written beside it first, in
    a scratch folder removed at the end."""
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=SCRATCH_PREFIX) as scratch:
        folder = Path(scratch)
        write_datapackage_tables(session, folder, base_url, catalogue=catalogue)
        partial = folder / "package.zip"  # not one of the package's files
        zip_datapackage(folder, partial)
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


def package_etag(*, session: Session, catalogue: CatalogueResources, base_url: str) -> str:
    """The ETag of the current package, without building it (three small queries)."""
    version = catalogue_version(session=session)
    return _etag(
        package_name(session=session, version=version, catalogue=catalogue, base_url=base_url)
    )


def datapackage_file(
    *, engine: Engine, folder: Path, catalogue: CatalogueResources, base_url: str
) -> PackageFile:
    """The data package of the current catalogue, written into `folder` when missing.

    One build at a time per folder: a request that finds a build running waits for it, then
    takes the current version again (usually the one just written). The package is read in
    one snapshot of the database (REPEATABLE READ on PostgreSQL), so the revision it is named
    by is exactly what it holds. Older packages are removed after a build, except the one it
    replaced (a response may be about to open it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    with Session(engine) as session:
        version = catalogue_version(session=session)
        name = package_name(session=session, version=version, catalogue=catalogue,
                            base_url=base_url)  # fmt: skip
    if (folder / name).exists():
        return PackageFile(folder / name, _etag(name), version.changed_at)
    with _build_lock(folder), Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        version = catalogue_version(session=session)
        name = package_name(session=session, version=version, catalogue=catalogue,
                            base_url=base_url)  # fmt: skip
        path = folder / name
        if not path.exists():
            _remove_leftovers(folder)
            write_datapackage_zip(session, path, base_url, catalogue=catalogue)
            _remove_older_packages(folder, keep=path)
    return PackageFile(path, _etag(name), version.changed_at)


@contextlib.contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's build lock: between the workers of a node and the threads of one
    (each opening gets its own lock); the kernel releases it when a holder is killed."""
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
