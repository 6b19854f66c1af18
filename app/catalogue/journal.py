"""Reading the catalogue's revision journal (written by the session, see app/models.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session, col, delete, func, or_, select

from app.models import CatalogueChange

JOURNAL_KEPT_FOR = dt.timedelta(days=7)  # a node offline for longer rebuilds its index in full


@dataclass(frozen=True)
class Change:
    """One journal row: a provider changed (None: anything may have) at a revision."""

    revision: int
    provider_id: int | None
    at: dt.datetime


def catalogue_revision(*, session: Session) -> int:
    """The newest revision; 0 before the first change."""
    newest = session.exec(select(func.max(CatalogueChange.id))).one()
    return int(newest) if newest is not None else 0


@dataclass(frozen=True)
class CatalogueVersion:
    """What the catalogue is at: its newest revision and how many journal rows there are.

    Together they change on every commit, also when a revision below the newest commits
    after it (ids are allocated before commit, so a slow transaction can fill a gap under
    the newest revision: the count still grows).
    """

    revision: int
    changes: int
    changed_at: dt.datetime | None  # when the newest journal row was written


def catalogue_version(*, session: Session) -> CatalogueVersion:
    """The catalogue's version, read in one query."""
    newest, count, at = session.exec(
        select(func.max(CatalogueChange.id), func.count(), func.max(CatalogueChange.at))
    ).one()
    if isinstance(at, dt.datetime) and at.tzinfo is None:  # SQLite keeps no time zone
        at = at.replace(tzinfo=dt.UTC)
    return CatalogueVersion(int(newest or 0), int(count), at)


def oldest_revision(*, session: Session) -> int | None:
    """The oldest revision still in the journal (older rows have been pruned)."""
    oldest = session.exec(select(func.min(CatalogueChange.id))).one()
    return int(oldest) if oldest is not None else None


def changes_after(*, session: Session, revision: int, also: Collection[int] = ()) -> list[Change]:
    """Changes newer than `revision`, and the listed older ones (revisions not seen before)."""
    condition = col(CatalogueChange.id) > revision
    if also:
        condition = or_(condition, col(CatalogueChange.id).in_(sorted(also)))
    rows = session.exec(
        select(CatalogueChange).where(condition).order_by(col(CatalogueChange.id))
    ).all()
    return [Change(row.id or 0, row.provider_id, row.at) for row in rows]


def present_revisions(*, session: Session, low: int, high: int) -> set[int]:
    """Which revisions in `low < id <= high` exist (a missing one is still being committed,
    or was rolled back)."""
    statement = select(CatalogueChange.id).where(
        col(CatalogueChange.id) > low, col(CatalogueChange.id) <= high
    )
    return {int(pk) for pk in session.exec(statement).all() if pk is not None}


def oldest_change_after(*, session: Session, revision: int) -> dt.datetime | None:
    """When the oldest change newer than `revision` was made: how far behind an index is."""
    at = session.exec(
        select(func.min(CatalogueChange.at)).where(col(CatalogueChange.id) > revision)
    ).one()
    if isinstance(at, dt.datetime) and at.tzinfo is None:  # SQLite keeps no time zone
        at = at.replace(tzinfo=dt.UTC)
    return at


def prune_journal(*, session: Session, now: dt.datetime) -> None:
    """Forget changes older than a week, but always keep the newest (it is the revision)."""
    newest = catalogue_revision(session=session)
    session.exec(
        delete(CatalogueChange).where(
            col(CatalogueChange.at) < now - JOURNAL_KEPT_FOR, col(CatalogueChange.id) < newest
        )
    )
    session.commit()
