"""Where to ask: each region's contact channels and the organisers' own service pages.

The facts come from bundled CSV files (app/content/data/region_contacts.csv and
region_service_pages.csv), loaded into the database by `init` so that a maintainer can
correct them without a deploy. Their English columns (`applies_to`, `verify_note`,
`notes`) are maintainers' notes: nothing here hands them to a page or an API answer.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from sqlmodel import Session, SQLModel, col, select

from app.models import (
    EmploymentArea,
    EmploymentAreaChangeLogEntry,
    EmploymentAreaMember,
    Municipality,
    Region,
    RegionChangeLogEntry,
    RegionContact,
    RegionServicePage,
    User,
)

DATA_DIR = Path(__file__).resolve().parent / "content" / "data"
EMERGENCY_KIND = "emergency"  # urgent matters only: never the first suggestion
HISTORICAL_MARK = "HISTORICAL"  # region_service_pages.csv: a predecessor's page, never linked
SERVICE_PAGE_TOPICS = ("ktt", "social-rehab", "disability-work", "advice")
# The languages an organiser's page may be marked as being in (RegionServicePage.page_lang).
PAGE_LANGUAGES = ("fi", "sv", "en")
# Työmarkkinatori's page for people who are or are becoming unemployed: it says to register
# as a jobseeker in the Oma asiointi e-service. Checked in the stored copy of the page
# (December 2026); it is in Finnish.
JOBSEEKER_REGISTRATION_URL = (
    "https://tyomarkkinatori.fi/henkiloasiakkaat/tilanteet/olen-tyoton-tai-jaamassa-tyottomaksi"
)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def _positioned(rows: Iterator[dict[str, str]]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row with its position among the rows of its region (the file's order)."""
    seen: dict[str, int] = {}
    for row in rows:
        position = seen.get(row["region_code"], 0)
        seen[row["region_code"]] = position + 1
        yield position, row


def _replace_rows(
    session: Session,
    model: type[SQLModel],
    values: list[dict[str, Any]],
    keep_regions: frozenset[str] = frozenset(),
) -> int:
    """Insert or update the rows keyed by (region, position); drop rows the file no longer has.
    The rows of `keep_regions` are left as they are, whatever the file says."""
    values = [value for value in values if value["region_code"] not in keep_regions]
    existing = {
        (row.region_code, row.position): row  # type: ignore[attr-defined]
        for row in session.exec(select(model))
        if row.region_code not in keep_regions  # type: ignore[attr-defined]
    }
    for value in values:
        row = existing.pop((value["region_code"], value["position"]), None)
        if row is None:
            session.add(model(**value))
            continue
        for name, item in value.items():
            setattr(row, name, item)
    for row in existing.values():
        session.delete(row)
    return len(values)


# What a region change-log entry is about: `init` keeps each of them separately.
CONTACT_SUBJECT = "contact"  # a contact channel (region_contacts.csv)
SERVICE_PAGE_SUBJECT = "service-page"  # an organiser's own page (region_service_pages.csv)


def maintained_regions(*, session: Session, subject: str | None = None) -> frozenset[str]:
    """Regions a maintainer has edited (they have a change log): their contact channels,
    their service pages (`subject`), or either."""
    statement = select(RegionChangeLogEntry.region_code).distinct()
    if subject is not None:
        statement = statement.where(RegionChangeLogEntry.subject == subject)
    return frozenset(session.exec(statement).all())


