"""Open Referral HSDS 3.0: the catalogue as HSDS objects, as JSON and as a tabular data package.

Each Polku provider becomes one HSDS service with one service_at_location and its location.
Polku's own codes travel as HSDS attributes whose taxonomy terms belong to Polku taxonomies
(`urn:polku:taxonomy:<key>`), so that `app.interop.hsds.parse` can read them back.
The API's pages and downloads are in `app.interop.hsds.api`; docs/hsds.md has the full mapping.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.catalogue.providers import (
    ProviderDetail,
    iter_provider_details,
    provider_details,
    provider_path,
)
from app.catalogue.resources import CatalogueResources
from app.guide.content import SERVICE_CODES
from app.interop.hsds.values import absolute_url, organization_description, rfc3339
from app.models import Municipality, Organization, Provider, ProviderBase, Region

HSDS_VERSION = "3.0"
# Never change: every exported id is derived from it, and consumers keep those ids.
POLKU_NAMESPACE = uuid.UUID("5b0f3c9e-8a4d-4f61-9c1e-2d7a6b8e4f10")
TAXONOMY_URN = "urn:polku:taxonomy:"
COUNTRY = "FI"

Json = dict[str, Any]


@dataclass(frozen=True)
class PolkuTaxonomy:
    """A Polku vocabulary published as an HSDS taxonomy."""

    key: str
    name: str
    description: str
    link_type: str  # what an attribute from this taxonomy says about the service

    @property
    def uri(self) -> str:
        """A stable URN: the same on every Polku site, so imports recognise it anywhere."""
        return f"{TAXONOMY_URN}{self.key}"

    @property
    def id(self) -> str:
        """The taxonomy's HSDS id."""
        return hsds_id("taxonomy", self.key)


TAXONOMIES = {
    taxonomy.key: taxonomy
    for taxonomy in (
        PolkuTaxonomy("services", "Polku services", "Service pages of the Polku guide", "service"),
        PolkuTaxonomy(
            "activity_types", "Polku activity types", "What people do there", "activity_type"
        ),
        PolkuTaxonomy("target_groups", "Polku target groups", "Who it is for", "target_group"),
        PolkuTaxonomy(
            "regions",
            "Organisers of social services",
            "Finland's 21 wellbeing regions, 90 = City of Helsinki, 91 = Åland",
            "region",
        ),
        PolkuTaxonomy(
            "municipalities",
            "Municipalities",
            "Three-digit municipality codes of Statistics Finland",
            "municipality",
        ),
        PolkuTaxonomy(
            "statuses",
            "Polku entry status",
            "current, verify (check before relying) or closed; the value is the source's note",
            "status",
        ),
        PolkuTaxonomy(
            "provenance",
            "Polku provenance",
            "Where the facts come from; the attribute value carries the fact",
            "provenance",
        ),
    )
}
PROVENANCE_TERMS = {
    "source_url": "The page the facts were taken from",
    "source_date": "When the source dates the facts, as it writes it (2015, 2026-01)",
    "services_text": "The source's own wording of the services (Finnish)",
    "activities_text": "The source's own wording of the activities (Finnish)",
    "page_url": "The entry's page on Polku",
}
# The provider fields published as provenance attributes, in the order above.
PROVENANCE_FIELDS = tuple(term for term in PROVENANCE_TERMS if term in ProviderBase.model_fields)
# Polku's code lists on a provider, by taxonomy key.
CODE_TAXONOMIES = {
    "services": "services",
    "activities": "activity_types",
    "target_groups": "target_groups",
}


def taxonomy_key(uri: str) -> str:
    """The key of a Polku taxonomy from its URI (`urn:polku:taxonomy:regions` -> `regions`)."""
    return uri.removeprefix(TAXONOMY_URN)


def hsds_uuid(*parts: str) -> uuid.UUID:
    """A deterministic HSDS id: the same entry gets the same id in every export."""
    return uuid.uuid5(POLKU_NAMESPACE, "/".join(parts))


def hsds_id(*parts: str) -> str:
    """`hsds_uuid` as HSDS writes ids: text."""
    return str(hsds_uuid(*parts))


