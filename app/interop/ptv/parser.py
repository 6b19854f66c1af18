"""Suomi.fi Palvelutietovaranto (PTV) open API v11 JSON files -> Polku's provider records.

PTV describes a provider unit as a *service location channel* (palvelupiste,
`serviceChannelType: "ServiceLocation"`) of an *organisation*, linked to *services*. The
API hands these out separately, so an import reads any mix of saved files (a single object,
a JSON array, or a paged list `{pageNumber, pageSize, pageCount, itemList}`) and joins them
by id. Each item's kind is recognised by its fields, not by the file name.

The parser is pure: it reads files and returns a `ParsedSource`; it never touches the
database or the network and never raises for bad input. Every problem names the file and
the item (`channels.json item 3`). Shapes follow the PTV source code (vrk-kpa/ptv-releases,
`V11VmOpenApiServiceLocationChannel` and its bases); docs/ptv.md lists field by field what
is read and the assumptions made.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.catalogue.vocabularies import (
    CATALOGUE_CONTENT_DIR,
    MappingError,
    TermMapping,
    load_vocabularies,
    normalise_term,
)
from app.guide.content import SERVICE_CODES
from app.interop.records import ImportProblem, ParsedSource, ProviderRecord
from app.models import OUTSIDE_SYSTEM_REGION_CODE

SOURCE = "ptv"
PTV_SERVICES_FILE = CATALOGUE_CONTENT_DIR / "ptv_services.yaml"
LANGUAGE_ORDER = ("fi", "sv", "en")  # Polku's languages, in the order a text is preferred
MAX_FILE_BYTES = 100_000_000
SERVICE_LOCATION = "ServiceLocation"
# publishingStatus -> Polku status. Anything else (Draft, Modified, Withdrawn …) is not
# expected from the public API; such a channel is imported as `verify` with a warning.
STATUSES = {"Published": "current", "Deleted": "closed", "Archived": "closed"}
# The public Suomi.fi page of a service location. The path segment before the id is a
# name slug that the site does not need; LIPAS (lipas-liikuntapaikat/lipas) links with "x".
PUBLIC_PAGE_URL = "https://www.suomi.fi/palvelut/palvelupiste/x/{id}"

JsonObject = dict[str, Any]


# --- The reviewed service mapping -------------------------------------------------------


@dataclass(frozen=True)
class PtvServiceMapping:
    """Reviewed tables: PTV service names and service class codes -> Polku's codes."""

    service_names: Mapping[str, TermMapping]  # normalised name -> codes
    service_classes: Mapping[str, TermMapping]  # class code as PTV gives it ("P10.1")

    def lookup_name(self, name: str) -> TermMapping | None:
        """The mapping of a service name, or None when nobody has reviewed it."""
        return self.service_names.get(normalise_term(name))

    def lookup_class(self, code: str) -> TermMapping | None:
        """The mapping of a service class code, or None when it is not listed."""
        return self.service_classes.get(code.strip().upper())


def load_ptv_mapping(
    path: Path = PTV_SERVICES_FILE,
    *,
    service_codes: Collection[str] = SERVICE_CODES,
    vocabularies_path: Path | None = None,
) -> PtvServiceMapping:
    """Read and validate the table; an unknown code raises `MappingError` naming the entry."""
    vocabularies = (
        load_vocabularies(vocabularies_path) if vocabularies_path else load_vocabularies()
    )
    allowed = {
        "services": set(service_codes),
        "activities": set(vocabularies.activity_types),
        "target_groups": set(vocabularies.target_groups),
    }
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise MappingError(f"{path}: cannot read the table: {error}") from error
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected service_names and service_classes")
    if unknown_tables := set(raw) - {"service_names", "service_classes"}:
        raise MappingError(f"{path}: unknown sections {sorted(unknown_tables)}")
    tables: dict[str, dict[str, TermMapping]] = {}
    for table_name, key_of in (
        ("service_names", normalise_term),
        ("service_classes", lambda code: code.strip().upper()),
    ):
        table: dict[str, TermMapping] = {}
        for term, entry in (raw.get(table_name) or {}).items():
            entry = entry or {}
            if not isinstance(entry, dict):
                raise MappingError(f"{path}: {table_name} / {term!r}: expected a mapping")
            for key, codes in entry.items():
                if key not in allowed:
                    raise MappingError(f"{path}: {table_name} / {term!r}: unknown key {key!r}")
                if not isinstance(codes, list):
                    raise MappingError(f"{path}: {table_name} / {term!r}: {key} must be a list")
                if unknown := set(codes) - allowed[key]:
                    raise MappingError(
                        f"{path}: {table_name} / {term!r}: unknown {key} {sorted(unknown)}"
                    )
            table[key_of(str(term))] = TermMapping(**entry)
        tables[table_name] = table
    return PtvServiceMapping(tables["service_names"], tables["service_classes"])