def load_region_contacts(*, session: Session, data_dir: Path = DATA_DIR) -> tuple[int, int]:
    """Load the contact channels and service pages; return how many of each were loaded.

    The channels of a region whose channels a maintainer has edited (`maintained_regions`)
    are kept as the maintainers left them, and so are the service pages of a region whose
    pages a maintainer has edited: the bundled file never overwrites a person's edit."""
    contacts = [
        {
            "region_code": row["region_code"],
            "position": position,
            "channel_kind": row["channel_kind"],
            "channel_name_fi": row["channel_name_fi"].strip(),
            "phone": _text(row["phone"]),
            "hours_fi": _text(row["hours_fi"]),
            "web_url": _text(row["chat_or_web_url"]),
            "applies_to": _text(row["applies_to"]),
            "source_url": _text(row["source_url"]),
            "source_date": _text(row["source_date"]),
            "verify_note": _text(row["verify_note"]),
        }
        for position, row in _positioned(_rows(data_dir / "region_contacts.csv"))
    ]
    pages = [
        {
            "region_code": row["region_code"],
            "position": position,
            "topic": row["topic"],
            "url": row["url"].strip(),
            "page_title": _text(row["page_title"]),
            "page_lang": _page_lang(row, line),
            "phone": _text(row["phone"]),
            "hours_fi": _text(row["hours_fi"]),
            "source_date": _text(row["source_date"]),
            "is_historical": (row["notes"] or "").lstrip().startswith(HISTORICAL_MARK),
            "notes": _text(row["notes"]),
        }
        for line, (position, row) in enumerate(
            _positioned(_rows(data_dir / "region_service_pages.csv")), start=2
        )
    ]
    kept_contacts = maintained_regions(session=session, subject=CONTACT_SUBJECT)
    kept_pages = maintained_regions(session=session, subject=SERVICE_PAGE_SUBJECT)
    counts = (
        _replace_rows(session, RegionContact, contacts, kept_contacts),
        _replace_rows(session, RegionServicePage, pages, kept_pages),
    )
    session.commit()
    return counts


def _page_lang(row: Mapping[str, str | None], line: int) -> str | None:
    """A page's language as the file gives it (empty: not known); anything else stops the load."""
    value = _text(row.get("page_lang"))
    if value is not None and value not in PAGE_LANGUAGES:
        raise ValueError(f"region_service_pages.csv, line {line}: unknown page_lang {value!r}")
    return value


_SOURCE_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def display_date(value: str | None) -> str | None:
    """A source date as Finnish, Swedish and English readers write it: 22.2.2024, 12/2022."""
    match = _SOURCE_DATE.match(value or "")
    if match is None:
        return None
    year, month, day = match.groups()
    if day:
        return f"{int(day)}.{int(month)}.{year}"
    if month:
        return f"{int(month)}/{year}"
    return year


