"""Database tables (SQLModel)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Delete, Insert, Update, event, inspect, text
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

OUTSIDE_SYSTEM_REGION_CODE = "91"  # Åland: a pseudo-code, not a wellbeing region


class Region(SQLModel, table=True):
    """An organiser of social services: a wellbeing region, Helsinki, or Åland (outside)."""

    code: str = Field(primary_key=True, max_length=2)
    name_fi: str
    name_sv: str
    name_en: str
    kind: str = Field(description="hyvinvointialue, kaupunki or outside the system")
    is_organiser: bool = Field(description="False for Åland, which is outside the system")
    website: str | None = None
    website_evidence_url: str | None = None
    social_services_contact: str | None = Field(
        default=None, description="Free-text note from a public page, in English"
    )
    contact_evidence_url: str | None = None


class Municipality(SQLModel, table=True):
    """A municipality valid on 1.1.2025 and its organiser region."""

    code: str = Field(primary_key=True, max_length=3)
    name_fi: str
    name_sv: str
    region_code: str = Field(foreign_key="region.code", index=True)


# --- Where to ask: region contacts, organisers' own pages, employment areas -----------------
# Loaded from the bundled CSV files by `init` (app/contacts.py) and kept in the database so
# that a maintainer can correct them without a deploy. The columns `applies_to`,
# `verify_note` and `notes` are maintainers' notes in English: never shown to the public.


class RegionContact(SQLModel, table=True):
    """A way to reach a region's social services, as a public page stated it."""

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(foreign_key="region.code", index=True, max_length=2)
    position: int = Field(description="Order within the region (the source file's order)")
    channel_kind: str = Field(
        description="advice-line, switchboard, named-service, chat, own-municipality or "
        "emergency (urgent matters only, never the first suggestion)"
    )
    channel_name_fi: str
    phone: str | None = None
    hours_fi: str | None = None
    web_url: str | None = Field(default=None, description="Chat or web contact page")
    applies_to: str | None = Field(default=None, description="Maintainers' note in English")
    source_url: str | None = None
    source_date: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    verify_note: str | None = Field(default=None, description="Maintainers' note in English")


class RegionServicePage(SQLModel, table=True):
    """An organiser's own public page about a topic (a service or its advice line)."""

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(foreign_key="region.code", index=True, max_length=2)
    position: int = Field(description="Order within the region (the source file's order)")
    topic: str = Field(description="ktt, social-rehab, disability-work or advice")
    url: str
    page_title: str | None = None
    page_lang: str | None = Field(
        default=None,
        max_length=2,
        description="fi, sv or en: the language of the page and its title, where the "
        "address, the title or a maintainer makes it clear; None when not known",
    )
    phone: str | None = None
    hours_fi: str | None = None
    source_date: str | None = None
    is_historical: bool = Field(
        default=False, description="A predecessor's page from before 2023: never linked"
    )
    notes: str | None = Field(default=None, description="Maintainers' note in English")


class EmploymentArea(SQLModel, table=True):
    """An employment area (työllisyysalue): runs public employment services since 1.1.2025."""

    id: int | None = Field(default=None, primary_key=True)
    name_fi: str = Field(unique=True)
    name_sv: str | None = None
    lead_municipality_code: str | None = Field(default=None, max_length=3)
    website: str | None = None
    phone: str | None = None
    source_url: str | None = None
    source_date: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    notes: str | None = Field(default=None, description="Maintainers' note in English")


