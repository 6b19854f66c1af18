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


# Facets whose every option can be listed on request ("show all options"): the list of
# municipalities (over 300) is left out, they are found through their region.
ALL_OPTIONS_FACETS = ("region", "service", "activity", "target_group", "language", "status")
# Facets a provider may have no value for; their "not recorded" count is always shown with
# all options (for the others only when some provider lacks a value).
OPTIONAL_FACETS = ("municipality", "activity", "target_group", "language")


@dataclass(frozen=True)
class Facet:
    """One filter group; `unrecorded` (with all options shown) counts the matches that have
    no value for it, told apart from an option counted 0 ("none here")."""

    name: str
    options: list[FacetOption]
    unrecorded: int | None = None

    @property
    def selected_count(self) -> int:
        """How many options are selected."""
        return sum(option.selected for option in self.options)


def every_option(
    name: str, catalogue: CatalogueResources, place_names: dict[str, dict[str, str]]
) -> set[str]:
    """Every value a facet can take (empty for a facet not listed in full)."""
    if name not in ALL_OPTIONS_FACETS:
        return set()
    if name == "region":
        return set(place_names["region"])
    if name == "service":
        return set(SERVICE_CODES)
    return set(getattr(catalogue.vocabularies, FACET_VOCABULARY[name]))


def _option_values(
    name: str, counts: dict[str, int], query: ProviderQuery, catalogue: CatalogueResources,
    place_names: dict[str, dict[str, str]], *, all_options: bool,
) -> set[str]:  # fmt: skip
    """The values a facet shows: those counted, the selected ones, and with `all_options`
    every value it can take."""
    values = set(counts) | set(getattr(query, name))
    if all_options:
        values |= every_option(name, catalogue, place_names)
    return values


def counts_with_every_option(
    results: SearchResults,
    query: ProviderQuery,
    catalogue: CatalogueResources,
    place_names: dict[str, dict[str, str]],
) -> dict[str, dict[str, int]]:
    """Each facet's counts with every option the page's "show all options" lists (0 for
    none in the results), by code (the API's `facets_all_options`)."""
    return {
        name: {
            code: counts.get(code, 0)
            for code in sorted(
                _option_values(name, counts, query, catalogue, place_names, all_options=True)
            )
        }
        for name, counts in results.facets.items()
    }


def build_facets(
    results: SearchResults,
    query: ProviderQuery,
    catalogue: CatalogueResources,
    place_names: dict[str, dict[str, str]],
    version: str,
    *,
    all_options: bool = False,
) -> list[Facet]:
    """Options with counts for every facet; selected values stay even with a zero count.

    With `all_options`, every region, service, type of work, group, language and status is
    listed, those without a match with 0, and each facet says how many matches have no value
    for it (from `results.unrecorded`).
    """
    language = "fi" if version == "fi-selko" else version
    facets = []
    for name, counts in results.facets.items():
        selected = set(getattr(query, name))
        values = _option_values(
            name, counts, query, catalogue, place_names, all_options=all_options
        )
        unrecorded = None
        if all_options:
            missing = results.unrecorded.get(name, 0)
            if name in OPTIONAL_FACETS or missing:
                unrecorded = missing
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
        facets.append(Facet(name, options, unrecorded))
    return facets