def phone_href(phone: str) -> str | None:
    """A `tel:` address in international form for a Finnish number as printed (019 5600 111)."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("+"):
        return f"tel:{digits}"
    if digits.startswith("0") and len(digits) >= 6:
        return f"tel:+358{digits[1:]}"
    return None


@dataclass(frozen=True)
class Channel:
    """One public way to reach a region's social services (no maintainers' notes)."""

    kind: str
    name_fi: str
    phone: str | None
    tel: str | None
    hours_fi: str | None
    web_url: str | None
    web_host: str | None
    source_url: str | None
    source_date: str | None  # as stored: YYYY, YYYY-MM or YYYY-MM-DD
    source_date_text: str | None  # for display


@dataclass(frozen=True)
class ServicePage:
    """A current page of the organiser about one topic (never a predecessor's page), with the
    phone number and hours it gives for that service (no maintainers' notes)."""

    topic: str
    url: str
    host: str
    title: str | None  # as the page itself is titled, in the page's language
    # That language: as the bundled data or a maintainer gives it (`page_lang`), else when
    # its address says it (`page_language`); None when not known.
    title_lang: str | None
    phone: str | None
    tel: str | None
    hours_fi: str | None
    source_date: str | None
    source_date_text: str | None


@dataclass(frozen=True)
class WhereToAsk:
    """Everything the public may see about where to ask in one region."""

    region: Region
    channels: list[Channel]  # in the source's order, emergency lines left out
    emergency: list[Channel]  # urgent matters only: shown as a secondary line
    service_pages: list[ServicePage]

    @property
    def has_direct_number(self) -> bool:
        """True when at least one non-emergency channel has a phone number."""
        return any(channel.phone for channel in self.channels)

    def repeats_a_channel(self, page: ServicePage) -> bool:
        """True when a page gives the number of a channel already shown above it."""
        return page.tel is not None and any(
            page.tel == channel.tel for channel in (*self.channels, *self.emergency)
        )


def _channel(row: RegionContact) -> Channel:
    return Channel(
        kind=row.channel_kind,
        name_fi=row.channel_name_fi,
        phone=row.phone,
        tel=phone_href(row.phone) if row.phone else None,
        hours_fi=row.hours_fi,
        web_url=row.web_url,
        web_host=_host(row.web_url) if row.web_url else None,
        source_url=row.source_url,
        source_date=row.source_date,
        source_date_text=display_date(row.source_date),
    )


def _host(url: str) -> str:
    """The site part of an address, as readers know it (no www.)."""
    return (urlsplit(url).hostname or url).removeprefix("www.")


def page_language(url: str) -> str | None:
    """The language of a page when its address names it as a path segment (luvn.fi/fi/…,
    hel.fi/helsinki/en/…); None when the address does not say. Never guessed from words."""
    for segment in urlsplit(url).path.lower().split("/"):
        if segment in PAGE_LANGUAGES:
            return segment
    return None


def _service_page(row: RegionServicePage) -> ServicePage:
    return ServicePage(
        topic=row.topic,
        url=row.url,
        host=_host(row.url),
        title=row.page_title,
        title_lang=row.page_lang or page_language(row.url),
        phone=row.phone,
        tel=phone_href(row.phone) if row.phone else None,
        hours_fi=row.hours_fi,
        source_date=row.source_date,
        source_date_text=display_date(row.source_date),
    )


def where_to_ask(*, session: Session, regions: Sequence[Region]) -> dict[str, WhereToAsk]:
    """The public contact facts of the given regions, by region code."""
    codes = [region.code for region in regions]
    contacts = session.exec(
        select(RegionContact)
        .where(col(RegionContact.region_code).in_(codes))
        .order_by(col(RegionContact.region_code), col(RegionContact.position))
    ).all()
    pages = session.exec(
        select(RegionServicePage)
        .where(col(RegionServicePage.region_code).in_(codes), ~col(RegionServicePage.is_historical))
        .order_by(col(RegionServicePage.region_code), col(RegionServicePage.position))
    ).all()
    found: dict[str, WhereToAsk] = {}
    for region in regions:
        own = [_channel(row) for row in contacts if row.region_code == region.code]
        found[region.code] = WhereToAsk(
            region=region,
            channels=[channel for channel in own if channel.kind != EMERGENCY_KIND],
            emergency=[channel for channel in own if channel.kind == EMERGENCY_KIND],
            service_pages=[_service_page(row) for row in pages if row.region_code == region.code],
        )
    return found


def where_to_ask_in(*, session: Session, region: Region) -> WhereToAsk:
    """The public contact facts of one region."""
    return where_to_ask(session=session, regions=[region])[region.code]


# --- Whom to ask first about a service --------------------------------------------------------

REGION_FIRST = "region"  # the wellbeing region's social services (the default)
EMPLOYMENT_AREA_FIRST = "employment-area"
ELSEWHERE_FIRST = "elsewhere"  # neither (Kela, a pension provider): the service page says whom
# A plan made together by the person, the employment area and the region's social services
# (rehabilitative work activity): either may be asked first.
JOINT_PLAN = "joint-plan"


@cache
def first_contacts(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Service code -> whom to ask first, for services not started at the region's social
    services (first_contact.csv; every other service: `REGION_FIRST`)."""
    allowed = {REGION_FIRST, EMPLOYMENT_AREA_FIRST, ELSEWHERE_FIRST, JOINT_PLAN}
    found: dict[str, str] = {}
    for row in _rows(data_dir / "first_contact.csv"):
        if row["ask_first"] not in allowed:
            raise ValueError(f"first_contact.csv: unknown ask_first {row['ask_first']!r}")
        found[row["service_code"]] = row["ask_first"]
    return found


def apply_routes(services: Sequence[str]) -> list[tuple[str, list[str]]]:
    """How a person gets a place with a provider offering `services`, as (whom to ask first,
    the services that route covers), in the order of first mention. A provider with no
    service codes is reached through the region's social services, like most services."""
    routes: dict[str, list[str]] = {}
    ask_first = first_contacts()
    for code in services:
        routes.setdefault(ask_first.get(code, REGION_FIRST), []).append(code)
    return list(routes.items()) or [(REGION_FIRST, [])]


# --- Employment areas -----------------------------------------------------------------------


# What an administrator may edit of an employment area, with the longest allowed length.
AREA_FIELDS: dict[str, int] = {"website": 500, "phone": 40, "source_url": 500, "source_date": 10}


def maintained_areas(*, session: Session) -> frozenset[int]:
    """Employment areas whose site, phone or source an administrator has edited."""
    statement = select(EmploymentAreaChangeLogEntry.area_id).distinct()
    return frozenset(session.exec(statement).all())


def load_employment_areas(*, session: Session, data_dir: Path = DATA_DIR) -> tuple[int, int]:
    """Load the employment areas and their members; return (areas, member municipalities).

    A member code that is not a municipality is an error in the data file: loading stops.
    An area an administrator has edited keeps its edited fields (`AREA_FIELDS`), and is not
    deleted when the file drops it (its members still follow the file).
    """
    known = set(session.exec(select(Municipality.code)).all())
    kept = maintained_areas(session=session)
    existing = {area.name_fi: area for area in session.exec(select(EmploymentArea))}
    seen: set[str] = set()
    members: list[tuple[EmploymentArea, list[str]]] = []
    for row in _rows(data_dir / "employment_areas.csv"):
        name = row["area_name_fi"].strip()
        values = {
            "name_sv": _text(row["area_name_sv"]),
            "lead_municipality_code": _text(row["lead_municipality_code"]),
            "website": _text(row["website"]),
            "phone": _text(row["phone"]),
            "source_url": _text(row["source_url"]),
            "source_date": _text(row["source_date"]),
            "notes": _text(row["notes"]),
        }
        area = existing.get(name)
        if area is None:
            area = EmploymentArea(name_fi=name)
            session.add(area)
        for key, value in values.items():
            if area.id in kept and key in AREA_FIELDS:
                continue  # an administrator's edit wins over the file
            setattr(area, key, value)
        codes = [code.strip() for code in row["member_municipality_codes"].split(";")]
        codes = [code for code in codes if code]
        unknown = sorted(set(codes) - known)
        if unknown:
            raise ValueError(f"employment area {name}: unknown municipality codes {unknown}")
        seen.add(name)
        members.append((area, codes))
    for member in session.exec(select(EmploymentAreaMember)):
        session.delete(member)  # membership follows the file as a whole
    session.flush()
    for name, area in existing.items():
        if name not in seen and area.id not in kept:
            session.delete(area)
    session.flush()
    count = 0
    for area, codes in members:
        if area.id is None:
            raise RuntimeError("an employment area has no id after flushing")
        for code in codes:
            session.add(EmploymentAreaMember(area_id=area.id, municipality_code=code))
            count += 1
    session.commit()
    return len(members), count


@dataclass(frozen=True)
class EmploymentAreaInfo:
    """What the public may see of an employment area (no maintainers' notes)."""

    name_fi: str
    name_sv: str | None
    website: str | None
    website_host: str | None
    phone: str | None
    tel: str | None
    source_url: str | None
    source_date: str | None
    source_date_text: str | None


def _area_info(area: EmploymentArea) -> EmploymentAreaInfo:
    return EmploymentAreaInfo(
        name_fi=area.name_fi,
        name_sv=area.name_sv,
        website=area.website,
        website_host=_host(area.website) if area.website else None,
        phone=area.phone,
        tel=phone_href(area.phone) if area.phone else None,
        source_url=area.source_url,
        source_date=area.source_date,
        source_date_text=display_date(area.source_date),
    )


def employment_areas_of(
    *, session: Session, municipality_codes: Sequence[str]
) -> dict[str, EmploymentAreaInfo]:
    """The employment area of each given municipality that a source names as a member.

    A municipality in no row is simply absent: the area is never guessed.
    """
    statement = (
        select(EmploymentAreaMember.municipality_code, EmploymentArea)
        .join(EmploymentArea, col(EmploymentArea.id) == EmploymentAreaMember.area_id)
        .where(col(EmploymentAreaMember.municipality_code).in_(list(municipality_codes)))
    )
    return {code: _area_info(area) for code, area in session.exec(statement)}


@dataclass(frozen=True)
class AreaGroup:
    """An employment area and the municipalities of one region that belong to it."""

    area: EmploymentAreaInfo | None  # None: municipalities found in no area
    municipalities: list[Municipality]


def employment_areas_by_region(
    *, session: Session, municipalities: Sequence[Municipality]
) -> list[AreaGroup]:
    """The region's municipalities grouped by employment area, unknown ones last."""
    areas = employment_areas_of(
        session=session, municipality_codes=[m.code for m in municipalities]
    )
    groups: dict[str | None, AreaGroup] = {}
    for municipality in municipalities:
        area = areas.get(municipality.code)
        key = area.name_fi if area else None
        group = groups.setdefault(key, AreaGroup(area=area, municipalities=[]))
        group.municipalities.append(municipality)
    known = [group for key, group in groups.items() if key is not None]
    unknown = [group for key, group in groups.items() if key is None]
    return known + unknown


KTT_CODE = "kuntouttava-tyotoiminta"  # starts through the employment area or the region


def local_contact_pages(data_dir: Path = DATA_DIR) -> frozenset[str]:
    """Service pages that offer "where to ask in your municipality": rehabilitative work
    activity and the services whose first contact is the employment area."""
    codes = {code for code, ask in first_contacts(data_dir).items() if ask == EMPLOYMENT_AREA_FIRST}
    return frozenset({KTT_CODE, *codes})


@dataclass(frozen=True)
class LocalContacts:
    """Where a person in one municipality asks: the region's social services (None outside
    the wellbeing regions) and the employment area (None when no source names it)."""

    municipality: Municipality
    region: Region
    where: WhereToAsk | None
    employment_area: EmploymentAreaInfo | None


def local_contacts(*, session: Session, municipality_code: str) -> LocalContacts | None:
    """The contacts for a municipality; None when the code is not a municipality."""
    municipality = session.get(Municipality, municipality_code)
    if municipality is None:
        return None
    region = session.get(Region, municipality.region_code)
    if region is None:
        raise RuntimeError(f"municipality {municipality_code} has no region")
    where = where_to_ask_in(session=session, region=region) if region.is_organiser else None
    area = employment_areas_of(session=session, municipality_codes=[municipality_code])
    return LocalContacts(municipality, region, where, area.get(municipality_code))


# --- Maintainers' edits of a region's contact channels -----------------------------------

CHANNEL_KINDS = ("advice-line", "switchboard", "named-service", "chat", "own-municipality",
                 EMERGENCY_KIND)  # fmt: skip
# The fields a maintainer edits, with their longest allowed length.
CONTACT_FIELDS: dict[str, int] = {
    "channel_kind": 40,
    "channel_name_fi": 200,
    "phone": 40,
    "hours_fi": 200,
    "web_url": 500,
    "source_url": 500,
    "source_date": 10,
}
_REQUIRED = ("channel_kind", "channel_name_fi")
_PHONE = re.compile(r"^\+?[0-9 ()/-]{5,40}$")  # as printed: 019 5600 111, +358 40 733 3949
_WEB = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)  # http and https only
NEW_ROW = "new"  # the form's prefix for a channel being added


def valid_phone(value: str) -> bool:
    """True for a phone number as printed, with at least five digits."""
    return bool(_PHONE.match(value)) and sum(c.isdigit() for c in value) >= 5


def valid_web_address(value: str) -> bool:
    """True for an http or https address (never javascript:, data: or a bare host)."""
    return bool(_WEB.match(value))


def valid_source_date(value: str) -> bool:
    """True for a real date YYYY, YYYY-MM or YYYY-MM-DD in 2000–2100."""
    match = _SOURCE_DATE.match(value)
    if match is None:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return 2000 <= year <= 2100


def _field_problem(name: str, value: str | None) -> str | None:
    """The problem with one value ("required", "too-long" or "invalid"), or None."""
    if value is None:
        return "required" if name in _REQUIRED else None
    if len(value) > {**AREA_FIELDS, **CONTACT_FIELDS}[name]:
        return "too-long"
    checks = {
        "channel_kind": lambda v: v in CHANNEL_KINDS,
        "phone": valid_phone,
        "web_url": valid_web_address,
        "website": valid_web_address,
        "source_url": valid_web_address,
        "source_date": valid_source_date,
    }
    check = checks.get(name)
    return "invalid" if check is not None and not check(value) else None


@dataclass
class ContactRow:
    """One channel as the edit form shows it: `key` is the row id, or NEW_ROW."""

    key: str
    values: dict[str, str | None]
    remove: bool = False


def region_contact_rows(*, session: Session, region_code: str) -> list[RegionContact]:
    """A region's channels in their order (emergency lines included)."""
    statement = (
        select(RegionContact)
        .where(RegionContact.region_code == region_code)
        .order_by(col(RegionContact.position), col(RegionContact.id))
    )
    return list(session.exec(statement).all())


def contact_form_rows(rows: Sequence[RegionContact]) -> list[ContactRow]:
    """The stored channels and an empty one to add, as the form first shows them."""
    shown = [
        ContactRow(str(row.id), {name: getattr(row, name) for name in CONTACT_FIELDS})
        for row in rows
    ]
    return [*shown, ContactRow(NEW_ROW, dict.fromkeys(CONTACT_FIELDS))]


def validate_contact_form(
    form: Mapping[str, Sequence[str]], rows: Sequence[RegionContact]
) -> tuple[list[ContactRow], dict[str, str]]:
    """The sent channels (one-line texts, whitespace collapsed, empty None) and the problems
    by form field name (`<key>-<field>`); nothing is saved when there is a problem.

    A stored channel the form did not send (added meanwhile on another node) is kept as it
    is; the empty new row is ignored."""
    found: list[ContactRow] = []
    errors: dict[str, str] = {}
    for key in [str(row.id) for row in rows] + [NEW_ROW]:
        if f"{key}-channel_kind" not in form:
            continue
        values = {
            name: " ".join((form.get(f"{key}-{name}") or [""])[0].split()) or None
            for name in CONTACT_FIELDS
        }
        remove = bool(form.get(f"{key}-remove"))
        if key == NEW_ROW and all(values[n] is None for n in CONTACT_FIELDS if n != "channel_kind"):
            continue
        found.append(ContactRow(key, values, remove))
        if remove:
            continue
        for name, value in values.items():
            problem = _field_problem(name, value)
            if problem:
                errors[f"{key}-{name}"] = problem
    return found, errors


def log_region_change(
    session: Session, region_code: str, user: User, action: str, item: int,
    field: str | None, before: str | None, after: str | None,
    subject: str = CONTACT_SUBJECT,
) -> None:  # fmt: skip
    """Add one entry to the region's change log (committed with the change it records)."""
    entry = RegionChangeLogEntry(
        region_code=region_code, user_id=user.id, subject=subject, action=action, item=item,
        field=field, before=before, after=after,
    )  # fmt: skip
    session.add(entry)


def save_region_contacts(
    *, session: Session, region_code: str, sent: Sequence[ContactRow], user: User
) -> int:
    """Apply a validated form in one transaction, one change-log entry per changed field
    (and per channel added or removed); return how many entries were written."""
    stored = region_contact_rows(session=session, region_code=region_code)
    rows = {str(row.id): row for row in stored}
    order = list(rows)
    changes = 0
    for item in sent:
        row = rows.get(item.key)
        number = order.index(item.key) + 1 if row is not None else len(order) + 1
        if row is None and item.key != NEW_ROW:
            continue  # removed meanwhile on another node: nothing to edit
        if item.remove:
            if row is not None:
                log_region_change(session, region_code, user, "remove", number,
                                  "channel_name_fi", row.channel_name_fi, None)  # fmt: skip
                session.delete(row)
                changes += 1
            continue
        if row is None:
            position = max((r.position for r in rows.values()), default=-1) + 1
            new = RegionContact(region_code=region_code, position=position,
                                channel_kind=item.values["channel_kind"] or "named-service",
                                channel_name_fi=item.values["channel_name_fi"] or "")  # fmt: skip
            for name in CONTACT_FIELDS:
                setattr(new, name, item.values[name])
                if item.values[name] is not None:
                    log_region_change(session, region_code, user, "add", number, name, None,
                                      item.values[name])  # fmt: skip
                    changes += 1
            session.add(new)
            continue
        for name in CONTACT_FIELDS:
            before, after = getattr(row, name), item.values[name]
            if before != after:
                setattr(row, name, after)
                log_region_change(session, region_code, user, "edit", number, name, before, after)
                changes += 1
        session.add(row)
    session.commit()
    return changes


def region_change_log(
    *, session: Session, region_code: str
) -> list[tuple[RegionChangeLogEntry, str | None]]:
    """Changes to a region's channels and service pages, newest first, with the maintainer's
    username."""
    statement = (
        select(RegionChangeLogEntry, User.username)
        .join(User, col(User.id) == RegionChangeLogEntry.user_id, isouter=True)
        .where(RegionChangeLogEntry.region_code == region_code)
        .order_by(col(RegionChangeLogEntry.at).desc(), col(RegionChangeLogEntry.id).desc())
    )
    return [(entry, username) for entry, username in session.exec(statement).all()]


def list_employment_areas(*, session: Session) -> list[EmploymentArea]:
    """Every employment area, by its Finnish name."""
    return list(session.exec(select(EmploymentArea).order_by(col(EmploymentArea.name_fi))))


def validate_area_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str | None], dict[str, str]]:
    """The sent site, phone and source (whitespace collapsed, empty None) and the problems
    by field; nothing is saved when there is a problem."""
    values = {name: " ".join((form.get(name) or [""])[0].split()) or None for name in AREA_FIELDS}
    errors = {name: p for name, value in values.items() if (p := _field_problem(name, value))}
    return values, errors


