"""Everything the catalogue loads once at start-up: vocabularies, mappings, service titles."""

from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.vocabularies import Mappings, Vocabularies, load_mappings, load_vocabularies
from app.guide.content import SERVICE_CODES, VERSIONS, Guide


@dataclass(frozen=True)
class CatalogueResources:
    """Validated catalogue data files and the guide's service titles."""

    vocabularies: Vocabularies
    mappings: Mappings
    service_titles: dict[str, dict[str, str]]  # code -> version -> title

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
        service_titles=titles,
    )