def _clean(values: Json) -> Json:
    """Leave out what we do not know: HSDS types its fields, and null is not a string."""
    return {key: value for key, value in values.items() if value is not None and value != []}


class PolkuTerms:
    """The taxonomy terms of every Polku taxonomy, labelled in Finnish (English descriptions),
    and the organisation descriptions made from the catalogue (see `organization_object`)."""

    def __init__(self, *, session: Session, catalogue: CatalogueResources) -> None:
        self._session = session
        self._organization_places: dict[int, tuple[list[str], list[str]]] = {}
        vocabularies = catalogue.vocabularies
        entries: list[tuple[str, str, str, str]] = [
            ("services", code, catalogue.service_title(code, "fi"),
             catalogue.service_title(code, "en")) for code in SERVICE_CODES
        ]  # fmt: skip
        for key, labels in (
            ("activity_types", vocabularies.activity_types),
            ("target_groups", vocabularies.target_groups),
            ("statuses", vocabularies.statuses),
        ):
            entries += [(key, code, label["fi"], label["en"]) for code, label in labels.items()]
        for region in session.exec(select(Region).order_by(col(Region.code))):
            entries.append(("regions", region.code, region.name_fi, region.name_en))
        for municipality in session.exec(select(Municipality).order_by(col(Municipality.code))):
            entries.append(
                ("municipalities", municipality.code, municipality.name_fi, municipality.name_sv)
            )
        entries += [("provenance", code, code, text) for code, text in PROVENANCE_TERMS.items()]
        self._terms = {
            (key, code): _term(key, code, name, text) for key, code, name, text in entries
        }
        self.language_labels = vocabularies.languages
        self._by_id: dict[str, Json] | None = None

    def term(self, key: str, code: str) -> Json:
        """A term with its taxonomy nested; a code missing from the vocabulary still gets one."""
        return self._terms.get((key, code)) or _term(key, code, code, code)

    def by_id(self, term_id: str) -> Json | None:
        """The term with this HSDS id, its taxonomy nested, or None."""
        if self._by_id is None:
            self._by_id = {term["id"]: term for term in self._terms.values()}
        return self._by_id.get(term_id)

    def all(self) -> list[Json]:
        """Every term, without the nested taxonomy (the taxonomy_terms table)."""
        return [_without(term, "taxonomy_detail") for term in self._terms.values()]

    def load_places(self, organization_pks: list[int]) -> None:
        """Read the places of these organisations' units in one query (before describing)."""
        wanted = [
            pk for pk in dict.fromkeys(organization_pks) if pk not in self._organization_places
        ]
        for start in range(0, len(wanted), 10_000):
            chunk = wanted[start : start + 10_000]
            rows = self._session.exec(
                select(Provider.organization_id, Municipality.name_fi, Region.name_fi)
                .join(Region, col(Region.code) == col(Provider.region_code))
                .outerjoin(Municipality, col(Municipality.code) == col(Provider.municipality_code))
                .where(col(Provider.organization_id).in_(chunk))
            ).all()
            places: dict[int, tuple[set[str], set[str]]] = {pk: (set(), set()) for pk in chunk}
            for organization_pk, municipality, region in rows:
                municipalities, regions = places[organization_pk]
                if municipality:
                    municipalities.add(municipality)
                else:
                    regions.add(region)
            for pk, (municipalities, regions) in places.items():
                self._organization_places[pk] = (sorted(municipalities), sorted(regions))

    def organization_description(self, organization: Organization) -> str:
        """A factual sentence from the catalogue's fields (HSDS requires a description)."""
        assert organization.id is not None  # noqa: S101 – loaded from the database
        if organization.id not in self._organization_places:
            self.load_places([organization.id])
        municipalities, regions = self._organization_places[organization.id]
        return organization_description(
            name=organization.name, organisation_type=organization.organisation_type,
            municipalities=municipalities, regions=regions,
        )  # fmt: skip