def save_area(
    *, session: Session, area: EmploymentArea, values: Mapping[str, str | None], user: User
) -> int:
    """Save the changed fields in one transaction, one change-log entry per field."""
    if area.id is None:
        raise ValueError("the employment area is not stored")
    changes = 0
    for name in AREA_FIELDS:
        before, after = getattr(area, name), values[name]
        if before != after:
            setattr(area, name, after)
            entry = EmploymentAreaChangeLogEntry(
                area_id=area.id, user_id=user.id, field=name, before=before, after=after
            )
            session.add(entry)
            changes += 1
    session.add(area)
    session.commit()
    return changes


def area_change_log(
    *, session: Session, area_id: int
) -> list[tuple[EmploymentAreaChangeLogEntry, str | None]]:
    """Changes to an employment area, newest first, with the maintainer's username."""
    statement = (
        select(EmploymentAreaChangeLogEntry, User.username)
        .join(User, col(User.id) == EmploymentAreaChangeLogEntry.user_id, isouter=True)
        .where(EmploymentAreaChangeLogEntry.area_id == area_id)
        .order_by(
            col(EmploymentAreaChangeLogEntry.at).desc(), col(EmploymentAreaChangeLogEntry.id).desc()
        )
    )
    return [(entry, username) for entry, username in session.exec(statement).all()]


