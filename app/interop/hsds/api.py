"""The HSDS API's pages, id lookups and downloads, paged in the database or the search index.

Only the objects of the requested page are ever built. HSDS ids are UUID 5 hashes (see
`app.interop.hsds.objects`), which cannot be turned back into a row, so `HsdsCache` keeps maps from
id to primary key for as long as the catalogue does not change. The downloads are streamed
(`objects.hsds_json_pieces`) or written to a file per node (`datapackage`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import ColumnElement, and_, true
from sqlmodel import Session, col, func, select

from app.catalogue.providers import ProviderDetail, provider_details
from app.catalogue.resources import CatalogueResources
from app.interop.hsds import objects as hsds
from app.interop.hsds.objects import Json, PolkuTerms
from app.models import (
    Organization,
    Provider,
    ProviderActivity,
    ProviderCode,
    ProviderService,
    ProviderTargetGroup,
)
from app.search.service import ProviderQuery, ProviderSearch

T = TypeVar("T")
CatalogueState = tuple[object, ...]
ALL_MATCHES = 10_000_000  # "no limit" for the search index: every match is wanted


def catalogue_state(session: Session) -> CatalogueState:
    """Changes whenever an export would: counts, newest ids and the newest provider edit.

    Every change to a provider (codes included) sets its `updated_at`; organisations are only
    added (a renamed organisation is a new row), so their count and newest id suffice.
    """
    providers = session.exec(
        select(func.count(), func.max(Provider.id), func.max(Provider.updated_at))
    ).one()
    organizations = session.exec(select(func.count(), func.max(Organization.id))).one()
    return (*providers, *organizations)


class HsdsCache:
    """Values derived from the catalogue, built on first use and dropped when it changes.

    One per app (an app has one database and one `base_url`). Each use asks the database for
    `catalogue_state` (two aggregate queries); building happens under a lock, so a value is
    built once even when many ask at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: CatalogueState | None = None
        self._values: dict[str, object] = {}

    def get(self, session: Session, name: str, build: Callable[[], T]) -> T:
        """The value called `name` for the current catalogue, built by `build` when missing."""
        state = catalogue_state(session)
        with self._lock:
            if state != self._state:
                self._state, self._values = state, {}
            if name not in self._values:
                self._values[name] = build()
            return cast(T, self._values[name])


def _uuid_key(value: str) -> int | None:
    """An id as a number (smaller in memory than the text); None when it is no UUID."""
    try:
        return uuid.UUID(value).int
    except ValueError:
        return None


def _provider_keys(session: Session, kind: str) -> dict[int, int]:
    rows = session.exec(select(Provider.external_id, Provider.id)).all()
    return {hsds.hsds_uuid(kind, external).int: pk for external, pk in rows if pk is not None}


def _organization_keys(session: Session) -> dict[int, int]:
    rows = session.exec(select(Organization.name, Organization.id)).all()
    return {hsds.hsds_uuid("organization", name).int: pk for name, pk in rows if pk is not None}


def _provider_organizations(session: Session) -> dict[int, int]:
    rows = session.exec(select(Provider.id, Provider.organization_id)).all()
    return {pk: organization for pk, organization in rows if pk is not None}


def provider_pk(*, session: Session, cache: HsdsCache, kind: str, hsds_id: str) -> int | None:
    """The provider whose `service` or `service_at_location` has this HSDS id, if any."""
    key = _uuid_key(hsds_id)
    if key is None:
        return None
    keys = cache.get(session, f"{kind}_keys", lambda: _provider_keys(session, kind))
    return keys.get(key)


def organization_pk(*, session: Session, cache: HsdsCache, hsds_id: str) -> int | None:
    """The organisation with this HSDS id, if any."""
    key = _uuid_key(hsds_id)
    if key is None:
        return None
    return cache.get(session, "organization_keys", lambda: _organization_keys(session)).get(key)


# --- Pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextSearch:
    """A free-text search and the search index to run it in."""

    text: str
    search: ProviderSearch


@dataclass(frozen=True)
class TermRef:
    """A Polku taxonomy term by its taxonomy key and code (what an HSDS term id stands for)."""

    taxonomy: str
    code: str


