"""Wellbeing regions and municipalities: loading the bundled data and reading it."""

from __future__ import annotations

import csv
import functools
import math
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from babel.numbers import format_decimal
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from app.models import OUTSIDE_SYSTEM_REGION_CODE, Municipality, Region

DATA_DIR = Path(__file__).resolve().parent / "content" / "data"
CENTROIDS_FILE = DATA_DIR / "municipality_centroids.csv"
EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG); the centroids are good to ±10 km anyway


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _upsert(session: Session, model: type[SQLModel], code: str, values: dict[str, Any]) -> None:
    existing = session.get(model, code)
    if existing is None:
        session.add(model(code=code, **values))
        return
    for name, value in values.items():
        setattr(existing, name, value)


def load_geography(*, session: Session, data_dir: Path = DATA_DIR) -> tuple[int, int]:
    """Insert or update regions and municipalities from the CSV files; return the counts."""
    websites = {row["region_code"]: row for row in _rows(data_dir / "region_websites.csv")}
    region_count = 0
    for row in _rows(data_dir / "regions.csv"):
        code = row["region_code"]
        site = websites.get(code, {})
        values = {
            "name_fi": row["region_name_fi"],
            "name_sv": row["region_name_sv"],
            "name_en": row["region_name_en"],
            "kind": row["type"],
            "is_organiser": code != OUTSIDE_SYSTEM_REGION_CODE,
            "website": site.get("website") or None,
            "website_evidence_url": site.get("website_evidence_url") or None,
            "social_services_contact": site.get("social_services_contact") or None,
            "contact_evidence_url": site.get("contact_evidence_url") or None,
        }
        _upsert(session, Region, code, values)
        region_count += 1
    session.flush()
    municipality_count = 0
    for row in _rows(data_dir / "municipalities.csv"):
        values = {
            "name_fi": row["name_fi"],
            "name_sv": row["name_sv"],
            "region_code": row["region_code"] or OUTSIDE_SYSTEM_REGION_CODE,
        }
        _upsert(session, Municipality, row["municipality_code"], values)
        municipality_count += 1
    session.commit()
    return region_count, municipality_count


def list_organisers(*, session: Session) -> list[Region]:
    """The 22 organisers (21 wellbeing regions and Helsinki), by code."""
    statement = select(Region).where(col(Region.is_organiser)).order_by(col(Region.code))
    return list(session.exec(statement))


def get_region(*, session: Session, code: str) -> Region | None:
    """One region by its two-digit code."""
    return session.get(Region, code)


_FINNISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}"})  # after z, as in Finnish


def finnish_sort_key(name: str) -> str:
    """Sort key that puts å, ä and ö after z, as Finnish alphabetical order does."""
    return name.casefold().translate(_FINNISH_ORDER)


# Finnish and Swedish share the end of the alphabet (… x y z å ä ö); the Danish and
# Norwegian letters sort with their Swedish twins and ü with y, as both languages' dictionaries
# do. Other accents are ignored (é as e). Checked: PyICU is not installed here, and this short
# explicit key is enough for place names.
_NORDIC_PRIMARY = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}


def collation_key(name: str) -> tuple[str, str]:
    """Sort key for Finnish and Swedish names: å, ä, ö after z, other accents ignored.

    The second part breaks ties (e.g. "Närpes" and "Narpes") in a stable, case-blind way.
    """
    folded = unicodedata.normalize("NFC", name.casefold())
    primary = "".join(
        _NORDIC_PRIMARY.get(char) or unicodedata.normalize("NFD", char)[0] for char in folded
    )
    return primary, folded


def list_municipalities(*, session: Session) -> list[Municipality]:
    """All municipalities in Finnish alphabetical order."""
    municipalities = session.exec(select(Municipality)).all()
    return sorted(municipalities, key=lambda municipality: finnish_sort_key(municipality.name_fi))


def municipalities_by_region(*, session: Session) -> dict[str, list[Municipality]]:
    """All municipalities grouped by region code, each group in Finnish alphabetical order."""
    grouped: dict[str, list[Municipality]] = {}
    for municipality in list_municipalities(session=session):
        grouped.setdefault(municipality.region_code, []).append(municipality)
    return grouped


PlaceNames = dict[str, dict[str, str]]  # {"region": {code: name}, "municipality": {...}}
_place_names_cache: dict[tuple[str, str], PlaceNames] = {}


def _place_names_key(engine: Engine, language: str) -> tuple[str, str]:
    return engine.url.render_as_string(), language


def cached_place_names(*, engine: Engine, language: str) -> PlaceNames | None:
    """The names if this process has already read them, else None (no database access)."""
    return _place_names_cache.get(_place_names_key(engine, language))


def place_names(*, engine: Engine, language: str) -> PlaceNames:
    """Names of regions and municipalities by code, in Finnish, Swedish or English.

    Kept per database and language for the life of the process: the names come only from
    the bundled data, and the search page needs them on every request.
    """
    key = _place_names_key(engine, language)
    if key not in _place_names_cache:
        with Session(engine) as session:
            _place_names_cache[key] = _read_place_names(session, language)
    return _place_names_cache[key]


def _read_place_names(session: Session, language: str) -> PlaceNames:
    regions = {
        region.code: getattr(region, f"name_{language}", None) or region.name_fi
        for region in session.exec(select(Region))
    }
    municipalities = {
        municipality.code: (municipality.name_sv if language == "sv" else municipality.name_fi)
        for municipality in session.exec(select(Municipality))
    }
    return {"region": regions, "municipality": municipalities}


