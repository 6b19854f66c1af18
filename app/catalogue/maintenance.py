"""Keeping entries true: the review list, validated edits, checks, closing, the change log."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import case, or_
from sqlmodel import Session, col, delete, func, select

from app.catalogue.fields import ProviderChoices, ProviderUpdate
from app.catalogue.policy import AVAILABILITY_FIELDS, STALE_AFTER
from app.catalogue.providers import ProviderDetail, provider_details
from app.catalogue.values import CODE_SEPARATOR, text_or_none
from app.catalogue.vocabularies import Vocabularies
from app.models import (
    PROVIDER_CODE_TABLES,
    ChangeLogEntry,
    ImportConflict,
    Municipality,
    Organization,
    Provider,
    User,
)

# What the form edits, from its model: free texts with their maximum lengths, the other
# single values, and the code lists (each stored in its link table).
TEXT_FIELDS = ProviderUpdate.text_fields()
CODE_FIELDS = {name: PROVIDER_CODE_TABLES[name] for name in ProviderUpdate.code_fields()}
VALUE_FIELDS = tuple(name for name in ProviderUpdate.model_fields if name not in CODE_FIELDS)
# Problems are listed in the order the form is checked: lengths, the required name,
# formats (in `ProviderUpdate.FORMATS` order), numbers, then choices.
_CHECK_ORDER = {"string_too_long": 0, "missing": 1, "format": 2, "choice": 4}
_FORM_ERROR = {"string_too_long": "too-long", "missing": "required"}  # others: "invalid"


def _code_list(value: object) -> Sequence[str]:
    """A validated form's code list (validate_provider_form makes every code field a list)."""
    assert isinstance(value, list)  # noqa: S101 – a programming error, not bad input
    return value


REVIEW_PAGE_SIZE = 200  # entries per admin home page: a national catalogue has 100 000


@dataclass(frozen=True)
class ReviewList:
    """One page of a coordinator's entries, oldest check first, with the counts of all."""

    entries: list[ProviderDetail]
    total: int
    stale: int
    page: int = 1
    page_count: int = 1


