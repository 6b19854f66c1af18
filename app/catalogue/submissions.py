"""Submissions: public corrections of entries and site feedback; validation, spam limits,
moderation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.accounts import FORM_WINDOW, address_key, purge_expired, recent_count
from app.models import Provider, Submission, ThrottleEvent, User

MAX_MESSAGE = 2000
MAX_CONTACT = 200
MAX_PER_ADDRESS_PER_HOUR = 5
KINDS = ("correction", "feedback")


@dataclass(frozen=True)
class SubmissionOutcome:
    """Saved, or the error key per field, or throttled; a filled honeypot looks saved."""

    saved: bool
    errors: dict[str, str]
    throttled: bool = False


def submit(
    *, session: Session, kind: str, message: str, contact: str, honeypot: str, address: str,
    secret: str, provider: Provider | None = None, now: dt.datetime | None = None,
) -> SubmissionOutcome:  # fmt: skip
    """Validate and keep a correction or feedback for the moderators."""
    now = now or dt.datetime.now(dt.UTC)
    message, contact = message.strip(), " ".join(contact.split())
    errors: dict[str, str] = {}
    if not message:
        errors["message"] = "required"
    elif len(message) > MAX_MESSAGE:
        errors["message"] = "too-long"
    if len(contact) > MAX_CONTACT:
        errors["contact"] = "too-long"
    if errors:
        return SubmissionOutcome(False, errors)
    if honeypot.strip():
        return SubmissionOutcome(True, {})  # a bot: answer as usual, keep nothing
    # Only a keyed hash of the address is kept, and only for the hour (PR-02).
    key = address_key("form:", address, secret=secret, now=now)
    purge_expired(session, now)
    if recent_count(session, key, now, FORM_WINDOW) >= MAX_PER_ADDRESS_PER_HOUR:
        session.commit()
        return SubmissionOutcome(False, {}, throttled=True)
    session.add(ThrottleEvent(key=key, at=now))
    item = Submission(
        kind=kind, provider_id=provider.id if provider else None,
        region_code=provider.region_code if provider else None,
        message=message, contact=contact or None, created_at=now,
    )  # fmt: skip
    session.add(item)
    session.commit()
    return SubmissionOutcome(True, {})


def open_submissions(*, session: Session, user: User) -> list[tuple[Submission, Provider | None]]:
    """Open items the user moderates: corrections of their regions; feedback for admins."""
    statement = (
        select(Submission, Provider)
        .join(Provider, col(Provider.id) == Submission.provider_id, isouter=True)
        .where(Submission.status == "open")
        .order_by(col(Submission.created_at))
    )
    if user.role != "admin":
        statement = statement.where(col(Submission.region_code).in_(user.region_codes()))
    return [(item, provider) for item, provider in session.exec(statement).all()]


def may_moderate(user: User, item: Submission) -> bool:
    """Admins moderate everything; coordinators the corrections of their own regions."""
    return user.role == "admin" or (
        item.kind == "correction" and item.region_code in user.region_codes()
    )


def resolve(*, session: Session, item: Submission, user: User, accepted: bool) -> None:
    """Mark an item accepted (the change is then made through the normal edit) or dismissed."""
    item.status = "accepted" if accepted else "dismissed"
    item.handled_by = user.id
    item.handled_at = dt.datetime.now(dt.UTC)
    session.add(item)
    session.commit()
