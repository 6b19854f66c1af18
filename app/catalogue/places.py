"""Search documents for places (regions and municipalities) and the index rebuild."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session, select
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema

from app.catalogue.index_store import build_index
from app.models import Municipality, Region

PLACE_SCHEMA = Schema(
    doc_id=ID(stored=True, unique=True),
    kind=ID(stored=True),
    code=ID(stored=True),
    region_code=ID(stored=True),
    # names are indexed unstemmed so that prefixes ("jyv") find places while typing
    name=TEXT(stored=True, analyzer=StandardAnalyzer(stoplist=None)),
)


def place_documents(*, session: Session) -> Iterator[dict[str, Any]]:
    """One document per organiser region and per municipality, with Finnish and Swedish names."""
    for region in session.exec(select(Region)):
        yield {
            "doc_id": f"region:{region.code}",
            "kind": "region",
            "code": region.code,
            "region_code": region.code,
            "name": f"{region.name_fi} {region.name_sv} {region.name_en}",
        }
    for municipality in session.exec(select(Municipality)):
        yield {
            "doc_id": f"municipality:{municipality.code}",
            "kind": "municipality",
            "code": municipality.code,
            "region_code": municipality.region_code,
            "name": f"{municipality.name_fi} {municipality.name_sv}",
        }


def rebuild_search_index(
    *, session: Session, index_dir: Path, progress: Callable[[int], None] | None = None
) -> Path:
    """Build a fresh index from the database and make it current atomically."""
    return build_index(index_dir, PLACE_SCHEMA, place_documents(session=session), progress=progress)