class EmploymentAreaMember(SQLModel, table=True):
    """A municipality that a source names as a member of an employment area."""

    area_id: int = Field(foreign_key="employmentarea.id", primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", primary_key=True, index=True)


# --- Provider catalogue, shaped after Open Referral HSDS 3.0 -------------------------------
# organization → provider (HSDS service_at_location with its location and contacts)
# → codes of services, activity types, target groups and languages in link tables.


class Organization(SQLModel, table=True):
    """An organisation that runs one or more provider units (HSDS organization)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    # Identifiers say "organization" (HSDS); this column and the CSV header keep their old name.
    organisation_type: str | None = Field(default=None, description="As the source states it")
    website: str | None = None


class ProviderBase(SQLModel):
    """A provider's own facts: the one typed list of them.

    Every other list of provider fields is taken from this family by name
    (app/catalogue/fields.py holds the form and API members):
    - `Provider` (the table) adds the keys; `ProviderUpdate` (the maintainer's form, with
      its lengths, formats and choices) says which fields people edit – saving, logging
      and the empty form follow from it (app/catalogue/maintenance.py);
    - `ProviderItem`/`ProviderFull` (the JSON API) and `SearchHit` (app/search/hits.py,
      which decides what the index stores) are filled from fields of the same name;
    - the importers' `ProviderRecord` fields named like these are merged as they are
      (app/interop/records.py); the CSV export fills its columns by name. The HSDS mapping
      (app/interop/hsds/objects.py) translates to HSDS's own names, so a field HSDS has a
      place for is mapped there by hand.
    Adding a field means: declare it here, write a migration, name it in the form or API
    model (or the export's columns) if people edit or read it there, and show it in a
    template. No other module lists provider fields. The code lists (services, activities,
    target groups, languages) live in the link tables below (`PROVIDER_CODE_TABLES`).
    """

    # Unit name, or the organisation's name when no unit is named.
    name: str
    region_code: str = Field(
        foreign_key="region.code", index=True, description="Organiser code; 90 = City of Helsinki"
    )
    municipality_code: str | None = Field(default=None, foreign_key="municipality.code", index=True)
    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    accessibility: str | None = None
    opening_hours: str | None = None  # as the source gives them
    description: str | None = None  # notes from the source (Finnish)
    services_text: str | None = Field(
        default=None, description="The source's own wording (Finnish)"
    )
    activities_text: str | None = None  # the source's own wording
    target_groups_text: str | None = None  # the source's own wording
    status: str = Field(index=True, description="current, verify (check before relying) or closed")
    status_text: str | None = None  # the source's own status note
    source_url: str | None = None
    source_date: str | None = Field(
        default=None, description="As the source dates it, e.g. 2015 or 2026-01"
    )
    source_year: int | None = None
    assured_date: dt.date | None = Field(
        default=None, description="When a person last checked the entry"
    )
    free_places: int | None = None  # as a coordinator said
    waiting_time: str | None = Field(default=None, max_length=100)  # VARCHAR(100) in the table
    availability_date: dt.date | None = None  # when free places / waiting time were given


class Provider(ProviderBase, table=True):
    """A provider unit at a location (HSDS service_at_location + location + contacts)."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, description="Source and its id, e.g. csv:P001")
    organization_id: int = Field(foreign_key="organization.id", index=True)
    updated_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class ProviderCode(SQLModel):
    """A code a provider has in one vocabulary: the shape of the four link tables."""

    provider_id: int = Field(foreign_key="provider.id", primary_key=True)
    code: str = Field(primary_key=True, index=True)


class ProviderService(ProviderCode, table=True):
    """A service (guide page code) a provider offers."""


class ProviderActivity(ProviderCode, table=True):
    """An activity type (controlled vocabulary) at a provider."""


class ProviderTargetGroup(ProviderCode, table=True):
    """A target group (controlled vocabulary) a provider serves."""


class ProviderLanguage(ProviderCode, table=True):
    """A language of service (ISO 639-1)."""


# A provider's code lists by their field name, and the link table that holds each.
PROVIDER_CODE_TABLES: dict[str, type[ProviderCode]] = {
    "services": ProviderService,
    "activities": ProviderActivity,
    "target_groups": ProviderTargetGroup,
    "languages": ProviderLanguage,
}


# --- Maintainers and the change log -----------------------------------------------------


class User(SQLModel, table=True):
    """A maintainer account: `admin` (everything) or `coordinator` (own regions only)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    password_hash: str
    role: str = Field(description="admin or coordinator")
    regions: str = Field(default="", description="Comma-separated region codes (coordinators)")
    session_version: int = Field(default=1, description="Raised to sign out everywhere")
    is_active: bool = True
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def region_codes(self) -> set[str]:
        """The regions this user may edit (all for admins is decided by the role)."""
        return {code for code in self.regions.split(",") if code}


class ThrottleEvent(SQLModel, table=True):
    """A failed sign-in or a public form sent, kept briefly for rate limiting."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, description="user:<name>, ip:<address> or form:<address>")
    at: dt.datetime = Field(index=True)


class Submission(SQLModel, table=True):
    """A public report of a wrong entry, or feedback on the site: a moderation queue item."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(description="correction or feedback")
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    region_code: str | None = Field(default=None, index=True)
    message: str = Field(max_length=2000)
    contact: str | None = Field(default=None, max_length=200)
    status: str = Field(default="open", index=True, description="open, accepted or dismissed")
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    handled_at: dt.datetime | None = None


class ChangeLogEntry(SQLModel, table=True):
    """One field of one provider changed: who, when, from which source, before and after."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    source: str = Field(description="web, csv, ptv, hsds …")
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC), index=True)
    action: str = Field(description="edit, checked, close, reopen, create")
    field: str | None = None
    before: str | None = None
    after: str | None = None


