"""Load the bundled provider CSV (`app/content/data/providers.csv`) into the catalogue.

The bundled file is read like any CSV import (app/interop/csv/reader.py) and
merged by the same rules, but it must be spotless: every term reviewed, no warnings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, col, select

from app.catalogue.vocabularies import Mappings
from app.geography import DATA_DIR, municipality_regions
from app.interop.csv.reader import parse_csv_files
from app.interop.merge import merge_records
from app.models import Region

PROVIDERS_CSV = DATA_DIR / "providers.csv"


class ProviderDataError(ValueError):
    """The bundled data cannot be loaded; the message names the records and problems."""


def organiser_codes(session: Session) -> set[str]:
    """Codes of the 22 organisers, the regions a provider can belong to."""
    return set(session.exec(select(Region.code).where(col(Region.is_organiser))).all())


def load_bundled_providers(
    *, session: Session, mappings: Mappings, csv_path: Path = PROVIDERS_CSV
) -> int:
    """Insert or update every row (matched by record id) in one transaction; return the count."""
    parsed = parse_csv_files(
        [csv_path],
        mappings=mappings,
        municipality_regions=municipality_regions(session=session),
        regions=organiser_codes(session),
    )
    if problems := parsed.errors + parsed.warnings:
        raise ProviderDataError("; ".join(str(problem) for problem in problems[:10]))
    merge_records(
        session=session,
        parsed=parsed,
        today=dt.date.today(),
        files=[csv_path.name],
        record_unchanged=False,
    )
    session.commit()
    return len(parsed.records)
