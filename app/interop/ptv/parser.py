"""Suomi.fi Palvelutietovaranto (PTV) open API v11 JSON files -> Polku's provider records.

PTV describes a provider unit as a *service location channel* (palvelupiste,
`serviceChannelType: "ServiceLocation"`) of an *organization*, linked to *services*. The
API hands these out separately, so an import reads any mix of saved files (a single object,
a JSON array, or a paged list `{pageNumber, pageSize, pageCount, itemList}`) and joins them
by id. Each item's kind is recognised by its fields, not by the file name.

The parser is pure: it reads files and returns a `ParsedSource`; it never touches the
database or the network and never raises for bad input. Every problem names the file and
the item (`channels.json item 3`). Shapes follow the PTV source code (vrk-kpa/ptv-releases,
`V11VmOpenApiServiceLocationChannel` and its bases); docs/ptv.md lists field by field what
is read and the assumptions made.

The work is shared by small modules: `files` (reading files into items), `values` (JSON
value readers), `mapping` (the reviewed service table), `services` (a channel's linked
services), `fields` (contact, address, accessibility, opening hours) and `channels` (one
channel -> one record).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.interop.ptv.channels import SOURCE, ChannelReader
from app.interop.ptv.files import collect_items
from app.interop.ptv.mapping import PtvServiceMapping
from app.interop.ptv.values import line_text
from app.interop.records import ImportProblem, ParsedSource

SERVICE_LOCATION = "ServiceLocation"


def _add_summaries(
    parsed: ParsedSource, ignored: Counter[str], unmapped: Counter[str], not_in_files: int
) -> None:
    # Summaries instead of one line per item: a municipality has hundreds of e-services.
    if ignored:
        counts = ", ".join(f"{kind} {count}" for kind, count in sorted(ignored.items()))
        parsed.warnings.append(
            ImportProblem(
                "service channels",
                f"{ignored.total()} channels that are not service locations ignored ({counts})",
            )
        )
    for name, count in sorted(unmapped.items()):
        parsed.warnings.append(
            ImportProblem(
                f"service {name!r}",
                f"not in the reviewed table ptv_services.yaml ({count} service locations): "
                "imported without a service code",
            )
        )
    if not_in_files:
        parsed.warnings.append(
            ImportProblem(
                "services",
                f"{not_in_files} linked services are not in the given files: mapped by the "
                "name in the channel only (fetch the services for their classes and names)",
            )
        )


def parse_ptv_files(
    paths: Sequence[Path],
    *,
    municipality_regions: Mapping[str, str],
    mapping: PtvServiceMapping,
) -> ParsedSource:
    """Read saved PTV v11 JSON files; one record per service location channel.

    `municipality_regions` maps a three-digit municipality code to its region code (Åland's
    municipalities map to "" or to the pseudo-region "91": their channels are errors).
    """
    parsed = ParsedSource(SOURCE, skips_bad_items=True)
    collected = collect_items(paths, parsed)
    reader = ChannelReader(collected, municipality_regions, mapping)
    ignored: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    not_in_files = 0
    for item in collected.channels.values():
        channel_type = line_text(item.data.get("serviceChannelType"))
        if channel_type != SERVICE_LOCATION:
            ignored[channel_type or "no type"] += 1
            continue
        skips: list[str] = []
        warnings: list[str] = []
        record, services = reader.record(item, skips, warnings)
        parsed.skipped.extend(ImportProblem(item.where, message) for message in skips)
        parsed.warnings.extend(ImportProblem(item.where, message) for message in warnings)
        unmapped.update(services.unmapped)
        not_in_files += services.not_in_files
        if record is not None:
            parsed.records.append(record)
            parsed.places[record.external_id] = item.where
    _add_summaries(parsed, ignored, unmapped, not_in_files)
    _apply_fetch_scope(parsed, collected.fetch_scope)
    return parsed


def _apply_fetch_scope(parsed: ParsedSource, scope: Mapping[str, object] | None) -> None:
    """A fetch by municipality covers those municipalities: units located elsewhere (on
    the pages because their service area reaches a fetched municipality) are left out,
    and a full import marks vanished entries only in the fetched municipalities."""
    if scope is None:
        return
    municipalities, organizations = scope.get("municipalities"), scope.get("organizations")
    if not isinstance(municipalities, list) or not municipalities or organizations:
        return  # a fetch by organisation covers no municipality as a whole
    codes = {str(code).zfill(3) for code in municipalities}
    parsed.scope_municipalities = codes
    inside = [r for r in parsed.records if r.municipality_code in codes]
    if outside := len(parsed.records) - len(inside):
        parsed.warnings.append(
            ImportProblem(
                "fetch-scope.json",
                f"{outside} service locations in other municipalities than those fetched "
                f"({', '.join(sorted(codes))}) left out: fetch their municipalities to import them",
            )
        )
    parsed.records = inside
