"""Merging imported records into the catalogue: match, update, protect, flag, log.

The rules (docs/data.md tells maintainers the same):
- An entry is found by its external id (its own or an alias), then by name + municipality.
  A name match by another source hands the entry to that source; the old id stays as an
  alias, so the older source still finds it later and then only fills empty fields.
- The owning source may change and clear fields; any other source only fills empty ones.
- A field a person edited on the web, or checked, later than the source last changed the
  entry is never overwritten: the import records an open `ImportConflict` with both values.
- A full import marks the source's entries that vanished from it `verify` (never deletes),
  within the regions the import covers.
- Every change is written to the change log with the source's name.
Free places and waiting time are the coordinators' own and never imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from app.catalogue.imports.records import (
    PROVIDER_CODE_FIELDS,
    PROVIDER_TEXT_FIELDS,
    ParsedSource,
    ProviderRecord,
)
from app.catalogue.maintenance import CODE_FIELDS
from app.models import (
    ChangeLogEntry,
    ImportConflict,
    ImportRun,
    Organization,
    Provider,
    ProviderAlias,
)

_YEAR = re.compile(r"\b(19|20)\d{2}\b")
Progress = Callable[[int, int], None]


@dataclass
class MergeReport:
    """What an import did (or, in a dry run, would do)."""

    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    marked_verify: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # "external id: field"

    def summary(self) -> str:
        return (
            f"{len(self.created)} new, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.marked_verify)} marked to verify, {len(self.conflicts)} conflicts"
        )


def _id(item: Provider | Organization) -> int:
    assert item.id is not None  # noqa: S101 – rows are flushed before their id is used
    return item.id


def _source_of(external_id: str) -> str:
    return external_id.split(":", 1)[0]


def _text(value: object) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def source_year(source_date: str | None) -> int | None:
    """The year a source is from; "ennen 2023" ("before 2023") gives none."""
    if not source_date or "ennen" in source_date:
        return None
    year = _YEAR.search(source_date)
    return int(year.group(0)) if year else None


class _Merger:
    def __init__(self, session: Session, source: str, today: dt.date) -> None:
        self.session = session
        self.source = source
        self.today = today
        self.report = MergeReport(source)
        self.taken_over: set[str] = set()
        self.now = dt.datetime.now(dt.UTC)

    # --- finding -------------------------------------------------------------------
    def find(self, record: ProviderRecord) -> Provider | None:
        session = self.session
        provider = session.exec(
            select(Provider).where(Provider.external_id == record.external_id)
        ).first()
        if provider is not None:
            return provider
        alias = session.get(ProviderAlias, record.external_id)
        if alias is not None:
            return session.get(Provider, alias.provider_id)
        statement = select(Provider).where(
            func.lower(Provider.name) == record.name.strip().lower(),
            Provider.region_code == record.region_code,
        )
        if record.municipality_code:
            statement = statement.where(Provider.municipality_code == record.municipality_code)
        else:
            statement = statement.where(col(Provider.municipality_code).is_(None))
        for provider in session.exec(statement.order_by(col(Provider.id))).all():
            # Two ids of one source with the same name are two units: never merge them.
            if _source_of(provider.external_id) != self.source:
                self._take_over(provider, record.external_id)
                return provider
        return None

    def _take_over(self, provider: Provider, external_id: str) -> None:
        """A name match: the importing source owns the entry from now on."""
        self.session.add(ProviderAlias(external_id=provider.external_id, provider_id=_id(provider)))
        self._log(provider, "import", "external_id", provider.external_id, external_id)
        provider.external_id = external_id
        self.taken_over.add(external_id)

    # --- writing -------------------------------------------------------------------
    def _log(
        self, provider: Provider, action: str, name: str | None, before: object, after: object
    ) -> None:
        self.session.add(
            ChangeLogEntry(
                provider_id=_id(provider),
                source=self.source,
                at=self.now,
                action=action,
                field=name,
                before=_text(before),
                after=_text(after),
            )
        )

    def _organization(self, record: ProviderRecord) -> Organization:
        name = record.organization_name.strip()
        organization = self.session.exec(
            select(Organization).where(Organization.name == name)
        ).first()
        if organization is None:
            organization = Organization(
                name=name,
                organisation_type=record.organisation_type,
                website=record.organization_website,
            )
            self.session.add(organization)
            self.session.flush()
        else:  # organisations are shared by sources: fill, never overwrite
            if record.organisation_type and not organization.organisation_type:
                organization.organisation_type = record.organisation_type
            if record.organization_website and not organization.website:
                organization.website = record.organization_website
        return organization

    def create(self, record: ProviderRecord) -> None:
        organization = self._organization(record)
        values = {name: getattr(record, name) for name in PROVIDER_TEXT_FIELDS}
        provider = Provider(
            external_id=record.external_id,
            organization_id=_id(organization),
            region_code=record.region_code,
            source_year=source_year(record.source_date),
            assured_date=record.assured_date,
            updated_at=self.now,
            **values,
        )
        self.session.add(provider)
        self.session.flush()
        for name in PROVIDER_CODE_FIELDS:
            self._set_codes(provider, name, getattr(record, name))
        self._log(provider, "create", None, None, record.name)
        self.report.created.append(record.external_id)

    def _codes(self, provider: Provider, name: str) -> list[str]:
        table = CODE_FIELDS[name]
        rows = self.session.exec(select(table).where(table.provider_id == provider.id)).all()  # type: ignore[attr-defined]
        return sorted(row.code for row in rows)  # type: ignore[attr-defined]

    def _set_codes(self, provider: Provider, name: str, codes: Sequence[str]) -> None:
        table = CODE_FIELDS[name]
        self.session.exec(delete(table).where(table.provider_id == provider.id))  # type: ignore[attr-defined]
        self.session.add_all(
            table(provider_id=_id(provider), code=code) for code in dict.fromkeys(codes)
        )

    def _person_date(self, provider: Provider, name: str) -> dt.date | None:
        """When a person last stood behind this field: edited it, or checked the entry."""
        edited = self.session.exec(
            select(func.max(ChangeLogEntry.at)).where(
                ChangeLogEntry.provider_id == provider.id,
                ChangeLogEntry.source == "web",
                ChangeLogEntry.field == name,
            )
        ).one()
        if edited is None:
            return None
        return max(edited.date(), provider.assured_date or dt.date.min)

    def _protected(self, provider: Provider, name: str, record: ProviderRecord) -> bool:
        person_date = self._person_date(provider, name)
        if person_date is None:
            return False
        return record.modified is None or person_date >= record.modified

    def _flag(self, provider: Provider, name: str, current: object, incoming: object) -> None:
        current_text, incoming_text = _text(current), _text(incoming)
        open_same = self.session.exec(
            select(ImportConflict.id).where(
                ImportConflict.provider_id == provider.id,
                ImportConflict.field == name,
                ImportConflict.source == self.source,
                ImportConflict.incoming_value == incoming_text,
                # a maintainer who dismissed this value once is not asked again
                col(ImportConflict.status).in_(("open", "dismissed")),
            )
        ).first()
        if open_same is None:
            self.session.add(
                ImportConflict(
                    provider_id=_id(provider),
                    source=self.source,
                    field=name,
                    current_value=current_text,
                    incoming_value=incoming_text,
                    detected_at=self.now,
                )
            )
            self.report.conflicts.append(f"{provider.external_id}: {name}")

    def update(self, provider: Provider, record: ProviderRecord) -> None:
        owner = _source_of(provider.external_id) == self.source
        changed = record.external_id in self.taken_over
        organization = self._organization(record)
        wanted: dict[str, object] = {name: getattr(record, name) for name in PROVIDER_TEXT_FIELDS}
        wanted["organization_id"] = organization.id
        wanted["region_code"] = record.region_code
        for name, incoming in wanted.items():
            current = getattr(provider, name)
            if incoming == current or (not owner and (incoming in (None, "") or current)):
                continue
            if self._protected(provider, name, record):
                self._flag(provider, name, current, incoming)
                continue
            setattr(provider, name, incoming)
            self._log(provider, "import", name, current, incoming)
            changed = True
        for name in PROVIDER_CODE_FIELDS:
            current_codes = self._codes(provider, name)
            incoming_codes = sorted(dict.fromkeys(getattr(record, name)))
            if incoming_codes == current_codes or (
                not owner and (not incoming_codes or current_codes)
            ):
                continue
            if self._protected(provider, name, record):
                self._flag(provider, name, current_codes, incoming_codes)
                continue
            self._set_codes(provider, name, incoming_codes)
            self._log(provider, "import", name, current_codes, incoming_codes)
            changed = True
        if record.assured_date and record.assured_date > (provider.assured_date or dt.date.min):
            self._log(
                provider, "checked", "assured_date", provider.assured_date, record.assured_date
            )
            provider.assured_date = record.assured_date
            changed = True
        if changed:
            provider.source_year = source_year(provider.source_date)
            provider.updated_at = self.now
            self.session.add(provider)
            self.report.updated.append(record.external_id)
        else:
            self.report.unchanged += 1

    def mark_vanished(self, seen: set[str], regions: set[str]) -> None:
        """Entries of this source, in the regions imported, that the source no longer has."""
        prefix = f"{self.source}:"
        owned = self.session.exec(
            select(Provider).where(
                col(Provider.external_id).startswith(prefix),
                col(Provider.region_code).in_(regions),
                Provider.status == "current",
            )
        ).all()
        for provider in owned:
            if provider.external_id not in seen:
                self._log(provider, "verify", "status", provider.status, "verify")
                provider.status = "verify"
                provider.updated_at = self.now
                self.session.add(provider)
                self.report.marked_verify.append(provider.external_id)


def merge_records(
    *,
    session: Session,
    parsed: ParsedSource,
    full: bool = False,
    today: dt.date,
    files: Sequence[str] = (),
    progress: Progress | None = None,
) -> MergeReport:
    """Merge valid records into the session's transaction; the caller commits or rolls back.

    Refuses input that has errors: an import is applied whole or not at all.
    """
    if parsed.errors:
        raise ValueError("records with errors cannot be merged")
    merger = _Merger(session, parsed.source, today)
    seen: set[str] = set()
    for number, record in enumerate(parsed.records, start=1):
        if record.external_id in seen:
            continue  # a repeated record in the input changes nothing the first did not
        seen.add(record.external_id)
        provider = merger.find(record)
        if provider is None:
            merger.create(record)
        else:
            merger.update(provider, record)
        session.flush()
        if progress:
            progress(number, len(parsed.records))
    if full:
        merger.mark_vanished(seen, {record.region_code for record in parsed.records})
    report = merger.report
    session.add(
        ImportRun(
            source=parsed.source,
            files="\n".join(files),
            full=full,
            at=merger.now,
            created=len(report.created),
            updated=len(report.updated),
            unchanged=report.unchanged,
            marked_verify=len(report.marked_verify),
            conflicts=len(report.conflicts),
            warnings=len(parsed.warnings),
        )
    )
    session.flush()
    return report
