"""The services a PTV channel links to: their names, and Polku's codes through the mapping.

A linked service found in the files gives all its names and its service classes; one that is
not in the files gives only the name the link carries (in the API's language).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.catalogue.vocabularies import TermMapping
from app.interop.ptv.files import PtvItem
from app.interop.ptv.mapping import PtvServiceMapping
from app.interop.ptv.values import (
    JsonObject,
    json_object,
    json_objects,
    line_text,
    preferred_text,
    ptv_id,
    texts_by_language,
)


@dataclass
class LinkedServices:
    """The names a channel's linked services give, and whether each was reviewed."""

    text: list[str] = field(default_factory=list)  # original names, for services_text
    codes: TermMapping = field(default_factory=TermMapping)
    unmapped: list[str] = field(default_factory=list)
    not_in_files: int = 0


def _add_codes(target: TermMapping, found: TermMapping) -> None:
    for key in ("services", "activities", "target_groups"):
        codes: list[str] = getattr(target, key)
        codes.extend(code for code in getattr(found, key) if code not in codes)


def linked_services(
    channel: JsonObject, services: Mapping[str, PtvItem], mapping: PtvServiceMapping
) -> LinkedServices:
    """The linked services of a channel, mapped to codes where the table knows them."""
    result = LinkedServices()
    for link in json_objects(channel.get("services")):
        linked = json_object(link.get("service"))
        service_id = ptv_id(linked.get("id"))
        found_item = services.get(service_id) if service_id else None
        service = found_item.data if found_item else None
        if service is not None:
            names = texts_by_language(service.get("serviceNames"), types=("Name",))
            all_names = [
                value
                for item in json_objects(service.get("serviceNames"))
                if (value := line_text(item.get("value")))
            ]
            classes = [
                code
                for item in json_objects(service.get("serviceClasses"))
                if (code := line_text(item.get("code")))
            ]
            shown = preferred_text(names) or next(iter(all_names), None)
        else:
            # Not in the files: the link itself carries one name (the API's language).
            result.not_in_files += 1
            shown = line_text(linked.get("name"))
            all_names = [shown] if shown else []
            classes = []
        if shown is None:
            continue
        if shown not in result.text:
            result.text.append(shown)
        found = [mapping.lookup_name(name) for name in all_names]
        found += [mapping.lookup_class(code) for code in classes]
        reviewed = [entry for entry in found if entry is not None]
        for entry in reviewed:
            _add_codes(result.codes, entry)
        if not reviewed and shown not in result.unmapped:
            result.unmapped.append(shown)
    return result