def _term(key: str, code: str, name: str, description: str) -> Json:
    taxonomy = TAXONOMIES[key]
    return {
        "id": hsds_id("taxonomy_term", key, code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": taxonomy.uri,
        "language": "fi",
        "taxonomy_id": taxonomy.id,
        "term_uri": f"{taxonomy.uri}:{code}",
        "taxonomy_detail": taxonomy_object(taxonomy),
    }


def _without(values: Json, *keys: str) -> Json:
    return {key: value for key, value in values.items() if key not in keys}


def taxonomy_object(taxonomy: PolkuTaxonomy) -> Json:
    """An HSDS taxonomy."""
    return {
        "id": taxonomy.id,
        "name": taxonomy.name,
        "description": taxonomy.description,
        "uri": taxonomy.uri,
    }


def organization_id(organization: Organization) -> str:
    """Organisations have no source id in Polku; their name is unique."""
    return hsds_id("organization", organization.name)


def organization_object(organization: Organization, *, terms: PolkuTerms) -> Json:
    """An HSDS organization; its required description is made from the catalogue's fields."""
    return _clean(
        {
            "id": organization_id(organization),
            "name": organization.name,
            "description": terms.organization_description(organization),
            "website": absolute_url(organization.website),
            "legal_status": organization.organisation_type,
        }
    )


def service_object(detail: ProviderDetail, *, terms: PolkuTerms, base_url: str) -> Json:
    """A provider as an HSDS service, with its service_at_location, location and attributes."""
    provider = detail.provider
    key = provider.external_id
    service_id = hsds_id("service", key)
    attributes: list[tuple[str, str, str | None]] = [
        (taxonomy, code, None)
        for field_name, taxonomy in CODE_TAXONOMIES.items()
        for code in getattr(detail, field_name)
    ]
    attributes.append(("regions", provider.region_code, None))
    if provider.municipality_code:
        attributes.append(("municipalities", provider.municipality_code, None))
    attributes.append(("statuses", provider.status, provider.status_text))
    for code in PROVENANCE_FIELDS:
        if getattr(provider, code):
            attributes.append(("provenance", code, getattr(provider, code)))
    attributes.append(("provenance", "page_url", f"{base_url}{provider_path(detail.id)}"))
    return _clean(
        {
            "id": service_id,
            "organization_id": organization_id(detail.organization),
            "name": provider.name,
            "description": provider.description,
            "url": absolute_url(provider.website),
            "email": provider.email,
            "status": "inactive" if provider.status == "closed" else "active",
            "eligibility_description": provider.target_groups_text,
            "assured_date": provider.assured_date.isoformat() if provider.assured_date else None,
            "last_modified": rfc3339(provider.updated_at),
            "languages": [
                {
                    "id": hsds_id("language", key, code),
                    "service_id": service_id,
                    "name": terms.language_labels.get(code, {}).get("en", code),
                    "code": code,
                }
                for code in detail.languages
            ],
            "phones": [
                {"id": hsds_id("phone", key), "service_id": service_id, "number": provider.phone}
            ]
            if provider.phone
            else [],
            "attributes": [
                _attribute(terms, key, service_id, taxonomy, code, value)
                for taxonomy, code, value in attributes
            ],
            "service_at_locations": [_service_at_location(detail, service_id)],
        }
    )


def _attribute(
    terms: PolkuTerms, key: str, service_id: str, taxonomy: str, code: str, value: str | None
) -> Json:
    term = terms.term(taxonomy, code)
    return _clean(
        {
            "id": hsds_id("attribute", key, taxonomy, code),
            "link_id": service_id,
            "link_type": TAXONOMIES[taxonomy].link_type,
            "link_entity": "service",
            "taxonomy_term_id": term["id"],
            "value": value,
            "taxonomy_term": term,
        }
    )


def _service_at_location(detail: ProviderDetail, service_id: str) -> Json:
    provider = detail.provider
    key = provider.external_id
    sal_id = hsds_id("service_at_location", key)
    # Opening hours are free text as the source gives them: HSDS's `description` of a
    # schedule, not RRULEs Polku would have to guess.
    schedule = {
        "id": hsds_id("schedule", key),
        "service_at_location_id": sal_id,
        "description": provider.opening_hours,
    }
    return _clean(
        {
            "id": sal_id,
            "service_id": service_id,
            "location_id": hsds_id("location", key),
            "location": location_object(detail),
            "schedules": [schedule] if provider.opening_hours else [],
        }
    )


def location_object(detail: ProviderDetail) -> Json:
    """The provider's place: a physical location with its street address when known."""
    provider = detail.provider
    key = provider.external_id
    location_id = hsds_id("location", key)
    has_address = provider.street_address or provider.postal_code or provider.post_office
    # HSDS requires every address line below; Polku leaves unknown parts empty rather than guess
    address = {
        "id": hsds_id("address", key),
        "location_id": location_id,
        "address_1": provider.street_address or "",
        "city": provider.post_office or "",
        "region": detail.region.name_fi,
        "state_province": detail.region.name_fi,
        "postal_code": provider.postal_code or "",
        "country": COUNTRY,
        "address_type": "physical",
    }
    accessibility = {
        "id": hsds_id("accessibility", key),
        "location_id": location_id,
        "description": provider.accessibility,
    }
    return _clean(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": organization_id(detail.organization),
            "name": provider.name,
            "addresses": [address] if has_address else [],
            "accessibility": [accessibility] if provider.accessibility else [],
        }
    )


