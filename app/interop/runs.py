"""One import from start to end: read the files, check them, merge, then commit or roll back."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from app.catalogue.resources import CatalogueResources
from app.db import make_engine
from app.geography import municipality_regions
from app.interop.bundled import organiser_codes
from app.interop.csv.reader import parse_csv_files
from app.interop.merge import MergeReport, Progress, merge_records
from app.interop.records import DEFAULT_LIMITS, InputLimits, ParsedSource

SOURCES = ("csv", "ptv", "hsds")


@dataclass
class ImportOutcome:
    """What was read and, when the input was valid, what the merge did."""

    parsed: ParsedSource
    report: MergeReport | None
    applied: bool

    @property
    def changed(self) -> bool:
        report = self.report
        return bool(
            self.applied
            and report
            and (report.created or report.updated or report.marked_verify or report.conflicts)
        )


def parse_files(
    source: str,
    paths: Sequence[Path],
    *,
    session: Session,
    resources: CatalogueResources,
    limits: InputLimits = DEFAULT_LIMITS,
) -> ParsedSource:
    """Read the files of one source into records (nothing is written)."""
    regions_by_municipality = municipality_regions(session=session)
    if source == "csv":
        return parse_csv_files(
            paths,
            mappings=resources.mappings,
            municipality_regions=regions_by_municipality,
            regions=organiser_codes(session),
        )
    if source == "ptv":
        from app.interop.ptv.mapping import load_ptv_mapping
        from app.interop.ptv.parser import parse_ptv_files

        return parse_ptv_files(
            paths, municipality_regions=regions_by_municipality, mapping=load_ptv_mapping()
        )
    if source == "hsds":
        from app.interop.hsds.parse import known_codes_for, parse_hsds

        known_codes = known_codes_for(session=session, vocabularies=resources.vocabularies)
        return parse_hsds(
            paths,
            municipality_regions=regions_by_municipality,
            known_codes=known_codes,
            limits=limits,
        )
    raise ValueError(f"unknown source {source!r}")


def run_import(
    *,
    session: Session,
    resources: CatalogueResources,
    source: str,
    paths: Sequence[Path],
    apply: bool,
    full: bool,
    today: dt.date,
    progress: Progress | None = None,
    strict: bool = False,
    limits: InputLimits = DEFAULT_LIMITS,
) -> ImportOutcome:
    """Check the files and merge them in one transaction: committed only when `apply`.

    A dry run merges too, so that its report says exactly what applying would do, and
    then rolls everything back. Input with errors is never merged. Items the reader
    skipped (a PTV unit that cannot be placed) are reported and the rest is merged; with
    `strict` they are errors, so that the import is all or nothing.
    """
    parsed = parse_files(source, paths, session=session, resources=resources, limits=limits)
    parsed.check_values()
    if strict and parsed.skipped:
        parsed.errors.extend(parsed.skipped)
        parsed.skipped = []
    if parsed.errors:
        return ImportOutcome(parsed, None, applied=False)
    if not apply and (database := _sqlite_file(session)) is not None:
        # SQLite has one writer: a dry run merges into a copy, so that feedback, sign-ins
        # and edits keep being saved while it runs (FA-01).
        session.rollback()
        with _scratch_copy(database) as scratch:
            report = merge_records(
                session=scratch, parsed=parsed, full=full, today=today,
                files=[path.name for path in paths], progress=progress,
            )  # fmt: skip
            scratch.rollback()
        return ImportOutcome(parsed, report, applied=False)
    try:
        report = merge_records(
            session=session, parsed=parsed, full=full, today=today,
            files=[path.name for path in paths], progress=progress,
        )  # fmt: skip
    except BaseException:
        session.rollback()
        raise
    if apply:
        session.commit()
    else:
        session.rollback()
    return ImportOutcome(parsed, report, applied=apply)


def _sqlite_file(session: Session) -> str | None:
    """The database file when the session is on a SQLite file, else None."""
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


@contextmanager
def _scratch_copy(database: str) -> Iterator[Session]:
    """A session on a private copy of a SQLite database (SQLite's online backup: it reads
    the live file without blocking its writers), deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="polku-dry-run-") as folder:
        copy = Path(folder) / "dry-run.sqlite3"
        with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        source.close()
        target.close()
        engine = make_engine(f"sqlite:///{copy}")
        try:
            with Session(engine) as scratch:
                yield scratch
        finally:
            engine.dispose()
