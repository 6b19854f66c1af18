"""The field readers of a PTV service location channel: contact details, description,
visiting address, accessibility and opening hours.

Each takes the channel's JSON and the order in which languages are preferred, and answers
None for a missing or malformed value. Shapes follow the PTV source code (vrk-kpa/ptv-releases,
`V11VmOpenApiServiceLocationChannel` and its bases); docs/ptv.md lists them field by field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.interop.ptv.values import (
    LANGUAGE_ORDER,
    JsonObject,
    json_object,
    json_objects,
    line_text,
    long_text,
    preferred_item,
    preferred_text,
    texts_by_language,
)

# --- Contact details and descriptions -------------------------------------------------


def phone_number(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The voice number in the preferred language: prefix and number, as PTV splits them."""
    phones = [
        item
        for item in json_objects(channel.get("phoneNumbers"))
        if item.get("type") in ("Phone", None) and line_text(item.get("number"))
    ]
    chosen = preferred_item(phones, order)
    if chosen is None:
        return None
    number = line_text(chosen.get("number")) or ""
    prefix = line_text(chosen.get("prefixNumber"))
    if chosen.get("isFinnishServiceNumber") is True or not prefix:
        return number  # a service number (0800 …) is dialled as it is, without a prefix
    if prefix == "+358" and number.startswith("0"):
        number = number[1:]  # "+358 040 …" cannot be dialled: the trunk 0 goes
    return f"{prefix} {number}"


def email_address(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The e-mail address in the preferred language."""
    emails = [e for e in json_objects(channel.get("emails")) if line_text(e.get("value"))]
    chosen = preferred_item(emails, order)
    return line_text(chosen.get("value")) if chosen else None


def website(items: Any, order: Sequence[str] = LANGUAGE_ORDER) -> str | None:
    """The web page in the preferred language, from a list of `{url, language}`."""
    pages = [page for page in json_objects(items) if line_text(page.get("url"))]
    chosen = preferred_item(pages, order)
    return line_text(chosen.get("url")) if chosen else None


def description(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The summary and the description, the summary left out when the description has it."""
    descriptions = json_objects(channel.get("serviceChannelDescriptions"))

    def of_type(*types: str) -> str | None:
        texts = {
            language: text
            for item in descriptions
            if item.get("type") in types
            and (language := line_text(item.get("language")))
            and (text := long_text(item.get("value")))
        }
        return preferred_text(texts, order)

    summary = of_type("Summary", "ShortDescription")  # ShortDescription: v7 and older
    full = of_type("Description")
    if summary and full and summary not in full:
        return f"{summary}\n\n{full}"
    return full or summary


# --- Address and accessibility ----------------------------------------------------------


@dataclass(frozen=True)
class AddressFields:
    """The parts of a visiting address that a provider record keeps."""

    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None
    municipality_code: str | None = None  # three digits


def visiting_address(channel: JsonObject) -> JsonObject | None:
    """The visiting address: the first Location address with a street, else any Location."""
    locations = [
        address
        for address in json_objects(channel.get("addresses"))
        if address.get("type") == "Location"
    ]
    with_street = [a for a in locations if isinstance(a.get("streetAddress"), dict)]
    chosen = with_street or locations
    return chosen[0] if chosen else None


def address_fields(address: JsonObject | None, order: Sequence[str]) -> AddressFields:
    """Street, postal code, post office and municipality code of a visiting address."""
    if address is None:
        return AddressFields()
    # Street and PO box addresses keep their parts under `streetAddress`; an
    # "Other" address (a point on the map) under `otherAddress`.
    parts = json_object(address.get("streetAddress")) or json_object(address.get("otherAddress"))
    street = preferred_text(texts_by_language(parts.get("street")), order)
    number = line_text(parts.get("streetNumber"))
    municipality_code = None
    municipality = parts.get("municipality")
    if isinstance(municipality, dict) and (code := line_text(municipality.get("code"))):
        municipality_code = code.zfill(3)
    return AddressFields(
        street_address=f"{street} {number}" if street and number else street,
        postal_code=line_text(parts.get("postalCode")),
        post_office=preferred_text(texts_by_language(parts.get("postOffice")), order),
        municipality_code=municipality_code,
    )


def accessibility(
    channel: JsonObject, address: JsonObject | None, order: Sequence[str]
) -> str | None:
    """Accessibility sentences, grouped: "Group: sentence sentence", one group a line.

    In v11 the sentences sit on the entrances of the visiting address; a channel-level
    `accessibilitySentences` list (seen in other versions) is read as well.
    """
    groups: list[JsonObject] = json_objects(channel.get("accessibilitySentences"))
    if address is not None:
        for entrance in json_objects(address.get("entrances")):
            groups.extend(json_objects(entrance.get("accessibilitySentences")))
    by_language: dict[str, list[str]] = {}
    for group in groups:
        names = texts_by_language(group.get("sentenceGroup"))
        sentences: dict[str, list[str]] = {}
        for sentence in json_objects(group.get("sentences")):
            for language, value in texts_by_language(sentence.get("sentence")).items():
                sentences.setdefault(language, []).append(value)
        for language, values in sentences.items():
            heading = names.get(language)
            line = " ".join(values)
            by_language.setdefault(language, []).append(f"{heading}: {line}" if heading else line)
    joined = {language: "\n".join(lines) for language, lines in by_language.items()}
    return preferred_text(joined, order)


# --- Opening hours ----------------------------------------------------------------------


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_NAMES = {  # PTV's English day names -> short day names per language
    "fi": dict(zip(WEEKDAYS, ("ma", "ti", "ke", "to", "pe", "la", "su"), strict=True)),
    "sv": dict(zip(WEEKDAYS, ("må", "ti", "on", "to", "fr", "lö", "sö"), strict=True)),
    "en": dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True)),
}
ALWAYS_OPEN = {"fi": "aina avoinna", "sv": "alltid öppet", "en": "always open"}


def clock_time(value: Any) -> str | None:
    """ "08:30:00" -> "8.30", the Finnish and Swedish way of writing a time."""
    text = line_text(value)
    if not text or not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
        return None
    hours, minutes = text.split(":")[:2]
    return f"{int(hours)}.{minutes}"


def opening_hours(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The regular weekly hours in force, as short text ("ma–pe 8.00–15.00"), with the
    source's additional note. Exceptional hours (holidays) and future periods are left out:
    Polku shows one line of regular hours, and the PTV page has the rest."""
    language = order[0] if order and order[0] in DAY_NAMES else "fi"
    days = DAY_NAMES[language]
    parts: list[str] = []
    for hours in json_objects(channel.get("serviceHours")):
        if hours.get("serviceHourType") != "DaysOfTheWeek" or hours.get("validForNow") is False:
            continue
        if hours.get("isAlwaysOpen"):
            parts.append(ALWAYS_OPEN[language])
        for opening in json_objects(hours.get("openingHour")):
            first, last = days.get(str(opening.get("dayFrom"))), days.get(str(opening.get("dayTo")))
            start, end = clock_time(opening.get("from")), clock_time(opening.get("to"))
            if first and start and end:
                span = f"{first}–{last}" if last and last != first else first
                parts.append(f"{span} {start}–{end}")
        note = preferred_text(texts_by_language(hours.get("additionalInformation")), order)
        if note:
            parts.append(note)
    return "; ".join(dict.fromkeys(parts)) or None
