"""Facet filters as the search page shows them: legend, options with labels and counts."""

from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.resources import CatalogueResources
from app.geography import finnish_sort_key
from app.guide.content import SERVICE_CODES
from app.search.service import ProviderQuery, SearchResults

FACET_VOCABULARY = {
    "activity": "activity_types",
    "target_group": "target_groups",
    "language": "languages",
    "status": "statuses",
}


@dataclass(frozen=True)
class FacetOption:
    """One checkbox: value, label, count, and whether it is selected."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    """One filter group."""

    name: str
    options: list[FacetOption]

    @property
    def selected_count(self) -> int:
        """How many options are selected."""
        return sum(option.selected for option in self.options)


def build_facets(
    results: SearchResults,
    query: ProviderQuery,
    catalogue: CatalogueResources,
    place_names: dict[str, dict[str, str]],
    version: str,
) -> list[Facet]:
    """Options with counts for every facet; selected values stay even with a zero count."""
    language = "fi" if version == "fi-selko" else version
    facets = []
    for name, counts in results.facets.items():
        selected = set(getattr(query, name))
        values = set(counts) | selected
        if name == "service":
            labels = {code: catalogue.service_title(code, version) for code in values}
            order = {code: index for index, code in enumerate(SERVICE_CODES)}
            ordered = sorted(values, key=lambda code: order.get(code, len(order)))
        elif name in ("region", "municipality"):
            labels = {code: place_names[name].get(code, code) for code in values}
            ordered = sorted(values, key=lambda code: finnish_sort_key(labels[code]))
        else:
            vocabulary = FACET_VOCABULARY[name]
            labels = {
                code: catalogue.vocabularies.label(vocabulary, code, language) for code in values
            }
            ordered = sorted(values, key=lambda code: (-counts.get(code, 0), labels[code]))
        options = [
            FacetOption(code, labels[code], counts.get(code, 0), code in selected)
            for code in ordered
        ]
        facets.append(Facet(name, options))
    return facets