def review_list(
    *, session: Session, regions: set[str] | None, today: dt.date, page: int = 1,
    per_page: int = REVIEW_PAGE_SIZE,
) -> ReviewList:  # fmt: skip
    """Entries of the given regions (all when None), never checked or oldest check first.

    Ordered, counted and cut to one page in the database, so that the page costs the same
    whatever the size of the catalogue.
    """
    scope = [col(Provider.region_code).in_(regions)] if regions is not None else []
    total = session.exec(select(func.count()).select_from(Provider).where(*scope)).one()
    stale_condition = or_(
        col(Provider.assured_date).is_(None), col(Provider.assured_date) < today - STALE_AFTER
    )
    stale = session.exec(
        select(func.count()).select_from(Provider).where(*scope, stale_condition)
    ).one()
    page_count = max(1, -(-total // per_page))
    page = min(max(1, page), page_count)
    never_checked_first = case((col(Provider.assured_date).is_(None), 0), else_=1)
    ids = session.exec(
        select(Provider.id)
        .where(*scope)
        .order_by(never_checked_first, col(Provider.assured_date), col(Provider.name),
                  col(Provider.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()  # fmt: skip
    details = provider_details(session=session, provider_ids=[pid for pid in ids if pid])
    return ReviewList(details, total, stale, page, page_count)


def clean_provider_form(form: Mapping[str, Sequence[str]]) -> dict[str, object]:
    """The form's values as the edit page shows them again: texts trimmed (one-line texts
    with their whitespace collapsed), empty text None, code lists sorted without repeats,
    free places a number or None. Choices are taken as they were sent."""
    values: dict[str, object] = {}
    for name in ProviderUpdate.model_fields:
        sent = list(form.get(name) or [])
        first = sent[0] if sent else ""
        if name in CODE_FIELDS:
            values[name] = sorted(dict.fromkeys(sent))
        elif name == "free_places":
            number = first.strip()
            # ASCII digits only: str.isdecimal() also takes "١٢" and int() reads it (BI-05)
            values[name] = int(number) if number.isascii() and number.isdecimal() else None
        elif name in TEXT_FIELDS:
            multiline = name in ProviderUpdate.MULTILINE
            values[name] = (first.strip() if multiline else " ".join(first.split())) or None
        else:
            values[name] = first or None
    return values


def _error_rank(name: str, error_type: str) -> tuple[int, int]:
    if error_type == "format":
        return _CHECK_ORDER[error_type], list(ProviderUpdate.FORMATS).index(name)
    position = list(ProviderUpdate.model_fields).index(name)
    return _CHECK_ORDER.get(error_type, 3), position  # 3: a number out of bounds or not one


def validate_provider_form(
    form: Mapping[str, Sequence[str]],
    *,
    vocabularies: Vocabularies,
    service_codes: set[str],
    municipalities: set[str],
) -> tuple[dict[str, object], dict[str, str]]:
    """Clean values and error keys by field (`ProviderUpdate`'s rules); nothing is saved
    when there is an error. The keys are "too-long", "required" and "invalid"."""
    values = clean_provider_form(form)
    checked = {name: value for name, value in values.items() if value is not None}
    free_places = (form.get("free_places") or [""])[0].strip()
    if free_places and values["free_places"] is None:
        checked["free_places"] = free_places  # not a whole number: fails as one
    choices = ProviderChoices(
        municipalities=municipalities,
        codes={
            "services": service_codes,
            "activities": set(vocabularies.activity_types),
            "target_groups": set(vocabularies.target_groups),
            "languages": set(vocabularies.languages),
        },
    )
    try:
        update = ProviderUpdate.model_validate(checked, context={"choices": choices})
    except ValidationError as invalid:
        found = {str(error["loc"][0]): error["type"] for error in invalid.errors()}
        ranked = sorted(found.items(), key=lambda item: _error_rank(*item))
        return values, {name: _FORM_ERROR.get(kind, "invalid") for name, kind in ranked}
    return update.model_dump(), {}


def _log(
    session: Session, provider: Provider, user: User, action: str, field: str,
    before: object, after: object,
) -> None:  # fmt: skip
    assert provider.id is not None  # noqa: S101 – an existing provider
    entry = ChangeLogEntry(
        provider_id=provider.id, user_id=user.id, source="web", action=action,
        field=field, before=text_or_none(before), after=text_or_none(after),
    )  # fmt: skip
    session.add(entry)


def apply_edit(
    *, session: Session, detail: ProviderDetail, values: Mapping[str, object], user: User,
    today: dt.date,
) -> int:  # fmt: skip
    """Save the changed fields in one transaction, one change-log entry per field."""
    provider = detail.provider
    changed = 0
    for name in VALUE_FIELDS:
        before, after = getattr(provider, name), values[name]
        if before != after:
            setattr(provider, name, after)
            _log(session, provider, user, "edit", name, before, after)
            changed += 1
            if name in AVAILABILITY_FIELDS:
                provider.availability_date = today
    for name, table in CODE_FIELDS.items():
        before_codes = sorted(getattr(detail, name))
        after_codes = list(_code_list(values[name]))
        if before_codes != after_codes:
            session.exec(delete(table).where(col(table.provider_id) == detail.id))
            session.add_all(table(provider_id=detail.id, code=code) for code in after_codes)
            _log(
                session, provider, user, "edit", field=name, before=before_codes, after=after_codes
            )
            changed += 1
    if changed:
        provider.updated_at = dt.datetime.now(dt.UTC)
        session.add(provider)
    session.commit()
    return changed


def mark_checked(*, session: Session, provider: Provider, user: User, today: dt.date) -> None:
    """A person confirmed the entry today."""
    _log(
        session,
        provider,
        user,
        "checked",
        field="assured_date",
        before=provider.assured_date,
        after=today,
    )
    provider.assured_date = today
    session.add(provider)
    session.commit()


def set_closed(*, session: Session, provider: Provider, user: User, closed: bool) -> None:
    """Close an entry (never deleted) or reopen it for checking."""
    new_status = "closed" if closed else "verify"
    if provider.status == new_status:
        return
    _log(session, provider, user, "close" if closed else "reopen", field="status",
         before=provider.status, after=new_status)  # fmt: skip
    provider.status = new_status
    session.add(provider)
    session.commit()


def change_log(*, session: Session, provider_id: int) -> list[tuple[ChangeLogEntry, str | None]]:
    """Changes to one provider, newest first, with the username of whoever made them."""
    statement = (
        select(ChangeLogEntry, User.username)
        .join(User, col(User.id) == ChangeLogEntry.user_id, isouter=True)
        .where(ChangeLogEntry.provider_id == provider_id)
        .order_by(col(ChangeLogEntry.at).desc(), col(ChangeLogEntry.id).desc())
    )
    return [(entry, username) for entry, username in session.exec(statement).all()]


def open_conflicts(*, session: Session, provider_id: int) -> list[ImportConflict]:
    """Values an import brought that differ from a person's later edit, oldest first."""
    statement = (
        select(ImportConflict)
        .where(ImportConflict.provider_id == provider_id, ImportConflict.status == "open")
        .order_by(col(ImportConflict.id))
    )
    return list(session.exec(statement).all())


def providers_with_conflicts(*, session: Session, regions: set[str] | None) -> list[Provider]:
    """Entries with open import conflicts, of the given regions (all when None)."""
    statement = (
        select(Provider)
        .where(col(Provider.id).in_(select(ImportConflict.provider_id).where(
            ImportConflict.status == "open")))
        .order_by(col(Provider.name), col(Provider.id))
    )  # fmt: skip
    if regions is not None:
        statement = statement.where(col(Provider.region_code).in_(regions))
    return list(session.exec(statement).all())


def resolve_conflict(
    *, session: Session, detail: ProviderDetail, conflict: ImportConflict, user: User,
    accept: bool,
) -> None:  # fmt: skip
    """Take the imported value (an edit like any other) or keep the person's value."""
    conflict.status = "accepted" if accept else "dismissed"
    conflict.handled_by = user.id
    conflict.handled_at = dt.datetime.now(dt.UTC)
    session.add(conflict)
    if accept:
        provider, name, incoming = detail.provider, conflict.field, conflict.incoming_value
        if name in CODE_FIELDS:
            table = CODE_FIELDS[name]
            codes = incoming.split(CODE_SEPARATOR) if incoming else []
            session.exec(delete(table).where(col(table.provider_id) == detail.id))
            session.add_all(table(provider_id=detail.id, code=code) for code in codes)
            before: object = sorted(getattr(detail, name))
        else:
            before = getattr(provider, name)
            setattr(provider, name, incoming)
        _log(session, provider, user, "edit", name, before, incoming)
        provider.updated_at = dt.datetime.now(dt.UTC)
        session.add(provider)
    session.commit()


def region_municipalities(*, session: Session, region_code: str) -> list[Municipality]:
    """Municipalities of a region (for the edit form)."""
    statement = select(Municipality).where(Municipality.region_code == region_code)
    return sorted(session.exec(statement).all(), key=lambda m: m.name_fi)


def create_provider(
    *, session: Session, values: Mapping[str, object], region_code: str, organization_name: str,
    user: User, today: dt.date,
) -> Provider:  # fmt: skip
    """A new entry made by a maintainer: current, checked today, every field logged."""
    organization = session.exec(
        select(Organization).where(Organization.name == organization_name)
    ).first() or Organization(name=organization_name)
    session.add(organization)
    session.flush()
    assert organization.id is not None  # noqa: S101 – flushed above
    provider = Provider(
        external_id=f"web:{uuid.uuid4()}", organization_id=organization.id, name="",
        region_code=region_code, status="current", source_date=today.isoformat(),
        source_year=today.year, assured_date=today,
    )  # fmt: skip
    for name in VALUE_FIELDS:
        setattr(provider, name, values[name])
    if provider.free_places is not None or provider.waiting_time:
        provider.availability_date = today
    session.add(provider)
    session.flush()
    assert provider.id is not None  # noqa: S101 – flushed above
    for name, table in CODE_FIELDS.items():
        session.add_all(
            table(provider_id=provider.id, code=code) for code in _code_list(values[name])
        )
    _log(session, provider, user, "create", "name", None, provider.name)
    session.commit()
    return provider