def service_with_organization(detail: ProviderDetail, *, terms: PolkuTerms, base_url: str) -> Json:
    """A service with everything nested, its organization included (the API's `/services/{id}`)."""
    service = service_object(detail, terms=terms, base_url=base_url)
    return {**service, "organization": organization_object(detail.organization, terms=terms)}


def _one_to_one(values: Json) -> Json:
    return {key: value for key, value in values.items() if not isinstance(value, list | dict)}


def service_summary(detail: ProviderDetail, *, terms: PolkuTerms, base_url: str) -> Json:
    """A service as HSDS lists them: one-to-one fields, with its organization (also without
    lists) nested."""
    service = service_object(detail, terms=terms, base_url=base_url)
    return {
        **_one_to_one(service),
        "organization": organization_object(detail.organization, terms=terms),
    }


def service_minimal(detail: ProviderDetail) -> Json:
    """A service as the API's `minimal` lists it: its id and when it last changed."""
    provider = detail.provider
    return {
        "id": hsds_id("service", provider.external_id),
        "last_modified": rfc3339(provider.updated_at),
    }


def service_at_location_summary(
    detail: ProviderDetail, *, terms: PolkuTerms, base_url: str
) -> Json:
    """A service_at_location as HSDS lists them: one-to-one fields only, with the location and
    the service (and its organization) nested without their lists."""
    service = service_object(detail, terms=terms, base_url=base_url)
    sal = service["service_at_locations"][0]
    return {
        **_one_to_one(sal),
        "location": _one_to_one(sal["location"]),
        "service": {
            **_one_to_one(service),
            "organization": organization_object(detail.organization, terms=terms),
        },
    }


def service_at_location_full(detail: ProviderDetail, *, terms: PolkuTerms, base_url: str) -> Json:
    """A service_at_location with its location, service and organization fully nested.

    The nested service leaves out its own `service_at_locations`: that is this object.
    """
    service = service_with_organization(detail, terms=terms, base_url=base_url)
    sal = service["service_at_locations"][0]
    return {**sal, "service": _without(service, "service_at_locations")}


def organization_with_services(
    organization: Organization, details: list[ProviderDetail], *, terms: PolkuTerms,
    base_url: str, full_service: bool,
) -> Json:  # fmt: skip
    """An organization with its services: their one-to-one fields, or (`full_service`) fully
    nested. The services leave out the organization: that is this object."""
    services = [
        service_object(detail, terms=terms, base_url=base_url)
        if full_service
        else _one_to_one(service_object(detail, terms=terms, base_url=base_url))
        for detail in details
    ]
    return {**organization_object(organization, terms=terms), "services": services}


# --- The whole catalogue ---------------------------------------------------------------