class RegionChangeLogEntry(SQLModel, table=True):
    """One change a maintainer made to a region's contact channels or to its organiser's own
    service pages: who, when, before, after.

    A region with an entry of a subject here is maintained by people for that subject: `init`
    no longer replaces its contact channels, or its service pages, from the bundled file
    (docs/data.md, "Where to ask")."""

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(foreign_key="region.code", index=True, max_length=2)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    source: str = Field(default="web", description="web (a maintainer's edit)")
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC), index=True)
    subject: str = Field(
        default="contact",
        sa_column_kwargs={"server_default": "contact"},  # the entries written before 0009
        description="contact (a contact channel) or service-page (an organiser's own page)",
    )
    action: str = Field(description="edit, add or remove (of one channel or page)")
    item: int | None = Field(
        default=None, description="The channel's or page's number on the form, from 1"
    )
    field: str | None = None
    before: str | None = None
    after: str | None = None


class EmploymentAreaChangeLogEntry(SQLModel, table=True):
    """One change an administrator made to an employment area's site, phone or source.

    An area with any entry keeps those fields when `init` reloads the bundled file; its
    member municipalities still follow the file (docs/data.md)."""

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="employmentarea.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    source: str = Field(default="web", description="web (a maintainer's edit)")
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC), index=True)
    action: str = Field(default="edit", description="edit")
    field: str | None = None
    before: str | None = None
    after: str | None = None


class ProviderAlias(SQLModel, table=True):
    """Another source's id for an entry (`ptv:…`, `csv:…`), so later imports find it again.

    `Provider.external_id` names the source that owns the entry; an alias is kept when a
    second source matched the entry by name and municipality and took it over.
    """

    external_id: str = Field(primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)


class ImportConflict(SQLModel, table=True):
    """An import wanted to change a field a person had edited and checked later.

    Both values are kept: the entry keeps the person's value until a maintainer decides.
    """

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    source: str = Field(description="csv, ptv or hsds")
    field: str
    current_value: str | None = None
    incoming_value: str | None = None
    detected_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    status: str = Field(default="open", index=True, description="open, accepted or dismissed")
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    handled_at: dt.datetime | None = None


class ImportRun(SQLModel, table=True):
    """One applied import: which source and files, and what it changed."""

    id: int | None = Field(default=None, primary_key=True)
    source: str
    files: str = Field(description="File names, one per line")
    full: bool = False
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC), index=True)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_verify: int = 0
    conflicts: int = 0
    warnings: int = 0


# --- The catalogue's revision journal ------------------------------------------------------


class CatalogueChange(SQLModel, table=True):
    """A committed change to a provider's searchable data; the highest id is the revision.

    Written by the session itself (below), in the same transaction as the change, so no
    edit path – web form, import, conflict decision – can forget it. Each node's index keeper
    reads the rows after the revision its index was built from and updates only those
    providers. A row without a provider means "anything may have changed": rebuild all.
    """

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int | None = Field(default=None, index=True)
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC), index=True)


