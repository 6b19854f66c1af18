"""Maintainer accounts: creation, password checks (argon2) and sign-in throttling."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, delete, func, select

from app.models import Region, ThrottleEvent, User

ROLES = ("admin", "coordinator")
MIN_PASSWORD_LENGTH = 12
THROTTLE_WINDOW = dt.timedelta(minutes=15)  # sign-in failures count this long
FORM_WINDOW = dt.timedelta(hours=1)  # public forms sent count this long
# Each kind of throttle row expires by its own window (CS-17): `form:` rows are kept for
# the hour of the public-form limit, sign-in rows for their 15 minutes.
WINDOWS = {"user:": THROTTLE_WINDOW, "ip:": THROTTLE_WINDOW, "form:": FORM_WINDOW}
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
# Past the account's limit a sign-in waits instead of being locked out for the whole
# window (CS-15): 30 s after the 5th failure, doubling up to the window's 15 minutes.
FIRST_DELAY = dt.timedelta(seconds=30)
# argon2 takes 64 MiB and ~50 ms per check: at most this many at once per worker process;
# a sign-in that finds no free slot within HASH_WAIT_S is answered "busy" (429, RE-01).
MAX_CONCURRENT_HASHES = 1
HASH_WAIT_S = 2.0

_hasher = PasswordHasher()
# Verified when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for equal timing")
_hash_slots = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)
# Hashes run in a thread of their own at a lower CPU priority (nice +10): on a busy machine
# a sign-in flood then takes the CPU the public pages leave, not theirs (RE-02).
HASH_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        nice = min(os.getpriority(os.PRIO_PROCESS, 0) + HASH_NICENESS, 19)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


_hash_thread = ThreadPoolExecutor(
    max_workers=MAX_CONCURRENT_HASHES, thread_name_prefix="argon2", initializer=_lower_priority
)


def address_key(kind: str, address: str, *, secret: str, now: dt.datetime) -> str:
    """The throttle key of a client address: a keyed hash, never the address (PR-02).

    HMAC with the site's secret key and the UTC day, so that a stored key can be neither
    reversed by hashing every IPv4 address nor linked to the same address another day.
    """
    message = f"{now.astimezone(dt.UTC).date().isoformat()}|{address}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
    return f"{kind}{digest}"


def record_events(session: Session, keys: list[str], now: dt.datetime) -> list[int]:
    """Count one event per key, committed at once so that concurrent requests see them
    (CS-13); the rows' ids."""
    events = [ThrottleEvent(key=key, at=now) for key in keys]
    session.add_all(events)
    purge_expired(session, now)
    session.flush()
    ids = [event.id for event in events if event.id is not None]
    session.commit()
    return ids


def purge_expired(session: Session, now: dt.datetime) -> None:
    """Delete the throttle rows older than their own kind's window (CS-17, PR-02)."""
    for prefix, window in WINDOWS.items():
        session.exec(
            delete(ThrottleEvent).where(
                col(ThrottleEvent.key).startswith(prefix), col(ThrottleEvent.at) < now - window
            )
        )


def recent_count(session: Session, key: str, now: dt.datetime, window: dt.timedelta) -> int:
    """How many events of the key happened within the window."""
    statement = select(func.count()).where(
        ThrottleEvent.key == key, ThrottleEvent.at >= now - window
    )
    return int(session.exec(statement).one())


class AccountError(ValueError):
    """A user cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    user: User | None
    throttled: bool = False
    busy: bool = False  # every password-hash slot of the worker was taken


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


def _account_must_wait(
    session: Session, key: str, now: dt.datetime, counted: int | None = None
) -> bool:
    """Whether the account must wait (CS-15): past its limit, 30 s after the last failure,
    doubling with each further failure, at most the window. `counted` is this attempt's
    own row, already recorded, which is left out."""
    statement = select(ThrottleEvent.at).where(
        ThrottleEvent.key == key, ThrottleEvent.at >= now - THROTTLE_WINDOW
    )
    if counted is not None:
        statement = statement.where(ThrottleEvent.id != counted)
    failures = session.exec(statement).all()
    if len(failures) < MAX_FAILURES_PER_ACCOUNT:
        return False
    latest = max(_aware(at) for at in failures)
    delay = min(FIRST_DELAY * 2 ** (len(failures) - MAX_FAILURES_PER_ACCOUNT), THROTTLE_WINDOW)
    return bool(now - latest < delay)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def authenticate(
    *, session: Session, username: str, password: str, address: str, secret: str,
    now: dt.datetime | None = None,
) -> SignIn:  # fmt: skip
    """Check a username and password, throttled per account and per client address.

    The cost of anonymous attempts is bounded (RE-01, RE-02, CS-13): the throttles are
    checked before any hashing; the attempt is counted (committed) before the password is
    checked, so that a burst of parallel attempts cannot all pass the count; the database
    connection is given back before hashing; and at most MAX_CONCURRENT_HASHES hashes run
    at once per worker. A correct password clears the account's failures.
    """
    now = now or dt.datetime.now(dt.UTC)
    account_key = f"user:{username.strip().lower()}"
    address_throttle = address_key("ip:", address, secret=secret, now=now)
    if _account_must_wait(session, account_key, now) or (
        recent_count(session, address_throttle, now, THROTTLE_WINDOW) >= MAX_FAILURES_PER_ADDRESS
    ):
        session.commit()  # ends the read: the connection goes back to the pool
        return SignIn(None, throttled=True)
    account_event, address_event = record_events(session, [account_key, address_throttle], now)
    # Counted again after the commit: of a parallel burst, only those within the limits
    # go on to the password check.
    if _account_must_wait(session, account_key, now, counted=account_event) or (
        recent_count(session, address_throttle, now, THROTTLE_WINDOW) > MAX_FAILURES_PER_ADDRESS
    ):
        _forget(session, account_event, address_event)
        return SignIn(None, throttled=True)
    user = session.exec(select(User).where(User.username == username.strip())).first()
    user_id = user.id if user and user.is_active else None
    stored_hash = user.password_hash if user else _DUMMY_HASH
    session.commit()  # no connection is held while hashing
    if not _hash_slots.acquire(timeout=HASH_WAIT_S):
        _forget(session, account_event, address_event)
        return SignIn(None, busy=True)
    try:
        _hash_thread.submit(_hasher.verify, stored_hash, password).result()
        valid = user_id is not None
    except (VerificationError, InvalidHashError):
        valid = False
    finally:
        _hash_slots.release()
    if not valid:
        return SignIn(None)  # the attempt stays counted as a failure
    session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.key) == account_key))
    _forget(session, address_event)
    return SignIn(session.get(User, user_id))


def _forget(session: Session, *event_ids: int) -> None:
    """Un-count attempts that were not failures (a success, or no hash slot free)."""
    session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.id).in_(event_ids)))
    session.commit()


def can_edit_region(user: User, region_code: str) -> bool:
    """Admins edit everything; coordinators their own regions."""
    return user.role == "admin" or region_code in user.region_codes()


def sign_out_everywhere(*, session: Session, user: User) -> None:
    """Invalidate every session cookie of the user."""
    user.session_version += 1
    session.add(user)
    session.commit()
