"""Maintainers' edits of a region's organiser pages (`RegionServicePage`, first loaded from
region_service_pages.csv by `init`): the form's rows, their validation, and saving them with
an entry per change in the region's change log.

A predecessor's page (`is_historical`) is never linked and is not on the form: a save leaves
it as it is. The maintainers' `notes` are shown to maintainers only, and never edited here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.contacts import (
    PAGE_LANGUAGES,
    SERVICE_PAGE_SUBJECT,
    SERVICE_PAGE_TOPICS,
    log_region_change,
    valid_phone,
    valid_source_date,
    valid_web_address,
)
from app.models import RegionServicePage, User

# The fields a maintainer edits on every page, with their longest allowed length. The topic is
# chosen when a page is added; a page under the wrong topic is removed and added again.
PAGE_FIELDS: dict[str, int] = {
    "url": 500,
    "page_title": 300,
    "page_lang": 2,  # one of PAGE_LANGUAGES, or None: not known
    "phone": 40,
    "hours_fi": 200,
    "source_date": 10,
}
TOPIC_FIELD = "topic"
# The problem of a page language that is not one of the choices (a crafted or stale form).
UNKNOWN_LANGUAGE = "unknown-language"
NEW_PAGE = "new"  # the key of the page being added
FORM_PREFIX = "page"  # form field names: page-<key>-<field>, apart from the contacts' names
# Writes one change-log entry: action, the page's number, field, before, after.
ChangeLogger = Callable[[str, int, str, str | None, str | None], None]


@dataclass
class PageRow:
    """One page as the edit form shows it: `key` is the row id, or NEW_PAGE; `number` is its
    place on the form, from 1 (the change log names a page by it)."""

    key: str
    number: int
    topic: str | None
    values: dict[str, str | None]
    notes: str | None = None
    remove: bool = False

    def name(self, field: str) -> str:
        """The form field name (and error key) of one of this page's fields."""
        return f"{FORM_PREFIX}-{self.key}-{field}"


def current_pages(*, session: Session, region_code: str) -> list[RegionServicePage]:
    """A region's current (not historical) pages, by topic and then in their order."""
    statement = (
        select(RegionServicePage)
        .where(RegionServicePage.region_code == region_code, ~col(RegionServicePage.is_historical))
        .order_by(col(RegionServicePage.position), col(RegionServicePage.id))
    )
    rows = list(session.exec(statement).all())
    order = {topic: index for index, topic in enumerate(SERVICE_PAGE_TOPICS)}
    return sorted(rows, key=lambda row: order.get(row.topic, len(order)))


def _stored_row(number: int, page: RegionServicePage) -> PageRow:
    values = {name: getattr(page, name) for name in PAGE_FIELDS}
    return PageRow(str(page.id), number, page.topic, values, page.notes)


def empty_page(number: int) -> PageRow:
    """The empty page to add, as the form first shows it."""
    return PageRow(NEW_PAGE, number, None, dict.fromkeys(PAGE_FIELDS))


def page_form_rows(pages: Sequence[RegionServicePage]) -> list[PageRow]:
    """The stored pages and an empty one to add, as the form first shows them."""
    rows = [_stored_row(number, page) for number, page in enumerate(pages, start=1)]
    return [*rows, empty_page(len(rows) + 1)]


def _problem(name: str, value: str | None) -> str | None:
    """The problem with one value ("required", "too-long", "invalid" or
    `UNKNOWN_LANGUAGE`), or None."""
    if value is None:
        return "required" if name in (TOPIC_FIELD, "url") else None
    if name == TOPIC_FIELD:
        return None if value in SERVICE_PAGE_TOPICS else "invalid"
    if name == "page_lang":
        return None if value in PAGE_LANGUAGES else UNKNOWN_LANGUAGE
    if len(value) > PAGE_FIELDS[name]:
        return "too-long"
    checks = {"url": valid_web_address, "phone": valid_phone, "source_date": valid_source_date}
    check = checks.get(name)
    return "invalid" if check is not None and not check(value) else None


def _sent(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    """A one-line text as sent: whitespace collapsed, empty None."""
    return " ".join((form.get(name) or [""])[0].split()) or None


def validate_page_form(
    form: Mapping[str, Sequence[str]], pages: Sequence[RegionServicePage]
) -> tuple[list[PageRow], dict[str, str]]:
    """The sent pages and the problems by form field name (`page-<key>-<field>`); nothing
    is saved when there is a problem.

    A stored page the form did not send (added meanwhile on another node) is kept as it is;
    the new page is ignored while its fields are empty."""
    found: list[PageRow] = []
    errors: dict[str, str] = {}
    for row in page_form_rows(pages):
        if row.name("url") not in form:
            continue
        row.values = {name: _sent(form, row.name(name)) for name in PAGE_FIELDS}
        row.remove = bool(form.get(row.name("remove")))
        checked = list(PAGE_FIELDS)
        if row.key == NEW_PAGE:
            if all(value is None for value in row.values.values()):
                continue
            row.topic = _sent(form, row.name(TOPIC_FIELD))
            checked = [TOPIC_FIELD, *checked]
        found.append(row)
        if row.remove:
            continue
        values = {TOPIC_FIELD: row.topic, **row.values}
        for name in checked:
            if problem := _problem(name, values[name]):
                errors[row.name(name)] = problem
    return found, errors


def save_service_pages(
    *, session: Session, region_code: str, sent: Sequence[PageRow], user: User
) -> int:
    """Apply a validated form in one transaction, one change-log entry per changed field
    (and per page added or removed); return how many entries were written."""
    stored = current_pages(session=session, region_code=region_code)
    rows = {str(page.id): (number, page) for number, page in enumerate(stored, start=1)}
    changes = 0

    def log(action: str, number: int, field: str, before: str | None, after: str | None) -> None:
        nonlocal changes
        log_region_change(session, region_code, user, action, number, field, before, after,
                          subject=SERVICE_PAGE_SUBJECT)  # fmt: skip
        changes += 1

    for item in sent:
        if item.key == NEW_PAGE:
            if not item.remove:  # a crafted form: the new page has no remove box
                _add_page(session, region_code, item, len(stored) + 1, log)
            continue
        if item.key not in rows:
            continue  # removed meanwhile on another node: nothing to edit
        number, page = rows[item.key]
        if item.remove:
            log("remove", number, "url", page.url, None)
            session.delete(page)
            continue
        for name in PAGE_FIELDS:
            before, after = getattr(page, name), item.values[name]
            if before != after:
                setattr(page, name, after)
                log("edit", number, name, before, after)
        session.add(page)
    session.commit()
    return changes


def _add_page(
    session: Session, region_code: str, item: PageRow, number: int, log: ChangeLogger
) -> None:
    """Add the new page after every page of the region (historical ones included)."""
    positions = session.exec(
        select(RegionServicePage.position).where(RegionServicePage.region_code == region_code)
    ).all()
    page = RegionServicePage(
        region_code=region_code,
        position=max(positions, default=-1) + 1,
        topic=item.topic or "",
        url=item.values["url"] or "",
    )
    log("add", number, TOPIC_FIELD, None, item.topic)
    for name in PAGE_FIELDS:
        setattr(page, name, item.values[name])
        if item.values[name] is not None:
            log("add", number, name, None, item.values[name])
    session.add(page)
