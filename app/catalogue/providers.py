"""Reading providers from the database, with their codes, place and organisation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from app import i18n
from app.models import (
    Municipality,
    Organization,
    Provider,
    ProviderActivity,
    ProviderCode,
    ProviderLanguage,
    ProviderService,
    ProviderTargetGroup,
    Region,
)

MAX_ROW_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL; larger ids cannot exist
PROVIDER_PAGES = "/palveluntuottajat"  # canonical (Finnish) path of the catalogue's pages


def provider_path(provider_id: int, version: str = i18n.DEFAULT_VERSION) -> str:
    """The path of a provider's public page in a reading version (Finnish by default)."""
    return i18n.localized_path(f"{PROVIDER_PAGES}/{provider_id}", version)


@dataclass
class ProviderDetail:
    """A provider with everything its page and the exports show."""

    provider: Provider
    organization: Organization
    region: Region
    municipality: Municipality | None
    services: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The provider's id."""
        assert self.provider.id is not None  # noqa: S101 – loaded from the database
        return self.provider.id


# PostgreSQL takes at most 65 535 bound parameters per statement; SQLite's default is 32 766.
IDS_PER_STATEMENT = 10_000


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        yield ids[start : start + IDS_PER_STATEMENT]


def _codes_by_provider(
    session: Session, table: type[ProviderCode], ids: Sequence[int]
) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    statement = (
        select(table.provider_id, table.code)
        .where(col(table.provider_id).in_(ids))
        .order_by(table.code)
    )
    for provider_id, code in session.exec(statement):
        grouped.setdefault(provider_id, []).append(code)
    return grouped


def provider_details(*, session: Session, provider_ids: Sequence[int]) -> list[ProviderDetail]:
    """Providers by id, in the order given; unknown ids are left out.

    Any number of ids: they are read in chunks that stay under the databases' limits on
    bound parameters.
    """
    return list(iter_provider_details(session=session, provider_ids=provider_ids))


def iter_provider_details(
    *, session: Session, provider_ids: Sequence[int]
) -> Iterator[ProviderDetail]:
    """`provider_details` one statement-sized chunk at a time, so that a download of the
    whole catalogue never holds more than one chunk of providers in memory."""
    for chunk in _chunks(provider_ids):
        by_id = _details_by_id(session, chunk)
        yield from (by_id[provider_id] for provider_id in chunk if provider_id in by_id)


def _details_by_id(session: Session, provider_ids: Sequence[int]) -> dict[int, ProviderDetail]:
    rows = session.exec(
        select(Provider, Organization, Region, Municipality)
        .join(Organization, col(Organization.id) == Provider.organization_id)
        .join(Region, col(Region.code) == Provider.region_code)
        .join(Municipality, col(Municipality.code) == Provider.municipality_code, isouter=True)
        .where(col(Provider.id).in_(provider_ids))
    ).all()
    services = _codes_by_provider(session, ProviderService, provider_ids)
    activities = _codes_by_provider(session, ProviderActivity, provider_ids)
    groups = _codes_by_provider(session, ProviderTargetGroup, provider_ids)
    languages = _codes_by_provider(session, ProviderLanguage, provider_ids)
    by_id: dict[int, ProviderDetail] = {}
    for provider, organization, region, municipality in rows:
        assert provider.id is not None  # noqa: S101 – loaded from the database
        by_id[provider.id] = ProviderDetail(
            provider,
            organization,
            region,
            municipality,
            services.get(provider.id, []),
            activities.get(provider.id, []),
            groups.get(provider.id, []),
            languages.get(provider.id, []),
        )
    return by_id


def get_provider(*, session: Session, provider_id: int) -> ProviderDetail | None:
    """One provider with its details, or None."""
    if not 1 <= provider_id <= MAX_ROW_ID:
        return None  # the database would raise on an id outside its integer range
    found = provider_details(session=session, provider_ids=[provider_id])
    return found[0] if found else None


def region_provider_ids(*, session: Session, region_code: str) -> list[int]:
    """Ids of the providers of one region that are not closed, by name."""
    statement = (
        select(Provider.id)
        .where(Provider.region_code == region_code, Provider.status != "closed")
        .order_by(col(Provider.name), col(Provider.id))  # the id settles equal names
    )
    return [provider_id for provider_id in session.exec(statement).all() if provider_id is not None]


def service_counts(*, session: Session, region_code: str) -> dict[str, int]:
    """How many providers of one region (not closed) offer each service, by service code.

    The same providers the catalogue lists for `?region=…&service=…`.
    """
    statement = (
        select(ProviderService.code, func.count(col(Provider.id)))
        .join(Provider, col(Provider.id) == ProviderService.provider_id)
        .where(Provider.region_code == region_code, Provider.status != "closed")
        .group_by(col(ProviderService.code))
    )
    return {code: count for code, count in session.exec(statement)}


def providers_by_service(details: list[ProviderDetail]) -> dict[str, list[ProviderDetail]]:
    """Providers grouped under each service they offer ('' for those with no service code)."""
    grouped: dict[str, list[ProviderDetail]] = {}
    for detail in details:
        for code in detail.services or [""]:
            grouped.setdefault(code, []).append(detail)
    return grouped
