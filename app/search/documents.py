"""What the search index holds: one schema, documents for providers and places, the rebuild."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from app.catalogue.resources import CatalogueResources
from app.catalogue.vocabularies import Vocabularies
from app.geography import finnish_sort_key
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
from app.search.finnish import finnish_analyzer
from app.search.hits import SUMMARY_PROVIDER_FIELDS
from app.search.store import GENERATION_GRACE_S, build_index, update_index

LANGUAGES = ("fi", "sv", "en")
FACET_FIELDS = (
    "region",
    "municipality",
    "service",
    "activity",
    "target_group",
    "language",
    "status",
)


# Raise when the documents change shape or meaning without a change of field names, so that
# every node rebuilds its index in full instead of mixing old and new documents.
DOCUMENT_FORMAT = 2  # 2: place names stored; compound parts keep linking letters


def schema_version(labels: IndexLabels) -> str:
    """What a generation's documents look like; a node rebuilds in full when it differs.

    The labels that make codes searchable come with a release (content files), not through
    the journal: a release that changes them makes every node rebuild once.
    """
    return f"{DOCUMENT_FORMAT}:{','.join(sorted(build_schema().names()))}:{labels.digest()}"


def build_schema() -> Schema:
    """Fields: analysed Finnish text, unstemmed names for prefixes, facets, sort keys."""
    finnish = finnish_analyzer()
    plain = StandardAnalyzer(stoplist=None, minsize=1)
    return Schema(
        doc_id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        provider_id=NUMERIC(stored=True),
        code=ID(stored=True),
        # One analysed field keeps the query small (a union over many fields is slow in
        # Whoosh); names are repeated in it so that they weigh more than other text.
        text=TEXT(analyzer=finnish),
        # Names and local place names unstemmed, for prefixes while typing and spelling.
        plain=TEXT(analyzer=plain, spelling=True),
        name_sort=ID(stored=True),
        municipality_sort=ID(stored=True),
        region=ID(stored=True),
        municipality=ID(stored=True),
        service=KEYWORD(commas=True, stored=True),
        activity=KEYWORD(commas=True, stored=True),
        target_group=KEYWORD(commas=True, stored=True),
        language=KEYWORD(commas=True, stored=True),
        status=ID(stored=True),
        summary=STORED(),
        # a place document's names in every language, for place words in queries
        place_names=STORED(),
    )


@dataclass(frozen=True)
class IndexLabels:
    """Labels that make codes searchable in every language."""

    vocabularies: Vocabularies
    service_titles: dict[str, list[str]]  # service code -> its titles in all versions

    def digest(self) -> str:
        """A short fingerprint of the labels (part of the index's schema version)."""
        labels = json.dumps([asdict(self.vocabularies), self.service_titles], sort_keys=True)
        return hashlib.sha256(labels.encode("utf-8")).hexdigest()[:16]

    @classmethod
    def from_resources(cls, resources: CatalogueResources) -> IndexLabels:
        """The labels the index makes searchable."""
        return cls(
            vocabularies=resources.vocabularies,
            # the easy-Finnish title repeats the Finnish words; three languages are enough
            service_titles={
                code: [title for version, title in titles.items() if version != "fi-selko"]
                for code, titles in resources.service_titles.items()
            },
        )


def _codes(
    session: Session, table: type[ProviderCode], only: Collection[int] | None
) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    statement = select(table.provider_id, table.code)
    if only is not None:
        statement = statement.where(col(table.provider_id).in_(sorted(only)))
    for provider_id, code in session.exec(statement):
        grouped.setdefault(provider_id, []).append(code)
    return grouped


def provider_documents(
    *, session: Session, labels: IndexLabels, only: Collection[int] | None = None
) -> Iterator[dict[str, Any]]:
    """One document per provider (or per listed provider that exists), with all texts and
    labels it should be found by."""
    municipalities = {m.code: m for m in session.exec(select(Municipality))}
    regions = {r.code: r for r in session.exec(select(Region))}
    organizations = {o.id: o for o in session.exec(select(Organization))}
    services = _codes(session, ProviderService, only)
    activities = _codes(session, ProviderActivity, only)
    groups = _codes(session, ProviderTargetGroup, only)
    languages = _codes(session, ProviderLanguage, only)
    vocab = labels.vocabularies
    providers = select(Provider).order_by(col(Provider.id))
    if only is not None:
        providers = providers.where(col(Provider.id).in_(sorted(only)))
    for provider in session.exec(providers):
        assert provider.id is not None  # noqa: S101 – rows from the database have ids
        municipality = municipalities.get(provider.municipality_code or "")
        region = regions[provider.region_code]
        organization = organizations[provider.organization_id]
        service_codes = services.get(provider.id, [])
        activity_codes = activities.get(provider.id, [])
        group_codes = groups.get(provider.id, [])
        local_names = [provider.post_office or ""]
        if municipality:
            local_names += [municipality.name_fi, municipality.name_sv]
        place_names = [*local_names, region.name_fi, region.name_sv, provider.street_address or ""]
        body = [
            organization.name,
            *(t for code in service_codes for t in labels.service_titles.get(code, [])),
            *(vocab.label("activity_types", c, lang) for c in activity_codes for lang in LANGUAGES),
            *(vocab.label("target_groups", c, lang) for c in group_codes for lang in LANGUAGES),
            provider.services_text or "",
            provider.activities_text or "",
            provider.target_groups_text or "",
            provider.description or "",
        ]
        names = f"{provider.name} {organization.name}"
        yield {
            "doc_id": f"provider:{provider.id}",
            "kind": "provider",
            "provider_id": provider.id,
            "text": " ".join([names, names, names, *place_names, *place_names, *body]),
            "plain": " ".join([names, *local_names]),
            "name_sort": finnish_sort_key(provider.name),
            "municipality_sort": finnish_sort_key(municipality.name_fi if municipality else "~"),
            "region": provider.region_code,
            "municipality": provider.municipality_code or "",
            "service": ",".join(service_codes),
            "activity": ",".join(activity_codes),
            "target_group": ",".join(group_codes),
            "language": ",".join(languages.get(provider.id, [])),
            "status": provider.status,
            # what a search hit shows beyond the index fields (app/search/hits.py)
            "summary": {
                **{name: getattr(provider, name) for name in SUMMARY_PROVIDER_FIELDS},
                "organization": organization.name,
                "municipality_fi": municipality.name_fi if municipality else None,
                "municipality_sv": municipality.name_sv if municipality else None,
            },
        }


def place_documents(*, session: Session) -> Iterator[dict[str, Any]]:
    """One document per region and municipality, for place look-ups while typing."""
    for region in session.exec(select(Region)):
        names = f"{region.name_fi} {region.name_sv} {region.name_en}"
        yield {
            "doc_id": f"region:{region.code}",
            "kind": "region",
            "code": region.code,
            "region": region.code,
            "text": names,
            "plain": names,
            "place_names": [region.name_fi, region.name_sv, region.name_en],
        }
    for municipality in session.exec(select(Municipality)):
        names = f"{municipality.name_fi} {municipality.name_sv}"
        yield {
            "doc_id": f"municipality:{municipality.code}",
            "kind": "municipality",
            "code": municipality.code,
            "region": municipality.region_code,
            "text": names,
            "plain": names,
            "place_names": [municipality.name_fi, municipality.name_sv],
        }


def rebuild_search_index(
    *,
    session: Session,
    index_dir: Path,
    labels: IndexLabels,
    progress: Callable[[int], None] | None = None,
    revision: int | None = None,
    grace_s: float = GENERATION_GRACE_S,
) -> Path:
    """Build a fresh index from the database and make it current atomically.

    `revision` is the catalogue revision read before the documents: changes committed
    while the build runs are newer, so the index keeper applies them afterwards.
    """

    from app.search.derived import write_derived_files  # imports this module's FACET_FIELDS

    def documents() -> Iterator[dict[str, Any]]:
        yield from place_documents(session=session)
        yield from provider_documents(session=session, labels=labels)

    return build_index(
        index_dir,
        build_schema(),
        documents(),
        progress=progress,
        revision=revision,
        schema_version=schema_version(labels),
        grace_s=grace_s,
        finish=write_derived_files,
    )


def update_providers_in_index(
    *,
    session: Session,
    index_dir: Path,
    labels: IndexLabels,
    provider_ids: Collection[int],
    revision: int,
    grace_s: float = GENERATION_GRACE_S,
) -> Path:
    """Replace the documents of the given providers (delete those gone) in a new generation."""
    from app.search.derived import write_derived_files  # imports this module's FACET_FIELDS

    documents = list(provider_documents(session=session, labels=labels, only=provider_ids))
    found = {document["provider_id"] for document in documents}
    return update_index(
        index_dir,
        upserts=documents,
        deletions=[f"provider:{pid}" for pid in sorted(set(provider_ids) - found)],
        revision=revision,
        schema_version=schema_version(labels),
        grace_s=grace_s,
        finish=write_derived_files,
    )
