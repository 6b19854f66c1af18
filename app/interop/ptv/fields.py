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
    timestamp,
)

# --- Contact details and descriptions -------------------------------------------------


def phone_number(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The voice number in the preferred language: prefix and number, as PTV splits them,
    with its role text ("Vaihde", "Rehtori") in parentheses when PTV gives one."""
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
        dialled = number  # a service number (0800 …) is dialled as it is, without a prefix
    else:
        if prefix == "+358" and number.startswith("0"):
            number = number[1:]  # "+358 040 …" cannot be dialled: the trunk 0 goes
        dialled = f"{prefix} {number}"
    # v11 gives the role as a string; a localised list is read too, should one come.
    role = line_text(chosen.get("additionalInformation")) or preferred_text(
        texts_by_language(chosen.get("additionalInformation")), order
    )
    return f"{dialled} ({role})" if role else dialled


# Obvious placeholders, never a unit's address: a "firstname.lastname" local part in
# Finnish, Swedish or English. Naantali's real PTV entries (2018, Kunta API recordings)
# carry etunimi.sukunimi@naantali.fi, the organisation's pattern of personal addresses.
_PLACEHOLDER_LOCAL = re.compile(
    r"(etunimi|firstname|first|f[öo]rnamn)[._-]?(sukunimi|lastname|last|surname|efternamn)",
    re.IGNORECASE,
)


def is_placeholder_email(value: str) -> bool:
    """True for an address that only shows the pattern of one (etunimi.sukunimi@…)."""
    local, _, _domain = value.rpartition("@")
    return bool(_PLACEHOLDER_LOCAL.fullmatch(local))


def email_address(channel: JsonObject, order: Sequence[str], warnings: list[str]) -> str | None:
    """The e-mail address in the preferred language; placeholders are left out (warned).

    A service location's list is `emails` (PTV's source and all real data); the 2026
    swagger calls it `supportEmails`, which is read when `emails` gives nothing.
    """
    for key in ("emails", "supportEmails"):
        emails: list[JsonObject] = []
        for item in json_objects(channel.get(key)):
            value = line_text(item.get("value"))
            if value and is_placeholder_email(value):
                warnings.append(f"e-mail {value!r} is a placeholder, not an address: left out")
            elif value:
                emails.append(item)
        chosen = preferred_item(emails, order)
        if chosen:
            return line_text(chosen.get("value"))
    return None


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
    abroad: bool = False  # the visiting address is outside Finland
    map_point: bool = False  # an "Other" address: a point on the map, no street


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


def display_post_office(value: str | None) -> str | None:
    """A post office for display: PTV often has it in capitals ("JYVÄSKYLÄ"), which is
    written "Jyväskylä", each part of a compound name capitalised ("MÄNTTÄ-VILPPULA" ->
    "Mänttä-Vilppula"). A name already in mixed case is kept as it is."""
    if not value or value != value.upper():
        return value
    return re.sub(r"[^\s-]+", lambda part: part.group().capitalize(), value)


def address_fields(address: JsonObject | None, order: Sequence[str]) -> AddressFields:
    """Street, postal code, post office and municipality code of a visiting address."""
    if address is None:
        return AddressFields()
    if address.get("subType") == "Abroad" or (
        address.get("locationAbroad") and not isinstance(address.get("streetAddress"), dict)
    ):
        return AddressFields(abroad=True)
    # Street addresses keep their parts under `streetAddress`; an "Other" address (a point
    # on the map) under `otherAddress`, which in v11 has a postal code and post office but
    # no street and no municipality.
    street_parts = json_object(address.get("streetAddress"))
    parts = street_parts or json_object(address.get("otherAddress"))
    street = preferred_text(texts_by_language(parts.get("street")), order)
    number = line_text(parts.get("streetNumber"))
    municipality_code = None
    municipality = parts.get("municipality")
    if isinstance(municipality, dict) and (code := line_text(municipality.get("code"))):
        municipality_code = code.zfill(3)
    return AddressFields(
        street_address=f"{street} {number}" if street and number else street,
        postal_code=line_text(parts.get("postalCode")),
        post_office=display_post_office(
            preferred_text(texts_by_language(parts.get("postOffice")), order)
        ),
        municipality_code=municipality_code,
        map_point=not street_parts and bool(parts),
    )


def area_municipality(channel: JsonObject) -> str | None:
    """The municipality of the channel's service area when the area is exactly one
    municipality (v8+ `areas[].municipalities`, an area of type Municipality, or the
    `areaMunicipalities` of older versions); None for none, several or a nationwide area."""
    if line_text(channel.get("areaType")) in (
        "Nationwide",
        "NationwideExceptAland",
        "WholeCountry",
    ):
        return None
    codes: set[str] = set()
    for area in json_objects(channel.get("areas")):
        if area.get("type") == "Municipality" and (code := line_text(area.get("code"))):
            codes.add(code.zfill(3))
        for municipality in json_objects(area.get("municipalities")):
            if code := line_text(municipality.get("code")):
                codes.add(code.zfill(3))
        if area.get("type") not in ("Municipality", None) and not area.get("municipalities"):
            return None  # a region or a hospital district without its municipalities
    for municipality in json_objects(channel.get("areaMunicipalities")):
        if code := line_text(municipality.get("code")):
            codes.add(code.zfill(3))
    return next(iter(codes)) if len(codes) == 1 else None


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


# DaysOfTheWeek (v8+) and Standard (v7) are the regular weekly hours; OverMidnight (v8+)
# and Special (v7) are weekly hours that run past midnight into the next day.
REGULAR_HOURS = ("DaysOfTheWeek", "Standard")
OVER_MIDNIGHT_HOURS = ("OverMidnight", "Special")


def _day_index(value: Any) -> int | None:
    name = line_text(value)
    return WEEKDAYS.index(name) if name in WEEKDAYS else None


def _day_spans(days: dict[int, str], names: dict[str, str]) -> list[str]:
    """Consecutive days with the same hours as one span: "ma–pe 8.00–16.00"."""
    spans: list[str] = []
    ordered = sorted(days)
    start = 0
    while start < len(ordered):
        end = start
        while (
            end + 1 < len(ordered)
            and ordered[end + 1] == ordered[end] + 1
            and days[ordered[end + 1]] == days[ordered[start]]
        ):
            end += 1
        first, last = names[WEEKDAYS[ordered[start]]], names[WEEKDAYS[ordered[end]]]
        span = first if start == end else f"{first}–{last}"
        spans.append(f"{span} {days[ordered[start]]}")
        start = end + 1
    return spans


def _regular_period(hours: JsonObject, names: dict[str, str], warnings: list[str]) -> list[str]:
    """One regular period: each day's hours, then consecutive equal days joined.

    PTV v11 sends one entry a day (`dayTo: ""`); older versions may give a range.
    An end earlier than the start runs past midnight and is kept as it is ("22.00–2.00").
    """
    times: dict[int, list[tuple[str, str]]] = {}
    for opening in json_objects(hours.get("openingHour")):
        first, last = _day_index(opening.get("dayFrom")), _day_index(opening.get("dayTo"))
        start, end = clock_time(opening.get("from")), clock_time(opening.get("to"))
        if first is None or start is None or end is None:
            warnings.append(
                "opening hours entry "
                f"{opening.get('dayFrom')!r} {opening.get('from')!r}–{opening.get('to')!r} "
                "is not a weekday and times: left out"
            )
            continue
        count = ((last - first) % 7 if last is not None else 0) + 1
        for step in range(count):
            day = times.setdefault((first + step) % 7, [])
            if (start, end) not in day:
                day.append((start, end))
    days = {
        day: ", ".join(f"{start}–{end}" for start, end in sorted(spans, key=_time_key))
        for day, spans in times.items()
    }
    return _day_spans(days, names)


def _time_key(span: tuple[str, str]) -> tuple[int, int]:
    hours, minutes = span[0].split(".")
    return int(hours), int(minutes)


def _over_midnight_period(hours: JsonObject, names: dict[str, str]) -> list[str]:
    """Hours that end on a later day: "pe 22.00–la 4.00"."""
    parts = []
    for opening in json_objects(hours.get("openingHour")):
        first, last = _day_index(opening.get("dayFrom")), _day_index(opening.get("dayTo"))
        start, end = clock_time(opening.get("from")), clock_time(opening.get("to"))
        if first is None or start is None or end is None:
            continue
        last_name = f"{names[WEEKDAYS[last]]} " if last is not None and last != first else ""
        parts.append(f"{names[WEEKDAYS[first]]} {start}–{last_name}{end}")
    return parts


def _validity(hours: JsonObject) -> str | None:
    """ "1.6.2026–31.8.2026" for a dated period, None for one without dates."""
    dates = [timestamp(hours.get(key)) for key in ("validFrom", "validTo")]
    if not any(dates):
        return None
    shown = [f"{d.day}.{d.month}.{d.year}" if d else "" for d in dates]
    return "–".join(shown)


def opening_hours(channel: JsonObject, order: Sequence[str], warnings: list[str]) -> str | None:
    """The weekly hours in force as short text ("ma–pe 8.00–15.00; la 10.00–14.00"), each
    period followed by the source's note. Exceptional hours (holidays) and periods not valid
    now are left out: Polku shows the regular hours, and the PTV page has the rest.

    Several regular periods valid at once (a normal one and a dated summer period) are all
    kept, a dated one after its dates ("1.6.2026–31.8.2026: ma 9.00–14.00"), with a warning;
    weekly hours over midnight come after the regular ones ("pe 22.00–la 4.00")."""
    language = order[0] if order and order[0] in DAY_NAMES else "fi"
    names = DAY_NAMES[language]
    in_force = [
        hours
        for hours in json_objects(channel.get("serviceHours"))
        if hours.get("serviceHourType") in (*REGULAR_HOURS, *OVER_MIDNIGHT_HOURS)
        and hours.get("validForNow") is not False
    ]
    regular = [h for h in in_force if h.get("serviceHourType") in REGULAR_HOURS]
    labelled = len(regular) > 1
    if labelled:
        warnings.append(
            f"{len(regular)} regular opening hour periods are valid now: all are shown, "
            "a dated one after its dates"
        )
    parts: list[str] = []
    for hours in sorted(in_force, key=lambda h: h.get("serviceHourType") in OVER_MIDNIGHT_HOURS):
        if hours.get("serviceHourType") in OVER_MIDNIGHT_HOURS:
            period = _over_midnight_period(hours, names)
        else:
            period = [ALWAYS_OPEN[language]] if hours.get("isAlwaysOpen") else []
            period += _regular_period(hours, names, warnings)
        validity = _validity(hours) if labelled else None
        if validity and period:
            period[0] = f"{validity}: {period[0]}"
        parts.extend(period)
        note = preferred_text(texts_by_language(hours.get("additionalInformation")), order)
        if note:
            parts.append(note)
    return "; ".join(dict.fromkeys(parts)) or None
