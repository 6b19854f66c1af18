"""Maintainer accounts: creation, password checks (argon2) and sign-in throttling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, delete, func, select

from app.models import Region, ThrottleEvent, User

ROLES = ("admin", "coordinator")
MIN_PASSWORD_LENGTH = 12
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20

_hasher = PasswordHasher()
# Verified when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for equal timing")


class AccountError(ValueError):
    """A user cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    user: User | None
    throttled: bool = False


def create_user(
    *, session: Session, username: str, password: str, role: str, regions: list[str]
) -> User:
    """Create an account with an argon2 password hash."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("username must be 1–64 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if role == "coordinator" and not regions:
        raise AccountError("a coordinator needs at least one --region")
    known = set(session.exec(select(Region.code).where(col(Region.is_organiser))).all())
    if unknown := set(regions) - known:
        raise AccountError(f"unknown region codes: {', '.join(sorted(unknown))}")
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"user {username!r} already exists")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        regions=",".join(sorted(set(regions))),
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def _recent_failures(session: Session, key: str, now: dt.datetime) -> int:
    since = now - THROTTLE_WINDOW
    statement = select(func.count()).where(ThrottleEvent.key == key, ThrottleEvent.at >= since)
    return int(session.exec(statement).one())


def authenticate(
    *, session: Session, username: str, password: str, address: str, now: dt.datetime | None = None
) -> SignIn:
    """Check a username and password, throttled per account and per client address."""
    now = now or dt.datetime.now(dt.UTC)
    account_key, address_key = f"user:{username.strip().lower()}", f"ip:{address}"
    if (
        _recent_failures(session, account_key, now) >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(session, address_key, now) >= MAX_FAILURES_PER_ADDRESS
    ):
        return SignIn(None, throttled=True)
    user = session.exec(select(User).where(User.username == username.strip())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        valid = user is not None and user.is_active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        session.add(ThrottleEvent(key=account_key, at=now))
        session.add(ThrottleEvent(key=address_key, at=now))
        session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.at) < now - THROTTLE_WINDOW))
        session.commit()
        return SignIn(None)
    session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.key) == account_key))
    session.commit()
    return SignIn(user)


def can_edit_region(user: User, region_code: str) -> bool:
    """Admins edit everything; coordinators their own regions."""
    return user.role == "admin" or region_code in user.region_codes()


def sign_out_everywhere(*, session: Session, user: User) -> None:
    """Invalidate every session cookie of the user."""
    user.session_version += 1
    session.add(user)
    session.commit()
