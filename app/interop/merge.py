"""Merging imported records into the catalogue: match, update, protect, flag, log.

The rules (docs/data.md tells maintainers the same):
- An entry is found by its external id (its own or an alias), then by name + municipality.
  A name match by another source hands the entry to that source; the old id stays as an
  alias, so the older source still finds it later and then only fills empty fields.
- The owning source may change and clear fields; any other source only fills empty ones.
- A field a person edited on the web, or checked, later than the source last changed the
  entry is never overwritten: the import records an open `ImportConflict` with both values.
- A full import marks the source's entries that vanished from it `verify` (never deletes),
  within the regions the import covers, or only within the municipalities it covers when
  the input says which (a PTV fetch by municipality).
- Every change is written to the change log with the source's name.
Free places and waiting time are the coordinators' own and never imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, insert
from sqlmodel import Session, col, delete, select

from app.catalogue.values import text_or_none
from app.interop.records import (
    PROVIDER_CODE_FIELDS,
    PROVIDER_TEXT_FIELDS,
    ParsedSource,
    ProviderRecord,
)
from app.models import PROVIDER_CODE_TABLES as CODE_FIELDS
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
CREATE_BATCH = 500  # new entries inserted together: one flush per batch, not per row


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


def _name_key(name: str, region: str, municipality: str | None) -> tuple[str, str, str | None]:
    return (" ".join(name.split()).casefold(), region, municipality)


def source_year(source_date: str | None) -> int | None:
    """The year a source is from; "ennen 2023" ("before 2023") gives none."""
    if not source_date or "ennen" in source_date:
        return None
    year = _YEAR.search(source_date)
    return int(year.group(0)) if year else None


class _Merger:
    def __init__(self, session: Session, source: str, today: dt.date, regions: set[str]) -> None:
        self.session = session
        self.source = source
        self.today = today
        self.report = MergeReport(source)
        self.taken_over: set[str] = set()
        self.created: list[tuple[Provider, ProviderRecord]] = []
        self.organizations: dict[str, Organization] = {}
        self.now = dt.datetime.now(dt.UTC)
        self._load(regions)

    # --- finding -------------------------------------------------------------------
    def _load(self, regions: set[str]) -> None:
        """Read once what matching and comparing need: every entry's ids, and the entries
        and codes of the regions imported. A 10 000-row import must not query per row."""
        self.ids: dict[str, int] = {}
        self.names: dict[tuple[str, str, str | None], list[int]] = {}
        self.codes: dict[str, dict[int, list[str]]] = {n: {} for n in PROVIDER_CODE_FIELDS}
        for pk, external_id in self.session.exec(select(Provider.id, Provider.external_id)):
            assert pk is not None  # noqa: S101 – rows read from the table
            self.ids[external_id] = pk
        for alias in self.session.exec(select(ProviderAlias)):
            self.ids[alias.external_id] = alias.provider_id
        in_regions = col(Provider.region_code).in_(regions)
        # kept in the session's identity map, so `session.get` below needs no query
        self.providers = self.session.exec(select(Provider).where(in_regions)).all()
        self.loaded = {_id(provider) for provider in self.providers}
        for provider in sorted(self.providers, key=_id):
            key = _name_key(provider.name, provider.region_code, provider.municipality_code)
            self.names.setdefault(key, []).append(_id(provider))
        for name in PROVIDER_CODE_FIELDS:
            table = CODE_FIELDS[name]
            rows = self.session.exec(
                select(table.provider_id, table.code)
                .join(Provider, col(Provider.id) == table.provider_id)
                .where(in_regions)
            )
            for pk, code in rows:
                self.codes[name].setdefault(pk, []).append(code)

    def find(self, record: ProviderRecord) -> Provider | None:
        if record.external_id in self.ids:
            return self.session.get(Provider, self.ids[record.external_id])
        key = _name_key(record.name, record.region_code, record.municipality_code)
        for pk in self.names.get(key, []):
            provider = self.session.get(Provider, pk)
            # Two ids of one source with the same name are two units: never merge them.
            if provider is not None and _source_of(provider.external_id) != self.source:
                self._take_over(provider, record.external_id)
                return provider
        return None

    def _take_over(self, provider: Provider, external_id: str) -> None:
        """A name match: the importing source owns the entry from now on."""
        self.session.add(ProviderAlias(external_id=provider.external_id, provider_id=_id(provider)))
        self._log(provider, "import", "external_id", provider.external_id, external_id)
        provider.external_id = external_id
        self.taken_over.add(external_id)
        self.ids[external_id] = _id(provider)

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
                before=text_or_none(before),
                after=text_or_none(after),
            )
        )

    def _organization(self, record: ProviderRecord) -> Organization:
        name = record.organization_name.strip()
        organization = self.organizations.get(name)
        if organization is None:
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
        self.organizations[name] = organization
        return organization

    def create(self, record: ProviderRecord) -> None:
        """Add a new entry; its codes and log entry follow in batches (`flush_created`)."""
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
        self.created.append((provider, record))
        self.report.created.append(record.external_id)
        if len(self.created) >= CREATE_BATCH:
            self.flush_created()

    def flush_created(self) -> None:
        """Insert the new entries in one go, then their codes and change-log entries (as
        plain rows: building an ORM object per code would triple the time of a big import)."""
        if not self.created:
            return
        self.session.flush()
        code_rows: dict[str, list[dict[str, object]]] = {n: [] for n in PROVIDER_CODE_FIELDS}
        log_rows: list[dict[str, object]] = []
        for provider, record in self.created:
            pk = _id(provider)
            for name in PROVIDER_CODE_FIELDS:
                codes = dict.fromkeys(getattr(record, name))
                code_rows[name].extend({"provider_id": pk, "code": code} for code in codes)
            log_rows.append(
                {"provider_id": pk, "user_id": None, "source": self.source, "at": self.now,
                 "action": "create", "field": None, "before": None, "after": record.name}
            )  # fmt: skip
            self.ids[record.external_id] = pk
            key = _name_key(record.name, record.region_code, record.municipality_code)
            self.names.setdefault(key, []).append(pk)
        for name, rows in code_rows.items():
            if rows:
                self.session.exec(insert(CODE_FIELDS[name]).values(rows))
        self.session.exec(insert(ChangeLogEntry).values(log_rows))
        self.created.clear()

    def _codes(self, provider: Provider, name: str) -> list[str]:
        pk = _id(provider)
        if pk not in self.loaded and pk not in self.codes[name]:
            table = CODE_FIELDS[name]  # an entry of another region, found by its id
            rows = self.session.exec(select(table).where(table.provider_id == pk)).all()
            self.codes[name][pk] = [row.code for row in rows]
        return sorted(self.codes[name].get(pk, []))

    def _set_codes(self, provider: Provider, name: str, codes: Sequence[str]) -> None:
        table = CODE_FIELDS[name]
        self.session.exec(delete(table).where(col(table.provider_id) == provider.id))
        self.session.add_all(
            table(provider_id=_id(provider), code=code) for code in dict.fromkeys(codes)
        )
        self.codes[name][_id(provider)] = list(dict.fromkeys(codes))

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
        current_text, incoming_text = text_or_none(current), text_or_none(incoming)
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
        wanted: dict[str, object] = {name: getattr(record, name) for name in PROVIDER_TEXT_FIELDS}
        wanted["region_code"] = record.region_code
        if owner:  # another source never moves an entry to an organisation of its own
            wanted["organization_id"] = self._organization(record).id
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

    def mark_vanished(
        self, seen: set[str], regions: set[str], municipalities: set[str] | None = None
    ) -> None:
        """Entries of this source, in the regions imported (or only in `municipalities`,
        when the input says which it covers), that the source no longer has."""
        prefix = f"{self.source}:"
        # A municipality the files cover but that has no record left still counts.
        in_scope = (
            col(Provider.municipality_code).in_(municipalities)
            if municipalities is not None
            else col(Provider.region_code).in_(regions)
        )
        owned = self.session.exec(
            select(Provider).where(
                col(Provider.external_id).startswith(prefix),
                Provider.status == "current",
                in_scope,
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
    record_unchanged: bool = True,
) -> MergeReport:
    """Merge valid records into the session's transaction; the caller commits or rolls back.

    Refuses input that has errors: an import is applied whole or not at all. Every import
    is recorded as a run, except, with `record_unchanged=False`, one that changed nothing
    (the bundled data reloaded at every `init` is not an import).
    """
    if parsed.errors:
        raise ValueError("records with errors cannot be merged")
    regions = {record.region_code for record in parsed.records}
    merger = _Merger(session, parsed.source, today, regions)
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
        if progress:
            progress(number, len(parsed.records))
    merger.flush_created()
    if full:
        merger.mark_vanished(seen, regions, parsed.scope_municipalities)
    report = merger.report
    changed = report.created or report.updated or report.marked_verify or report.conflicts
    if not (changed or record_unchanged):
        return report
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