# --- Small readers for PTV's JSON shapes ----------------------------------------------


def _objects(value: Any) -> list[JsonObject]:
    """The objects of a JSON list (anything else in it is skipped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(value: Any) -> JsonObject:
    """A JSON object, or an empty one when the value is missing or of another type."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    """A one-line text: whitespace collapsed, empty -> None."""
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _long_text(value: Any) -> str | None:
    """A multi-line text (descriptions): paragraphs kept, ends trimmed."""
    if not isinstance(value, str):
        return None
    lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
    cleaned = "\n".join(lines).strip()
    return cleaned or None


def _by_language(items: Any, *, types: Collection[str] | None = None) -> dict[str, str]:
    """Language -> value of a localised list (`[{language, value, type?}]`), first one wins.

    With `types`, only items of those types count; an item without a type counts too,
    because some lists (emails, street names) have none.
    """
    found: dict[str, str] = {}
    for item in _objects(items):
        if types is not None and item.get("type") not in (*types, None):
            continue
        language, value = _text(item.get("language")), _text(item.get("value"))
        if language and value and language not in found:
            found[language] = value
    return found


def _preferred(by_language: Mapping[str, str], order: Sequence[str] = LANGUAGE_ORDER) -> str | None:
    """The Finnish text (or the first of `order`), else the next, else any language."""
    for language in order:
        if language in by_language:
            return by_language[language]
    return next(iter(by_language.values()), None)


def _preferred_item(
    items: Iterable[JsonObject], order: Sequence[str] = LANGUAGE_ORDER
) -> JsonObject | None:
    """The item in the preferred language (items carry a `language` field)."""
    listed = list(items)
    for language in order:
        for item in listed:
            if item.get("language") == language:
                return item
    return listed[0] if listed else None


def _guid(value: Any) -> str | None:
    """A PTV id in its canonical lower-case form, or None when it is not a GUID."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _kind(item: JsonObject) -> str | None:
    """channel, organisation or service, by the fields only that kind has."""
    if "serviceChannelType" in item or "serviceChannelNames" in item:
        return "channel"
    if "organizationNames" in item or "organizationType" in item:
        return "organisation"
    if "serviceNames" in item:
        return "service"
    return None


# --- Reading the files ----------------------------------------------------------------


@dataclass
class _Item:
    where: str
    data: JsonObject
    id: str


@dataclass
class _Collected:
    """Every item read from the files, by kind and id."""

    channels: dict[str, _Item] = field(default_factory=dict)
    organisations: dict[str, _Item] = field(default_factory=dict)
    services: dict[str, _Item] = field(default_factory=dict)


def _file_items(path: Path, errors: list[ImportProblem]) -> list[Any] | None:
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


def _collect(paths: Sequence[Path], parsed: ParsedSource) -> _Collected:
    collected = _Collected()
    tables = {
        "channel": collected.channels,
        "organisation": collected.organisations,
        "service": collected.services,
    }
    for path in paths:
        items = _file_items(path, parsed.errors)
        if items is None:
            continue
        for index, data in enumerate(items, start=1):
            where = f"{path.name} item {index}"
            if not isinstance(data, dict):
                parsed.errors.append(ImportProblem(where, "expected a JSON object"))
                continue
            kind = _kind(data)
            if kind is None:
                hint = (
                    " (a list of ids and names only: fetch the full items)"
                    if set(data) <= {"id", "name"}
                    else ""
                )
                parsed.errors.append(
                    ImportProblem(
                        where, f"not a PTV service channel, organisation or service{hint}"
                    )
                )
                continue
            item_id = _guid(data.get("id"))
            if item_id is None:
                parsed.errors.append(
                    ImportProblem(where, f"{kind} without a valid id: {data.get('id')!r}")
                )
                continue
            table = tables[kind]
            earlier = table.get(item_id)
            if earlier is not None:
                # Pages fetched at different times can overlap; the newer version wins.
                keep_new = str(data.get("modified") or "") >= str(
                    earlier.data.get("modified") or ""
                )
                parsed.warnings.append(
                    ImportProblem(
                        where,
                        f"{kind} {item_id} also in {earlier.where}; using the one "
                        f"modified later ({where if keep_new else earlier.where})",
                    )
                )
                if not keep_new:
                    continue
            table[item_id] = _Item(where, data, item_id)
    return collected


