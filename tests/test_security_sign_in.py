"""Security review 2026-12-05: the cost and fairness of sign-ins and public-form limits
(RE-01, RE-02, CS-13, CS-15, CS-17, PR-02)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from app import accounts
from app.catalogue import submissions
from app.config import Settings
from app.db import make_engine
from app.models import ThrottleEvent
from tests.fixtures.admin import PASSWORD, sign_in

SECRET = "a test secret key that is long enough to be used"
T0 = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(admin_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(admin_settings.database_url)
    with Session(engine) as session:
        session.exec(delete(ThrottleEvent))
        session.commit()
    yield engine
    with Session(engine) as session:
        session.exec(delete(ThrottleEvent))
        session.commit()
    engine.dispose()


class CountingVerify:
    """Stands in for the argon2 hasher: counts checks and sees the pool while 'hashing'."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.calls = 0
        self.connections_held: list[int] = []
        self.engine = engine
        self.lock = threading.Lock()
        self.real = accounts._hasher.verify

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
        if self.engine is not None:
            self.connections_held.append(self.engine.pool.checkedout())  # type: ignore[attr-defined]
        return self.real(stored, password)


def _try(
    engine: Engine, password: str, *, at: dt.datetime, address: str = "192.0.2.1"
) -> accounts.SignIn:
    with Session(engine) as session:
        return accounts.authenticate(
            session=session, username="kymi", password=password, address=address,
            secret=SECRET, now=at,
        )  # fmt: skip


def test_re01_throttles_are_checked_before_any_hashing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify = CountingVerify()
    monkeypatch.setattr(accounts, "_hasher", verify)
    for second in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert _try(engine, "wrong", at=T0 + dt.timedelta(seconds=second)).user is None
    assert verify.calls == accounts.MAX_FAILURES_PER_ACCOUNT
    assert _try(engine, PASSWORD, at=T0 + dt.timedelta(seconds=10)).throttled
    assert verify.calls == accounts.MAX_FAILURES_PER_ACCOUNT, "no hash for a throttled try"


def test_re01_concurrent_hashes_are_capped_and_excess_gets_a_quick_429(
    admin_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "_hash_slots", threading.BoundedSemaphore(1))
    monkeypatch.setattr(accounts, "HASH_WAIT_S", 0.05)
    assert accounts._hash_slots.acquire()  # another sign-in is hashing
    try:
        with TestClient(admin_app, follow_redirects=False) as client:
            started = time.monotonic()
            response = sign_in(client, "kymi")
            assert response.status_code == 429 and response.headers["Retry-After"]
            assert time.monotonic() - started < 2
    finally:
        accounts._hash_slots.release()
    with TestClient(admin_app, follow_redirects=False) as client:
        assert sign_in(client, "kymi").status_code == 303, "a busy answer is no failure"


def test_re02_a_sign_in_holds_no_database_connection_while_hashing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify = CountingVerify(engine)
    monkeypatch.setattr(accounts, "_hasher", verify)
    assert _try(engine, "wrong", at=T0).user is None
    assert _try(engine, PASSWORD, at=T0 + dt.timedelta(seconds=1)).user is not None
    assert verify.connections_held == [0, 0]


def test_re02_password_hashes_run_below_the_public_pages_cpu_priority(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    niceness: list[int] = []
    real = accounts._hasher

    class Recording:
        def verify(self, stored: str, password: str) -> bool:
            niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            return real.verify(stored, password)

    monkeypatch.setattr(accounts, "_hasher", Recording())
    assert _try(engine, PASSWORD, at=T0).user is not None
    assert niceness == [min(os.getpriority(os.PRIO_PROCESS, 0) + accounts.HASH_NICENESS, 19)]


def test_cs13_a_parallel_burst_gets_at_most_the_limit_checked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify = CountingVerify()
    monkeypatch.setattr(accounts, "_hasher", verify)
    monkeypatch.setattr(accounts, "HASH_WAIT_S", 30)
    results: list[accounts.SignIn] = []

    def attempt(number: int) -> None:
        results.append(_try(engine, "wrong", at=T0, address=f"198.51.100.{number}"))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 30 and all(result.user is None for result in results)
    assert verify.calls <= accounts.MAX_FAILURES_PER_ACCOUNT


def test_cs15_an_account_past_its_limit_waits_instead_of_being_locked_out(
    engine: Engine,
) -> None:
    for second in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        _try(engine, "wrong", at=T0 + dt.timedelta(seconds=second))
    last = T0 + dt.timedelta(seconds=accounts.MAX_FAILURES_PER_ACCOUNT - 1)
    assert _try(engine, PASSWORD, at=last + dt.timedelta(seconds=20)).throttled
    assert _try(engine, "wrong", at=last + dt.timedelta(seconds=31)).user is None  # 6th
    sixth = last + dt.timedelta(seconds=31)
    assert _try(engine, PASSWORD, at=sixth + dt.timedelta(seconds=50)).throttled  # 60 s now
    assert _try(engine, PASSWORD, at=sixth + dt.timedelta(seconds=61)).user is not None


def test_cs17_a_failed_sign_in_keeps_public_form_rows_within_their_hour(
    engine: Engine,
) -> None:
    form_key = accounts.address_key("form:", "192.0.2.9", secret=SECRET, now=T0)
    with Session(engine) as session:
        session.add(ThrottleEvent(key=form_key, at=T0 - dt.timedelta(minutes=30)))
        session.add(ThrottleEvent(key=form_key, at=T0 - dt.timedelta(minutes=61)))
        session.add(ThrottleEvent(key="user:kymi", at=T0 - dt.timedelta(minutes=16)))
        session.commit()
    _try(engine, "wrong", at=T0)
    with Session(engine) as session:
        rows = session.exec(select(ThrottleEvent).order_by(col(ThrottleEvent.at))).all()
        kinds = [(row.key.split(":")[0], row.at.replace(tzinfo=dt.UTC)) for row in rows]
    assert ("form", T0 - dt.timedelta(minutes=30)) in kinds
    assert ("form", T0 - dt.timedelta(minutes=61)) not in kinds
    assert ("user", T0 - dt.timedelta(minutes=16)) not in kinds


def test_pr02_sender_addresses_are_kept_only_as_a_keyed_daily_hash(engine: Engine) -> None:
    address = "192.0.2.77"
    with Session(engine) as session:  # another sender's row, past its hour
        session.add(ThrottleEvent(key="form:0123456789abcdef", at=T0 - dt.timedelta(minutes=61)))
        session.commit()
    with Session(engine) as session:
        outcome = submissions.submit(
            session=session, kind="feedback", message="Hei", contact="", honeypot="",
            address=address, secret=SECRET, now=T0,
        )  # fmt: skip
        assert outcome.saved
        keys = [row.key for row in session.exec(select(ThrottleEvent)).all()]
    plain = hashlib.sha256(address.encode()).hexdigest()[:32]
    # the only row left: this sender's keyed hash (the old row is deleted after its hour)
    assert keys == [accounts.address_key("form:", address, secret=SECRET, now=T0)]
    assert plain not in keys[0] and address not in keys[0]
    other_key = accounts.address_key("form:", address, secret=SECRET + "x", now=T0)
    next_day = accounts.address_key("form:", address, secret=SECRET, now=T0 + dt.timedelta(days=1))
    assert len({keys[0], other_key, next_day}) == 3