def municipality_regions(*, session: Session) -> dict[str, str]:
    """Municipality code -> the organiser responsible for it (Åland's have none)."""
    statement = (
        select(Municipality.code, Municipality.region_code)
        .join(Region, col(Region.code) == Municipality.region_code)
        .where(col(Region.is_organiser))
    )
    return {code: region for code, region in session.exec(statement)}


# --- Distances between municipalities ("near me") -----------------------------------------
#
# Each municipality's area centroid (bundled `municipality_centroids.csv`, see
# `content/data/README.md`) stands for every provider in it: distances are between
# municipality centres, good for "nearest first" and a rough "23 km", never for addresses.


@dataclass(frozen=True)
class Point:
    """A place on the WGS-84 ellipsoid, in degrees."""

    lat: float
    lon: float


def read_centroids(path: Path = CENTROIDS_FILE) -> dict[str, Point]:
    """Municipality code -> the centroid of its area, from the bundled CSV."""
    return {
        row["municipality_code"]: Point(float(row["lat"]), float(row["lon"])) for row in _rows(path)
    }


@functools.cache
def municipality_centroids() -> dict[str, Point]:
    """The bundled centroids, read once per process (they change only with a release)."""
    return read_centroids()


def is_known_place(code: str) -> bool:
    """Whether `code` is a municipality that distances can be measured from."""
    return code in municipality_centroids()


def great_circle_km(a: Point, b: Point) -> float:
    """The great-circle distance between two points (haversine, on a sphere)."""
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    half_lat = (lat_b - lat_a) / 2
    half_lon = math.radians(b.lon - a.lon) / 2
    h = math.sin(half_lat) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(half_lon) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.lru_cache(maxsize=512)
def distances_from(code: str) -> dict[str, float]:
    """Kilometres from municipality `code` to every municipality with a centroid ({} when
    `code` has none). Cached: there are only about 300 municipalities to start from."""
    centroids = municipality_centroids()
    origin = centroids.get(code)
    if origin is None:
        return {}
    return {other: great_circle_km(origin, point) for other, point in centroids.items()}


def distance_km(origin: str, municipality: str | None) -> float | None:
    """Kilometres between two municipalities' centres; None when either is unknown."""
    if not municipality:
        return None
    return distances_from(origin).get(municipality)


T = TypeVar("T")


def nearest_first(
    items: Sequence[T], origin: str, municipality_of: Mapping[T, str | None]
) -> list[T]:
    """`items` ordered by distance from `origin`, nearest first; items whose municipality
    has no centroid (a provider that names only its region) go last. The sort is stable,
    so items at the same distance keep their order (relevance, or name).

    `bench/near_sort.py` times it.
    """
    distances = distances_from(origin)
    keys = [distances.get(code or "", math.inf) for code in map(municipality_of.get, items)]
    return [item for _key, item in sorted(zip(keys, items, strict=True), key=itemgetter(0))]


def format_distance(km: float, locale: str) -> str:
    """A distance as people read it: whole kilometres in the locale's number format
    ("1 234 km" in Finnish and Swedish, "1,234 km" in English)."""
    return f"{format_decimal(round(km), format='#,##0', locale=locale)}\u00a0km"


def municipality_choices(names: dict[str, str], locale: str) -> list[tuple[str, str]]:
    """(code, name) of every municipality distances can be measured from, sorted by the
    name shown: Finnish and Swedish both put å, ä, ö after z, in that order."""
    known = municipality_centroids()
    pairs = [(code, name) for code, name in names.items() if code in known]
    return sorted(pairs, key=lambda pair: (finnish_sort_key(pair[1]), pair[0]))


NEARBY_REGION_COUNT = 3
_EARTH_RADIUS_KM = 6371.0


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@cache
def nearby_regions(data_dir: Path = DATA_DIR) -> dict[str, tuple[str, ...]]:
    """For each organiser, the `NEARBY_REGION_COUNT` other organisers nearest to it.

    No bundled source says which regions border each other, so nearness is derived from
    the municipality centroids (`municipality_centroids.csv`): the distance between two
    organisers is the shortest distance between a municipality of one and a municipality
    of the other. Åland (no organiser) is neither a region here nor anyone's neighbour.
    Pages call these "nearby regions", not "neighbouring" (see the data README).
    """
    centroids = {
        row["municipality_code"]: (float(row["lat"]), float(row["lon"]))
        for row in _rows(data_dir / "municipality_centroids.csv")
    }
    points: dict[str, list[tuple[float, float]]] = {}
    for row in _rows(data_dir / "municipalities.csv"):
        region = row["region_code"]
        if (
            region
            and region != OUTSIDE_SYSTEM_REGION_CODE
            and row["municipality_code"] in centroids
        ):
            points.setdefault(region, []).append(centroids[row["municipality_code"]])
    nearest: dict[str, tuple[str, ...]] = {}
    for region, own in points.items():
        distances = {
            other: min(_distance_km(a, b) for a in own for b in theirs)
            for other, theirs in points.items()
            if other != region
        }
        ranked = sorted(distances, key=lambda other: (distances[other], other))
        nearest[region] = tuple(ranked[:NEARBY_REGION_COUNT])
    return nearest