# --- One channel -> one record --------------------------------------------------------


@dataclass
class _ServiceNames:
    """The names a channel's linked services give, and whether each was reviewed."""

    text: list[str] = field(default_factory=list)  # original names, for services_text
    codes: TermMapping = field(default_factory=TermMapping)
    unmapped: list[str] = field(default_factory=list)
    not_in_files: int = 0


def _add_codes(target: TermMapping, found: TermMapping) -> None:
    for key in ("services", "activities", "target_groups"):
        codes: list[str] = getattr(target, key)
        codes.extend(code for code in getattr(found, key) if code not in codes)


def _linked_services(
    channel: JsonObject, services: Mapping[str, _Item], mapping: PtvServiceMapping
) -> _ServiceNames:
    result = _ServiceNames()
    for link in _objects(channel.get("services")):
        linked = _object(link.get("service"))
        service_id = _guid(linked.get("id"))
        found_item = services.get(service_id) if service_id else None
        service = found_item.data if found_item else None
        if service is not None:
            names = _by_language(service.get("serviceNames"), types=("Name",))
            all_names = [
                value
                for item in _objects(service.get("serviceNames"))
                if (value := _text(item.get("value")))
            ]
            classes = [
                code
                for item in _objects(service.get("serviceClasses"))
                if (code := _text(item.get("code")))
            ]
            shown = _preferred(names) or next(iter(all_names), None)
        else:
            # Not in the files: the link itself carries one name (the API's language).
            result.not_in_files += 1
            shown = _text(linked.get("name"))
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


