"""Small readers for PTV's JSON shapes: lists of objects, texts, localised lists, ids, times.

Each one takes any JSON value and answers None (or an empty container) for a missing value
or one of another type, so the readers of channels and services never raise on bad input.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

JsonObject = dict[str, Any]

LANGUAGE_ORDER = ("fi", "sv", "en")  # Polku's languages, in the order a text is preferred


def json_objects(value: Any) -> list[JsonObject]:
    """The objects of a JSON list (anything else in it is skipped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def json_object(value: Any) -> JsonObject:
    """A JSON object, or an empty one when the value is missing or of another type."""
    return value if isinstance(value, dict) else {}


def line_text(value: Any) -> str | None:
    """A one-line text: whitespace collapsed, empty -> None."""
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def long_text(value: Any) -> str | None:
    """A multi-line text (descriptions): paragraphs kept, ends trimmed."""
    if not isinstance(value, str):
        return None
    lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
    cleaned = "\n".join(lines).strip()
    return cleaned or None


def texts_by_language(items: Any, *, types: Collection[str] | None = None) -> dict[str, str]:
    """Language -> value of a localised list (`[{language, value, type?}]`), first one wins.

    With `types`, only items of those types count; an item without a type counts too,
    because some lists (emails, street names) have none.
    """
    found: dict[str, str] = {}
    for item in json_objects(items):
        if types is not None and item.get("type") not in (*types, None):
            continue
        language, value = line_text(item.get("language")), line_text(item.get("value"))
        if language and value and language not in found:
            found[language] = value
    return found


def preferred_text(
    by_language: Mapping[str, str], order: Sequence[str] = LANGUAGE_ORDER
) -> str | None:
    """The Finnish text (or the first of `order`), else the next, else any language."""
    for language in order:
        if language in by_language:
            return by_language[language]
    return next(iter(by_language.values()), None)


def preferred_item(
    items: Iterable[JsonObject], order: Sequence[str] = LANGUAGE_ORDER
) -> JsonObject | None:
    """The item in the preferred language (items carry a `language` field)."""
    listed = list(items)
    for language in order:
        for item in listed:
            if item.get("language") == language:
                return item
    return listed[0] if listed else None


def ptv_id(value: Any) -> str | None:
    """A PTV id (a GUID) in its canonical lower-case form, or None when it is not a GUID."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def timestamp(value: Any) -> dt.datetime | None:
    """An ISO date and time, or None when the value is not one."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