# --- The same facts for the JSON API ------------------------------------------------------


class ContactChannelPublic(BaseModel):
    """A way to reach a region's social services, as a public page stated it."""

    kind: str = Field(
        description="advice-line, switchboard (a general number only), named-service (named, "
        "no number known), chat, own-municipality (ask your municipality's adult social work) "
        "or emergency (urgent matters only, never the first suggestion)"
    )
    name_fi: str = Field(description="The channel's name in Finnish, as the source gives it")
    phone: str | None = Field(description="As the source printed it; null when not known")
    hours_fi: str | None = Field(description="Opening hours in Finnish, as the source gives them")
    url: str | None = Field(description="Chat or web contact page")
    source_url: str | None
    source_date: str | None = Field(description="YYYY, YYYY-MM or YYYY-MM-DD; check before use")


class ServicePagePublic(BaseModel):
    """The organiser's own current page about a topic (predecessors' pages are left out)."""

    topic: str = Field(description="ktt, social-rehab, disability-work or advice")
    url: str
    page_title: str | None = Field(description="The page's own title, in the page's language")
    page_lang: str | None = Field(
        description="The page's language (fi, sv or en), as the maintainers give it or, "
        "failing that, as its address names it (/fi/, /sv/, /en/); null when not known. "
        "Added in 2026-12."
    )
    phone: str | None = Field(
        description="The number the page gives for this topic, as printed; null when none"
    )
    hours_fi: str | None = Field(description="Its hours in Finnish, as the page gives them")
    source_date: str | None = Field(description="YYYY, YYYY-MM or YYYY-MM-DD; check before use")


