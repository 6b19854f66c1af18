"""Everything the catalogue loads once at start-up: vocabularies, mappings, synonyms, labels."""

from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.index_documents import IndexLabels
from app.catalogue.mapping import Mappings, Vocabularies, load_mappings, load_vocabularies
from app.catalogue.search import Synonyms
from app.guide.content import CORE_CODES, RELATED_CODES, VERSIONS, Guide

SERVICE_CODES = CORE_CODES + RELATED_CODES


@dataclass(frozen=True)
class CatalogueResources:
    """Validated catalogue data files and the guide's service titles."""

    vocabularies: Vocabularies
    mappings: Mappings
    synonyms: Synonyms
    service_titles: dict[str, dict[str, str]]  # code -> version -> title

    @property
    def index_labels(self) -> IndexLabels:
        """The labels the index makes searchable."""
        return IndexLabels(
            vocabularies=self.vocabularies,
            # the easy-Finnish title repeats the Finnish words; three languages are enough
            service_titles={
                code: [title for version, title in titles.items() if version != "fi-selko"]
                for code, titles in self.service_titles.items()
            },
        )

    def service_title(self, code: str, version: str) -> str:
        """A service's name in a reading version."""
        titles = self.service_titles.get(code, {})
        return titles.get(version) or titles.get("fi") or code


def load_catalogue_resources(guide: Guide) -> CatalogueResources:
    """Load and cross-check the catalogue's data files against the guide."""
    vocabularies = load_vocabularies()
    titles = {
        code: {
            version: page.title
            for version in VERSIONS
            if (page := guide.page(code, version)) is not None and not page.missing
        }
        for code in SERVICE_CODES
    }
    return CatalogueResources(
        vocabularies=vocabularies,
        mappings=load_mappings(vocabularies, set(SERVICE_CODES)),
        synonyms=Synonyms(),
        service_titles=titles,
    )
