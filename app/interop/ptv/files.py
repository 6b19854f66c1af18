"""Reading saved PTV files into items, by kind and id.

A file holds a single object, a JSON array (the `list?guids=` endpoints) or a page of a paged
list (`{pageNumber, pageSize, pageCount, itemList}`). Each item's kind is recognised by its
fields, not by the file name; an item read twice (overlapping pages) keeps its newer version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.interop.ptv.values import JsonObject, ptv_id
from app.interop.records import ImportProblem, ParsedSource

MAX_FILE_BYTES = 100_000_000


@dataclass
class PtvItem:
    """One object read from a file: where it was (for messages), its JSON and its id."""

    where: str
    data: JsonObject
    id: str


@dataclass
class CollectedItems:
    """Every item read from the files, by kind and id."""

    channels: dict[str, PtvItem] = field(default_factory=dict)
    organizations: dict[str, PtvItem] = field(default_factory=dict)
    services: dict[str, PtvItem] = field(default_factory=dict)
    # What the fetch asked for (fetch-scope.json): {"municipalities": [...], "organizations":
    # [...]}, or None when the files do not say.
    fetch_scope: JsonObject | None = None


def item_kind(item: JsonObject) -> str | None:
    """channel, organisation or service, by the fields only that kind has.

    The kind is also the word used in import messages, hence the British spelling.
    """
    if "serviceChannelType" in item or "serviceChannelNames" in item:
        return "channel"
    if "organizationNames" in item or "organizationType" in item:
        return "organisation"
    if "serviceNames" in item:
        return "service"
    return None


SCOPE_KEY = "polkuFetchScope"  # written by app/interop/ptv/fetch.py


def _file_items(
    path: Path, errors: list[ImportProblem], collected: CollectedItems
) -> list[Any] | None:
    """The items a file holds, or None (with an error) when it cannot be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            errors.append(ImportProblem(path.name, "the file is larger than 100 MB"))
            return None
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        errors.append(ImportProblem(path.name, f"cannot read the file: {error}"))
        return None
    except json.JSONDecodeError as error:
        errors.append(ImportProblem(path.name, f"not valid JSON: {error}"))
        return None
    if isinstance(data, dict) and isinstance(data.get(SCOPE_KEY), dict):
        _add_scope(collected, data[SCOPE_KEY])  # the fetch's own note, not PTV data
        return []
    if isinstance(data, list):  # the `list?guids=` endpoints answer with a plain array
        return data
    if isinstance(data, dict) and "itemList" in data:  # a page of a paged list
        items = data["itemList"]
        if items is None:  # PTV sends null for an empty page
            return []
        if not isinstance(items, list):
            errors.append(ImportProblem(path.name, "itemList is not a list"))
            return None
        return items
    if isinstance(data, dict):
        return [data]
    errors.append(ImportProblem(path.name, "expected a JSON object, an array or a paged list"))
    return None


def _add_scope(collected: CollectedItems, scope: JsonObject) -> None:
    """Several fetches imported together cover what each covers."""
    merged = collected.fetch_scope or {"municipalities": [], "organizations": []}
    for key in ("municipalities", "organizations"):
        values = scope.get(key)
        for value in values if isinstance(values, list) else []:
            if str(value) not in merged[key]:
                merged[key].append(str(value))
    collected.fetch_scope = merged


def _identified_item(where: str, data: Any, parsed: ParsedSource) -> tuple[str, PtvItem] | None:
    """The kind and item of one JSON value, or None (with an error) when it is neither."""
    if not isinstance(data, dict):
        parsed.errors.append(ImportProblem(where, "expected a JSON object"))
        return None
    kind = item_kind(data)
    if kind is None:
        hint = (
            " (a list of ids and names only: fetch the full items)"
            if set(data) <= {"id", "name"}
            else ""
        )
        parsed.errors.append(
            ImportProblem(where, f"not a PTV service channel, organisation or service{hint}")
        )
        return None
    item_id = ptv_id(data.get("id"))
    if item_id is None:
        parsed.errors.append(ImportProblem(where, f"{kind} without a valid id: {data.get('id')!r}"))
        return None
    return kind, PtvItem(where, data, item_id)


def _keep_newer(table: dict[str, PtvItem], kind: str, item: PtvItem, parsed: ParsedSource) -> None:
    """Add the item, unless the table already has a version of it modified later."""
    earlier = table.get(item.id)
    if earlier is not None and earlier.data.get("modified") == item.data.get("modified"):
        return  # the same version twice (a municipality's and its organisation's pages)
    if earlier is not None:
        # Pages fetched at different times can overlap; the newer version wins.
        keep_new = str(item.data.get("modified") or "") >= str(earlier.data.get("modified") or "")
        parsed.warnings.append(
            ImportProblem(
                item.where,
                f"{kind} {item.id} also in {earlier.where}; using the one "
                f"modified later ({item.where if keep_new else earlier.where})",
            )
        )
        if not keep_new:
            return
    table[item.id] = item


def collect_items(paths: Sequence[Path], parsed: ParsedSource) -> CollectedItems:
    """Read every file; problems go to `parsed.errors` and `parsed.warnings`."""
    collected = CollectedItems()
    tables = {
        "channel": collected.channels,
        "organisation": collected.organizations,
        "service": collected.services,
    }
    for path in paths:
        items = _file_items(path, parsed.errors, collected)
        if items is None:
            continue
        for index, data in enumerate(items, start=1):
            identified = _identified_item(f"{path.name} item {index}", data, parsed)
            if identified is not None:
                kind, item = identified
                _keep_newer(tables[kind], kind, item, parsed)
    return collected