def _phone(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The voice number in the preferred language: prefix and number, as PTV splits them."""
    phones = [
        item
        for item in _objects(channel.get("phoneNumbers"))
        if item.get("type") in ("Phone", None) and _text(item.get("number"))
    ]
    chosen = _preferred_item(phones, order)
    if chosen is None:
        return None
    number = _text(chosen.get("number")) or ""
    prefix = _text(chosen.get("prefixNumber"))
    if chosen.get("isFinnishServiceNumber") is True or not prefix:
        return number  # a service number (0800 …) is dialled as it is, without a prefix
    if prefix == "+358" and number.startswith("0"):
        number = number[1:]  # "+358 040 …" cannot be dialled: the trunk 0 goes
    return f"{prefix} {number}"


def _visiting_address(channel: JsonObject) -> JsonObject | None:
    """The visiting address: the first Location address with a street, else any Location."""
    locations = [
        address
        for address in _objects(channel.get("addresses"))
        if address.get("type") == "Location"
    ]
    with_street = [a for a in locations if isinstance(a.get("streetAddress"), dict)]
    chosen = with_street or locations
    return chosen[0] if chosen else None


def _accessibility(
    channel: JsonObject, address: JsonObject | None, order: Sequence[str]
) -> str | None:
    """Accessibility sentences, grouped: "Group: sentence sentence", one group a line.

    In v11 the sentences sit on the entrances of the visiting address; a channel-level
    `accessibilitySentences` list (seen in other versions) is read as well.
    """
    groups: list[JsonObject] = _objects(channel.get("accessibilitySentences"))
    if address is not None:
        for entrance in _objects(address.get("entrances")):
            groups.extend(_objects(entrance.get("accessibilitySentences")))
    by_language: dict[str, list[str]] = {}
    for group in groups:
        names = _by_language(group.get("sentenceGroup"))
        sentences: dict[str, list[str]] = {}
        for sentence in _objects(group.get("sentences")):
            for language, value in _by_language(sentence.get("sentence")).items():
                sentences.setdefault(language, []).append(value)
        for language, values in sentences.items():
            heading = names.get(language)
            line = " ".join(values)
            by_language.setdefault(language, []).append(f"{heading}: {line}" if heading else line)
    joined = {language: "\n".join(lines) for language, lines in by_language.items()}
    return _preferred(joined, order)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_NAMES = {  # PTV's English day names -> short day names per language
    "fi": dict(zip(WEEKDAYS, ("ma", "ti", "ke", "to", "pe", "la", "su"), strict=True)),
    "sv": dict(zip(WEEKDAYS, ("må", "ti", "on", "to", "fr", "lö", "sö"), strict=True)),
    "en": dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True)),
}
ALWAYS_OPEN = {"fi": "aina avoinna", "sv": "alltid öppet", "en": "always open"}


def _clock(value: Any) -> str | None:
    """ "08:30:00" -> "8.30", the Finnish and Swedish way of writing a time."""
    text = _text(value)
    if not text or not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
        return None
    hours, minutes = text.split(":")[:2]
    return f"{int(hours)}.{minutes}"


def _opening_hours(channel: JsonObject, order: Sequence[str]) -> str | None:
    """The regular weekly hours in force, as short text ("ma–pe 8.00–15.00"), with the
    source's additional note. Exceptional hours (holidays) and future periods are left out:
    Polku shows one line of regular hours, and the PTV page has the rest."""
    language = order[0] if order and order[0] in DAY_NAMES else "fi"
    days = DAY_NAMES[language]
    parts: list[str] = []
    for hours in _objects(channel.get("serviceHours")):
        if hours.get("serviceHourType") != "DaysOfTheWeek" or hours.get("validForNow") is False:
            continue
        if hours.get("isAlwaysOpen"):
            parts.append(ALWAYS_OPEN[language])
        for opening in _objects(hours.get("openingHour")):
            first, last = days.get(str(opening.get("dayFrom"))), days.get(str(opening.get("dayTo")))
            start, end = _clock(opening.get("from")), _clock(opening.get("to"))
            if first and start and end:
                span = f"{first}–{last}" if last and last != first else first
                parts.append(f"{span} {start}–{end}")
        note = _preferred(_by_language(hours.get("additionalInformation")), order)
        if note:
            parts.append(note)
    return "; ".join(dict.fromkeys(parts)) or None


def _description(channel: JsonObject, order: Sequence[str]) -> str | None:
    descriptions = _objects(channel.get("serviceChannelDescriptions"))

    def of_type(*types: str) -> str | None:
        texts = {
            language: text
            for item in descriptions
            if item.get("type") in types
            and (language := _text(item.get("language")))
            and (text := _long_text(item.get("value")))
        }
        return _preferred(texts, order)

    summary = of_type("Summary", "ShortDescription")  # ShortDescription: v7 and older
    description = of_type("Description")
    if summary and description and summary not in description:
        return f"{summary}\n\n{description}"
    return description or summary


def _website(items: Any, order: Sequence[str] = LANGUAGE_ORDER) -> str | None:
    pages = [page for page in _objects(items) if _text(page.get("url"))]
    chosen = _preferred_item(pages, order)
    return _text(chosen.get("url")) if chosen else None


class _ChannelReader:
    def __init__(
        self,
        collected: _Collected,
        municipality_regions: Mapping[str, str],
        mapping: PtvServiceMapping,
    ) -> None:
        self.collected = collected
        self.municipality_regions = municipality_regions
        self.mapping = mapping

    def record(
        self, item: _Item, errors: list[str], warnings: list[str]
    ) -> tuple[ProviderRecord | None, _ServiceNames]:
        channel = item.data
        languages: list[str] = []  # only Polku's three languages, in PTV's order
        raw_languages = channel.get("languages")
        for language in raw_languages if isinstance(raw_languages, list) else []:
            if language in LANGUAGE_ORDER and language not in languages:
                languages.append(language)
        # A unit that serves in Swedish and not in Finnish shows its Swedish texts first,
        # so that street, post office and description come in the same language.
        order = (
            ("sv", "fi", "en") if "sv" in languages and "fi" not in languages else LANGUAGE_ORDER
        )
        names = channel.get("serviceChannelNames")
        name = _preferred(_by_language(names, types=("Name",)), order)
        if name is None:  # only an AlternativeName: still the name PTV shows
            name = _preferred(_by_language(names), order)
        if name is None:
            errors.append("the channel has no name")

        organisation_name = organisation_type = organisation_website = None
        organisation_id = _guid(channel.get("organizationId"))
        if organisation_id is None:
            errors.append("the channel has no organizationId")
        elif (organisation := self.collected.organisations.get(organisation_id)) is None:
            # We never invent an organisation: fetch it and import again.
            errors.append(f"organisation {organisation_id} is not in the given files")
        else:
            data = organisation.data
            organisation_name = _preferred(
                _by_language(data.get("organizationNames"), types=("Name",))
            )
            if organisation_name is None:
                errors.append(f"organisation {organisation_id} has no name")
            organisation_type = _text(data.get("organizationType"))
            organisation_website = _website(data.get("webPages"))

        address = _visiting_address(channel)
        street_address = postal_code = post_office = municipality_code = None
        if address is not None:
            # Street and PO box addresses keep their parts under `streetAddress`; an
            # "Other" address (a point on the map) under `otherAddress`.
            parts = _object(address.get("streetAddress")) or _object(address.get("otherAddress"))
            street = _preferred(_by_language(parts.get("street")), order)
            number = _text(parts.get("streetNumber"))
            street_address = f"{street} {number}" if street and number else street
            postal_code = _text(parts.get("postalCode"))
            post_office = _preferred(_by_language(parts.get("postOffice")), order)
            municipality = parts.get("municipality")
            if isinstance(municipality, dict) and (code := _text(municipality.get("code"))):
                municipality_code = code.zfill(3)

        region_code = None
        if municipality_code is None:
            errors.append("no visiting (Location) address with a municipality: region unknown")
        else:
            region_code = self.municipality_regions.get(municipality_code)
            if region_code is None:
                errors.append(f"municipality {municipality_code} is not a known municipality")
            elif region_code in ("", OUTSIDE_SYSTEM_REGION_CODE):
                errors.append(
                    f"municipality {municipality_code} is in Åland, outside the wellbeing regions"
                )
                region_code = None

        publishing_status = _text(channel.get("publishingStatus"))
        status = STATUSES.get(publishing_status or "")
        if status is None:
            warnings.append(
                f"publishingStatus {publishing_status!r} is not Published, Deleted or "
                "Archived: imported to verify"
            )
            status = "verify"

        modified_at = _timestamp(channel.get("modified"))
        if channel.get("modified") is not None and modified_at is None:
            warnings.append(f"modified {channel.get('modified')!r} is not an ISO date and time")
        modified = modified_at.date() if modified_at else None

        services = _linked_services(channel, self.collected.services, self.mapping)
        if errors or name is None or organisation_name is None or region_code is None:
            return None, services
        email = _preferred_item(
            [e for e in _objects(channel.get("emails")) if _text(e.get("value"))], order
        )
        return (
            ProviderRecord(
                external_id=f"{SOURCE}:{item.id}",
                organization_name=organisation_name,
                organisation_type=organisation_type,
                organization_website=organisation_website,
                name=name,
                region_code=region_code,
                municipality_code=municipality_code,
                street_address=street_address,
                postal_code=postal_code,
                post_office=post_office,
                phone=_phone(channel, order),
                email=_text(email.get("value")) if email else None,
                website=_website(channel.get("webPages"), order),
                accessibility=_accessibility(channel, address, order),
                opening_hours=_opening_hours(channel, order),
                description=_description(channel, order),
                services=list(services.codes.services),
                activities=list(services.codes.activities),
                target_groups=list(services.codes.target_groups),
                languages=languages,
                services_text="; ".join(services.text) or None,
                status=status,
                status_text=publishing_status,
                # Only a published channel has a public page to point to.
                source_url=PUBLIC_PAGE_URL.format(id=item.id) if status == "current" else None,
                source_date=modified.isoformat() if modified else None,
                modified=modified,
            ),
            services,
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
    parsed = ParsedSource(SOURCE)
    collected = _collect(paths, parsed)
    reader = _ChannelReader(collected, municipality_regions, mapping)
    ignored: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    not_in_files = 0
    for item in collected.channels.values():
        channel_type = _text(item.data.get("serviceChannelType"))
        if channel_type != SERVICE_LOCATION:
            ignored[channel_type or "no type"] += 1
            continue
        errors: list[str] = []
        warnings: list[str] = []
        record, services = reader.record(item, errors, warnings)
        parsed.errors.extend(ImportProblem(item.where, message) for message in errors)
        parsed.warnings.extend(ImportProblem(item.where, message) for message in warnings)
        unmapped.update(services.unmapped)
        not_in_files += services.not_in_files
        if record is not None:
            parsed.records.append(record)
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
    return parsed