def _all_details(session: Session) -> list[ProviderDetail]:
    ids = session.exec(select(Provider.id).order_by(col(Provider.id))).all()
    return provider_details(session=session, provider_ids=[pk for pk in ids if pk is not None])


def _catalogue_or_load(catalogue: CatalogueResources | None) -> CatalogueResources:
    if catalogue is not None:
        return catalogue
    from app.catalogue.resources import load_catalogue_resources
    from app.guide.content import load_guide

    return load_catalogue_resources(load_guide())


def export_hsds_json(
    session: Session, base_url: str, *, catalogue: CatalogueResources | None = None
) -> Json:
    """The whole catalogue as HSDS: every table as a list, services with their objects nested.

    `catalogue` gives the term labels; without it the guide and vocabularies are loaded.
    """
    terms = PolkuTerms(session=session, catalogue=_catalogue_or_load(catalogue))
    details = _all_details(session)
    services = [service_object(detail, terms=terms, base_url=base_url) for detail in details]
    organizations = {organization_id(d.organization): d.organization for d in details}
    terms.load_places([d.provider.organization_id for d in details])
    service_at_locations = [sal for service in services for sal in service["service_at_locations"]]
    return {
        "organizations": [organization_object(org, terms=terms) for org in organizations.values()],
        "services": services,
        "service_at_locations": service_at_locations,
        "locations": [sal["location"] for sal in service_at_locations],
        "taxonomies": [taxonomy_object(taxonomy) for taxonomy in TAXONOMIES.values()],
        "taxonomy_terms": terms.all(),
    }


JSON_PIECE_CHARS = 65_536  # the streamed export is handed on in pieces of about this size
ORGANIZATION_CHUNK = 10_000  # organisations read per query while streaming


class CatalogueObjects:
    """The whole catalogue as HSDS objects, read a chunk of providers at a time: what the
    streamed downloads (the JSON export, the data package) are written from, in the order of
    `export_hsds_json`, so that memory stays flat at any catalogue size."""

    def __init__(
        self, session: Session, base_url: str, *, catalogue: CatalogueResources | None = None
    ) -> None:
        self._session = session
        self._base_url = base_url
        self.terms = PolkuTerms(session=session, catalogue=_catalogue_or_load(catalogue))
        rows = session.exec(
            select(Provider.id, Provider.organization_id).order_by(col(Provider.id))
        ).all()
        self._provider_ids = [pk for pk, _org in rows if pk is not None]
        # each organisation once, in the order of its first provider
        self._organization_pks = list(dict.fromkeys(org for _pk, org in rows))
        del rows
        self.terms.load_places(self._organization_pks)

    def organizations(self) -> Iterator[Json]:
        """Every organisation running a provider."""
        pks = self._organization_pks
        for start in range(0, len(pks), ORGANIZATION_CHUNK):
            chunk = pks[start : start + ORGANIZATION_CHUNK]
            found = self._session.exec(
                select(Organization).where(col(Organization.id).in_(chunk))
            ).all()
            by_pk = {organization.id: organization for organization in found}
            for pk in chunk:
                yield organization_object(by_pk[pk], terms=self.terms)

    def services(self) -> Iterator[Json]:
        """Every provider as a service, its objects nested, by id."""
        for detail in iter_provider_details(session=self._session, provider_ids=self._provider_ids):
            yield service_object(detail, terms=self.terms, base_url=self._base_url)

    def taxonomies(self) -> list[Json]:
        """Polku's taxonomies."""
        return [taxonomy_object(taxonomy) for taxonomy in TAXONOMIES.values()]

    def taxonomy_terms(self) -> list[Json]:
        """Every term of Polku's taxonomies."""
        return self.terms.all()