@dataclass(frozen=True)
class ServiceFilter:
    """What the service and service_at_location lists are narrowed to; None means everything.

    All given filters apply together (HSDS: parameters are cumulative).
    """

    text_search: TextSearch | None = None
    region_code: str | None = None
    organization_pk: int | None = None
    taxonomy_term: TermRef | None = None
    taxonomy: str | None = None  # a Polku taxonomy key
    modified_after: dt.datetime | None = None  # aware

    @property
    def beyond_the_index(self) -> bool:
        """Whether a filter needs the database: the search index knows text and regions only."""
        return (self.organization_pk, self.taxonomy_term, self.taxonomy, self.modified_after) != (
            None, None, None, None,
        )  # fmt: skip


# The link table of each Polku taxonomy kept in one (the others are provider columns).
_LINK_TABLES: dict[str, type[ProviderCode]] = {
    "services": ProviderService,
    "activity_types": ProviderActivity,
    "target_groups": ProviderTargetGroup,
}
_PROVENANCE_COLUMNS = {
    "source_url": Provider.source_url,
    "source_date": Provider.source_date,
    "services_text": Provider.services_text,
    "activities_text": Provider.activities_text,
}


def _term_condition(term: TermRef) -> ColumnElement[bool]:
    """Providers whose service carries this term (see `objects.service_object`)."""
    if term.taxonomy in _LINK_TABLES:
        link = _LINK_TABLES[term.taxonomy]
        owners = select(link.provider_id).where(col(link.code) == term.code)
        return col(Provider.id).in_(owners)
    if term.taxonomy == "regions":
        return col(Provider.region_code) == term.code
    if term.taxonomy == "municipalities":
        return col(Provider.municipality_code) == term.code
    if term.taxonomy == "statuses":
        return col(Provider.status) == term.code
    if term.code in _PROVENANCE_COLUMNS:  # a provenance fact is an attribute when it is given
        column = col(_PROVENANCE_COLUMNS[term.code])
        return and_(column.is_not(None), column != "")
    return true()  # page_url: every service has one


def _taxonomy_condition(taxonomy: str) -> ColumnElement[bool]:
    """Providers whose service carries any term of this Polku taxonomy."""
    if taxonomy in _LINK_TABLES:
        return col(Provider.id).in_(select(_LINK_TABLES[taxonomy].provider_id))
    if taxonomy == "municipalities":
        return col(Provider.municipality_code).is_not(None)
    return true()  # every service has a region, a status and its page_url