def public_service_pages(where: WhereToAsk) -> list[ServicePagePublic]:
    """The organiser's current pages for the API (no maintainers' notes)."""
    return [
        ServicePagePublic(
            topic=page.topic,
            url=page.url,
            page_title=page.title,
            page_lang=page.title_lang,
            phone=page.phone,
            hours_fi=page.hours_fi,
            source_date=page.source_date,
        )
        for page in where.service_pages
    ]


def public_channels(where: WhereToAsk) -> list[ContactChannelPublic]:
    """The region's channels for the API, urgent-only lines last."""
    return [
        ContactChannelPublic(
            kind=channel.kind,
            name_fi=channel.name_fi,
            phone=channel.phone,
            hours_fi=channel.hours_fi,
            url=channel.web_url,
            source_url=channel.source_url,
            source_date=channel.source_date,
        )
        for channel in [*where.channels, *where.emergency]
    ]


class EmploymentAreaPublic(BaseModel):
    """A municipality's employment area as a source names it (never guessed)."""

    name_fi: str
    name_sv: str | None
    website: str | None
    phone: str | None
    source_url: str | None
    source_date: str | None = Field(description="YYYY, YYYY-MM or YYYY-MM-DD; check before use")


def public_area(area: EmploymentAreaInfo) -> EmploymentAreaPublic:
    """The employment area for the API."""
    return EmploymentAreaPublic(
        name_fi=area.name_fi,
        name_sv=area.name_sv,
        website=area.website,
        phone=area.phone,
        source_url=area.source_url,
        source_date=area.source_date,
    )