def hsds_json_pieces(
    session: Session, base_url: str, *, catalogue: CatalogueResources | None = None
) -> Iterator[str]:
    """`json.dumps(export_hsds_json(...), ensure_ascii=False)`, written a chunk of providers
    at a time: memory stays flat at any catalogue size (100 000 providers nationally).

    One pass over the providers writes the services and keeps their service_at_locations
    and locations in temporary files, which follow the services in the document.
    """
    objects = CatalogueObjects(session, base_url, catalogue=catalogue)
    out = _PieceWriter()
    out.write('{"organizations": [')
    first = True
    for organization in objects.organizations():
        out.write(("" if first else ", ") + _dumps(organization))
        first = False
        yield from out.full_pieces()
    out.write('], "services": [')
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as service_at_locations,
        tempfile.TemporaryFile("w+", encoding="utf-8") as locations,
    ):
        first_service = first_place = True
        for service in objects.services():
            out.write(("" if first_service else ", ") + _dumps(service))
            first_service = False
            for place in service["service_at_locations"]:
                separator = "" if first_place else ", "
                service_at_locations.write(separator + _dumps(place))
                locations.write(separator + _dumps(place["location"]))
                first_place = False
            yield from out.full_pieces()
        for name, spooled in (("service_at_locations", service_at_locations),
                              ("locations", locations)):  # fmt: skip
            out.write(f'], "{name}": [')
            spooled.seek(0)
            while block := spooled.read(JSON_PIECE_CHARS):
                out.write(block)
                yield from out.full_pieces()
    taxonomies = ", ".join(_dumps(taxonomy) for taxonomy in objects.taxonomies())
    out.write(f'], "taxonomies": [{taxonomies}], "taxonomy_terms": ')
    out.write(_dumps(objects.taxonomy_terms()) + "}")
    yield from out.full_pieces()
    yield out.rest()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class _PieceWriter:
    """Collects text and hands it on in pieces of about JSON_PIECE_CHARS."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def full_pieces(self) -> Iterator[str]:
        if self._size >= JSON_PIECE_CHARS:
            yield self.rest()

    def rest(self) -> str:
        text = "".join(self._parts)
        self._parts, self._size = [], 0
        return text


# --- Polku's HSDS profile ------------------------------------------------------------------

PROFILE_PATH = "/hsds/profile"
PROFILE_CONVENTIONS = (
    "Every provider unit is one service with one service_at_location and one physical location.",
    "Polku's Finnish codes travel as attributes (link_entity service) whose taxonomy terms "
    "belong to the taxonomies below; each taxonomy is identified by its URN, the same on "
    "every Polku site, and each term by term_uri <taxonomy uri>:<code>.",
    "Term names are Finnish (language fi), descriptions English; service texts are Finnish.",
    "organization.description is a sentence made from the catalogue's own fields (name, the "
    "type as the source states it, the municipalities or regions of its units), because "
    "HSDS requires one and the sources give none.",
    "service.url and organization.website are absolute URLs: a bare host name gets https:// "
    "in front; a value that cannot be made an http(s) URL without guessing is left out.",
    "service.last_modified is when the entry last changed in Polku (UTC).",
    "Opening hours are free text in schedule.description, as the source gives them.",
    "Unknown address lines are empty strings (HSDS requires them); country is FI.",
    "Ids are UUID 5 over a fixed namespace: an entry keeps its id across exports and sites.",
)


def profile_document(base_url: str) -> Json:
    """Polku's HSDS profile: what it adds to HSDS 3.0 and how its values are written."""
    return {
        "name": "Polku HSDS profile (Finland)",
        "url": f"{base_url}{PROFILE_PATH}",
        "hsds_version": HSDS_VERSION,
        "description": (
            "Employment-promoting social services in Finland (Polku provider catalogue), "
            "published as Open Referral HSDS 3.0 with Finnish classifications as taxonomies."
        ),
        "openapi_url": f"{base_url}/openapi.json",
        "conventions": list(PROFILE_CONVENTIONS),
        "taxonomies": [
            {
                **taxonomy_object(taxonomy),
                "attribute_link_type": taxonomy.link_type,
                "terms_url": f"{base_url}/hsds/taxonomy_terms?taxonomy_id={taxonomy.id}",
            }
            for taxonomy in TAXONOMIES.values()
        ],
        "provenance_terms": dict(PROVENANCE_TERMS),
    }