def _conditions(filters: ServiceFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.region_code:
        conditions.append(col(Provider.region_code) == filters.region_code)
    if filters.organization_pk is not None:
        conditions.append(col(Provider.organization_id) == filters.organization_pk)
    if filters.taxonomy_term is not None:
        conditions.append(_term_condition(filters.taxonomy_term))
    if filters.taxonomy is not None:
        conditions.append(_taxonomy_condition(filters.taxonomy))
    if filters.modified_after is not None:
        conditions.append(col(Provider.updated_at) >= filters.modified_after)
    return conditions


def hsds_page(contents: list[Json], *, total_items: int, page_number: int, per_page: int) -> Json:
    """One page of a list endpoint; `size` is the number of items on it (HSDS 3.0.1)."""
    total_pages = max(1, -(-total_items // per_page))
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _index_query(text: str, catalogue: CatalogueResources, **changes: Any) -> ProviderQuery:
    # HSDS lists closed providers too (as inactive services), so ask for every status
    return ProviderQuery(text=text, status=list(catalogue.vocabularies.statuses), **changes)


def _page_of_providers(
    *, session: Session, cache: HsdsCache, catalogue: CatalogueResources,
    filters: ServiceFilter, page: int, per_page: int,
) -> tuple[list[ProviderDetail], int]:  # fmt: skip
    """The providers of one page and the total: by relevance when searching, else by name."""
    regions = [filters.region_code] if filters.region_code else []
    start = (page - 1) * per_page
    conditions = _conditions(filters)
    if filters.text_search is None:
        total = session.exec(select(func.count()).select_from(Provider).where(*conditions)).one()
        ids = session.exec(
            select(Provider.id)
            .where(*conditions)
            .order_by(col(Provider.name), col(Provider.id))
            .offset(start)
            .limit(per_page)
        ).all()
        page_ids = [pk for pk in ids if pk is not None]
    elif not filters.beyond_the_index:
        # only what the index knows: it pages itself, only this page's documents are read
        results = filters.text_search.search.search(
            _index_query(
                filters.text_search.text, catalogue, region=regions, page=page, per_page=per_page
            )
        )
        total, page_ids = results.total, [hit.id for hit in results.hits]
    else:
        # the index knows no organisations, terms or times: take every match, keep those the
        # database finds for the other filters, in the index's order
        ranked = filters.text_search.search.matching_ids(
            _index_query(filters.text_search.text, catalogue, region=regions), ALL_MATCHES
        )
        allowed = set(session.exec(select(Provider.id).where(*conditions)).all())
        matched = [pk for pk in ranked if pk in allowed]
        total, page_ids = len(matched), matched[start : start + per_page]
    # a provider deleted since the index was built is simply left out of its page
    return provider_details(session=session, provider_ids=page_ids), total


ServiceShape = Literal["summary", "full", "minimal"]


def service_page(
    *, session: Session, cache: HsdsCache, catalogue: CatalogueResources, base_url: str,
    filters: ServiceFilter, page: int, per_page: int, shape: ServiceShape = "summary",
) -> Json:  # fmt: skip
    """Services, closed ones included (status inactive): their one-to-one fields with the
    organization (HSDS's list), fully nested (`full`), or only id and last_modified."""
    details, total = _page_of_providers(
        session=session, cache=cache, catalogue=catalogue, filters=filters,
        page=page, per_page=per_page,
    )  # fmt: skip
    terms = PolkuTerms(session=session, catalogue=catalogue)
    terms.load_places([detail.provider.organization_id for detail in details])
    if shape == "minimal":
        contents = [hsds.service_minimal(detail) for detail in details]
    elif shape == "full":
        contents = [
            hsds.service_with_organization(detail, terms=terms, base_url=base_url)
            for detail in details
        ]
    else:
        contents = [
            hsds.service_summary(detail, terms=terms, base_url=base_url) for detail in details
        ]
    return hsds_page(contents, total_items=total, page_number=page, per_page=per_page)


def service_at_location_page(
    *, session: Session, cache: HsdsCache, catalogue: CatalogueResources, base_url: str,
    filters: ServiceFilter, page: int, per_page: int, full: bool = False,
) -> Json:  # fmt: skip
    """service_at_locations with their one-to-one fields, service and location nested; with
    `full` everything nested, as `/service_at_locations/{id}` gives one."""
    details, total = _page_of_providers(
        session=session, cache=cache, catalogue=catalogue, filters=filters,
        page=page, per_page=per_page,
    )  # fmt: skip
    terms = PolkuTerms(session=session, catalogue=catalogue)
    terms.load_places([detail.provider.organization_id for detail in details])
    build = hsds.service_at_location_full if full else hsds.service_at_location_summary
    contents = [build(detail, terms=terms, base_url=base_url) for detail in details]
    return hsds_page(contents, total_items=total, page_number=page, per_page=per_page)


def _one_provider(
    session: Session, cache: HsdsCache, kind: str, hsds_id: str
) -> ProviderDetail | None:
    pk = provider_pk(session=session, cache=cache, kind=kind, hsds_id=hsds_id)
    details = provider_details(session=session, provider_ids=[pk]) if pk is not None else []
    return details[0] if details else None


def get_service(
    *, session: Session, cache: HsdsCache, catalogue: CatalogueResources, base_url: str,
    service_id: str,
) -> Json | None:  # fmt: skip
    """One service with its organization nested, or None for an unknown or malformed id."""
    detail = _one_provider(session, cache, "service", service_id)
    if detail is None:
        return None
    terms = PolkuTerms(session=session, catalogue=catalogue)
    return hsds.service_with_organization(detail, terms=terms, base_url=base_url)


def get_service_at_location(
    *, session: Session, cache: HsdsCache, catalogue: CatalogueResources, base_url: str,
    service_at_location_id: str,
) -> Json | None:  # fmt: skip
    """One service_at_location fully nested, or None for an unknown or malformed id."""
    detail = _one_provider(session, cache, "service_at_location", service_at_location_id)
    if detail is None:
        return None
    terms = PolkuTerms(session=session, catalogue=catalogue)
    return hsds.service_at_location_full(detail, terms=terms, base_url=base_url)


OrganizationShape = Literal["summary", "services", "full_services"]


def _organizations_with_services(
    session: Session, organizations: list[Organization], *, terms: PolkuTerms, base_url: str,
    full_service: bool,
) -> list[Json]:  # fmt: skip
    pks = [organization.id for organization in organizations if organization.id is not None]
    ids = session.exec(
        select(Provider.id)
        .where(col(Provider.organization_id).in_(pks))
        .order_by(col(Provider.name), col(Provider.id))
    ).all()
    details = provider_details(session=session, provider_ids=[pk for pk in ids if pk is not None])
    by_organization: dict[int, list[ProviderDetail]] = {}
    for detail in details:
        by_organization.setdefault(detail.provider.organization_id, []).append(detail)
    return [
        hsds.organization_with_services(
            organization,
            by_organization.get(organization.id or 0, []),
            terms=terms,
            base_url=base_url,
            full_service=full_service,
        )
        for organization in organizations
    ]


def organization_page(
    *, session: Session, cache: HsdsCache, catalogue: CatalogueResources, base_url: str,
    text_search: TextSearch | None, page: int, per_page: int,
    shape: OrganizationShape = "summary",
) -> Json:  # fmt: skip
    """Organizations by name, or when searching those running a matching provider, best first;
    with their services (one-to-one fields, or fully nested) when asked."""
    start = (page - 1) * per_page
    if text_search is None:
        total = session.exec(select(func.count()).select_from(Organization)).one()
        organizations = list(
            session.exec(
                select(Organization)
                .order_by(col(Organization.name), col(Organization.id))
                .offset(start)
                .limit(per_page)
            ).all()
        )
    else:
        ranked = text_search.search.matching_ids(
            _index_query(text_search.text, catalogue), ALL_MATCHES
        )
        owners = cache.get(
            session, "provider_organizations", lambda: _provider_organizations(session)
        )
        # each organisation where its best provider ranks; dict keeps the first position
        organization_pks = list(dict.fromkeys(owners[pk] for pk in ranked if pk in owners))
        total, page_pks = len(organization_pks), organization_pks[start : start + per_page]
        rows = session.exec(select(Organization).where(col(Organization.id).in_(page_pks))).all()
        by_pk = {row.id: row for row in rows}
        organizations = [by_pk[pk] for pk in page_pks if pk in by_pk]
    terms = PolkuTerms(session=session, catalogue=catalogue)
    terms.load_places([organization.id for organization in organizations if organization.id])
    if shape == "summary":
        contents = [hsds.organization_object(org, terms=terms) for org in organizations]
    else:
        contents = _organizations_with_services(
            session, organizations, terms=terms, base_url=base_url,
            full_service=shape == "full_services",
        )  # fmt: skip
    return hsds_page(contents, total_items=total, page_number=page, per_page=per_page)


def get_organization(
    *, session: Session, cache: HsdsCache, catalogue: CatalogueResources, base_url: str,
    organization_id: str, full_service: bool = False,
) -> Json | None:  # fmt: skip
    """One organization with its services, or None for an unknown or malformed id."""
    pk = organization_pk(session=session, cache=cache, hsds_id=organization_id)
    organization = session.get(Organization, pk) if pk is not None else None
    if organization is None:
        return None
    terms = PolkuTerms(session=session, catalogue=catalogue)
    return _organizations_with_services(
        session, [organization], terms=terms, base_url=base_url, full_service=full_service
    )[0]


def _slice(items: list[Json], page: int, per_page: int) -> Json:
    start = (page - 1) * per_page
    return hsds_page(
        items[start : start + per_page], total_items=len(items), page_number=page,
        per_page=per_page,
    )  # fmt: skip


def _matches(item: Json, text: str, fields: tuple[str, ...]) -> bool:
    """A taxonomy search: every word of the text in one of the fields, case ignored."""
    haystack = " ".join(str(item.get(field) or "") for field in fields).casefold()
    return all(word in haystack for word in text.casefold().split())


def taxonomy_page(*, search: str = "", page: int, per_page: int) -> Json:
    """Polku's taxonomies (a handful: kept in memory), those matching `search` when given."""
    taxonomies = [hsds.taxonomy_object(t) for t in hsds.TAXONOMIES.values()]
    found = [t for t in taxonomies if _matches(t, search, ("name", "description", "uri"))]
    return _slice(found, page, per_page)


def get_taxonomy(taxonomy_id: str) -> Json | None:
    """One Polku taxonomy, or None for an unknown id."""
    found = [t for t in hsds.TAXONOMIES.values() if t.id == taxonomy_id.strip().lower()]
    return hsds.taxonomy_object(found[0]) if found else None


def taxonomy_term_page(
    *, session: Session, catalogue: CatalogueResources, search: str = "",
    taxonomy_id: str | None = None, parent_id: str | None = None, top_only: bool = False,
    page: int, per_page: int,
) -> Json:  # fmt: skip
    """The terms of every Polku taxonomy (a few hundred, from vocabularies and geography).

    Polku's terms have no parents: `parent_id` finds none, and every term is a top term.
    """
    terms = PolkuTerms(session=session, catalogue=catalogue).all()
    if taxonomy_id is not None:
        terms = [term for term in terms if term["taxonomy_id"] == taxonomy_id.strip().lower()]
    if parent_id is not None:
        terms = [term for term in terms if term.get("parent_id") == parent_id.strip().lower()]
    if top_only:
        terms = [term for term in terms if not term.get("parent_id")]
    found = [t for t in terms if _matches(t, search, ("code", "name", "description"))]
    return _slice(found, page, per_page)


def get_taxonomy_term(
    *, session: Session, catalogue: CatalogueResources, term_id: str
) -> Json | None:
    """One term with its taxonomy in `taxonomy_detail`, or None for an unknown id."""
    return PolkuTerms(session=session, catalogue=catalogue).by_id(term_id.strip().lower())


def term_ref(*, session: Session, catalogue: CatalogueResources, term_id: str) -> TermRef | None:
    """The Polku taxonomy and code an HSDS term id stands for, or None."""
    term = get_taxonomy_term(session=session, catalogue=catalogue, term_id=term_id)
    if term is None:
        return None
    return TermRef(hsds.taxonomy_key(term["taxonomy"]), term["code"])


def taxonomy_key(taxonomy_id: str) -> str | None:
    """The key of the Polku taxonomy with this HSDS id, or None."""
    found = [t.key for t in hsds.TAXONOMIES.values() if t.id == taxonomy_id.strip().lower()]
    return found[0] if found else None


NDJSON_PAGE = 500  # items read per step while streaming a whole list


def ndjson_lines(page_of: Callable[[int, int], Json]) -> Iterator[bytes]:
    """Every item of a list as newline-delimited JSON (HSDS `format=ndjson`: all results,
    no pages), read `NDJSON_PAGE` at a time so that memory stays flat however long the list.

    `page_of(page, per_page)` is the list's own page function, so the stream holds exactly
    what the pages hold, in the same order.
    """
    page = 1
    while True:
        answer = page_of(page, NDJSON_PAGE)
        for item in answer["contents"]:
            yield json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n"
        if answer["last_page"] or not answer["contents"]:
            return
        page += 1


# --- Downloads --------------------------------------------------------------------------


def json_export_etag(*, session: Session, catalogue: CatalogueResources, base_url: str) -> str:
    """The ETag of the streamed JSON export, without building it: from what the export is
    made of (the catalogue's state, the term labels, the address), so equal on every node."""
    terms = hsds.PolkuTerms(session=session, catalogue=catalogue)
    made_of = json.dumps([repr(catalogue_state(session)), terms.all(), base_url, hsds.HSDS_VERSION])
    return f'"{hashlib.sha256(made_of.encode("utf-8")).hexdigest()[:32]}"'