CATALOGUE_CHANNEL = "polku_catalogue"  # PostgreSQL NOTIFY channel the index keepers listen on
_CHANGED = "polku_changed_providers"  # session.info key: provider ids changed, None = all
_JOURNALLED_TABLES = {
    Provider.__tablename__,
    *(t.__tablename__ for t in PROVIDER_CODE_TABLES.values()),
}


# Place names every provider's document holds (searchable, and the place words of queries):
# a change to one of them changes documents of providers the journal would not name.
_INDEXED_PLACE_FIELDS: dict[type[SQLModel], tuple[str, ...]] = {
    Region: ("name_fi", "name_sv", "name_en"),
    Municipality: ("name_fi", "name_sv", "region_code"),
}


def _changed(session: OrmSession) -> set[int | None]:
    changed: set[int | None] = session.info.setdefault(_CHANGED, set())
    return changed


@event.listens_for(OrmSession, "before_flush")
def _stamp_modified_providers(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Every modified provider gets a new `updated_at` (HTTP caches and HSDS rely on it)."""
    now = dt.datetime.now(dt.UTC)
    for item in session.dirty:
        if isinstance(item, Provider) and session.is_modified(item, include_collections=False):
            item.updated_at = now


@event.listens_for(OrmSession, "after_flush")
def _note_flushed_providers(session: OrmSession, _context: Any) -> None:
    """Providers and code rows written by this flush (ids are assigned by now); "all" when
    a place name every document may hold changed."""
    changed = _changed(session)
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, Provider):
            changed.add(item.id)
        elif isinstance(item, ProviderCode):
            changed.add(item.provider_id)

    # a region or municipality added, removed, or given another indexed name or region
    places = [
        item for item in (*session.new, *session.deleted) if type(item) in _INDEXED_PLACE_FIELDS
    ]
    places += [
        item for item in session.dirty if type(item) in _INDEXED_PLACE_FIELDS and _renamed(item)
    ]
    if places:
        changed.add(None)


def _renamed(place: SQLModel) -> bool:
    """True when this flush changes one of the place's indexed fields."""
    state = inspect(place)
    return any(
        state.attrs[name].history.has_changes() for name in _INDEXED_PLACE_FIELDS[type(place)]
    )


@event.listens_for(OrmSession, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE of providers or codes: the ids they name, or "all"."""
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return
    table_name = getattr(statement.table, "name", None)  # a table, not a join or an alias
    if table_name not in _JOURNALLED_TABLES:
        return
    id_key = "id" if table_name == Provider.__tablename__ else "provider_id"
    _changed(state.session).update(_named_ids(state, id_key) or [None])


def _named_ids(state: ORMExecuteState, id_key: str) -> list[int]:
    """The provider ids a bulk statement names: in its executemany rows, or bound in it."""
    rows: Any = state.parameters
    if isinstance(rows, dict):
        rows = [rows]
    named = [int(row[id_key]) for row in rows or () if isinstance(row.get(id_key), int)]
    if named:
        return named
    try:
        bound = cast(Insert | Update | Delete, state.statement).compile().params
    except Exception:  # an ORM bulk statement compiles only inside its execution
        return []
    return [
        value
        for key, value in bound.items()
        if key.rstrip("_0123456789m") == id_key and isinstance(value, int)
    ]


@event.listens_for(OrmSession, "before_commit")
def _journal_changes(session: OrmSession) -> None:
    """Write the journal rows (and wake the keepers on PostgreSQL) inside the transaction."""
    session.flush()  # runs the listeners above for anything not flushed yet
    changed = session.info.pop(_CHANGED, set())
    if not changed:
        return
    rows = [None] if None in changed else sorted(pid for pid in changed if pid is not None)
    session.add_all([CatalogueChange(provider_id=provider_id) for provider_id in rows])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CATALOGUE_CHANNEL}"))


@event.listens_for(OrmSession, "after_rollback")
def _forget_changes(session: OrmSession) -> None:
    session.info.pop(_CHANGED, None)
