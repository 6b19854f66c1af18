"""Deployment settings: a reverse proxy on another host, trusted hosts, pools, large id lists.

The proxy tests run the real uvicorn server with the options `python -m app serve` gives
it, and send the headers a proxy such as nginx adds.
"""

from __future__ import annotations

import re
import uuid
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.__main__ import proxy_options
from app.accounts import create_user
from app.catalogue.providers import IDS_PER_STATEMENT, provider_details
from app.config import Settings
from app.db import make_engine_for
from app.models import Provider
from app.web.main import create_app
from app.web.security import SIGN_IN_COOKIE
from tests.fixtures.web import served_in_thread

PROXY = "203.0.113.1"  # the proxy is another machine: never the loopback address


def served(settings: Settings) -> AbstractContextManager[str]:
    """The site behind uvicorn with the serve command's proxy options."""
    return served_in_thread(create_app(settings), **proxy_options(settings))


def _settings(site_settings: Settings, **changes: object) -> Settings:
    return Settings(**{**site_settings.model_dump(), **changes})


def _forwarded(client_address: str) -> dict[str, str]:
    return {"X-Forwarded-For": client_address, "X-Forwarded-Proto": "https"}


def _sign_in_form(base: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The sign-in form's token, and the headers that post it: the token is bound to the
    form's pre-session cookie (CS-04), which is Secure when the proxy says https, so it is
    sent here by hand over the test's plain http."""
    form_page = httpx.get(f"{base}/admin/login", headers=headers)
    token = re.search(r'name="form_token" value="([^"]+)"', form_page.text)
    assert token, "the sign-in form has a form token"
    cookie = form_page.headers["set-cookie"]
    assert cookie.startswith(f"{SIGN_IN_COOKIE}=")
    assert ("secure" in cookie.lower()) == (headers.get("X-Forwarded-Proto") == "https")
    return token[1], {**headers, "Cookie": cookie.split(";", 1)[0]}


def _sign_in_attempt(base: str, client_address: str, username: str) -> httpx.Response:
    token, headers = _sign_in_form(base, _forwarded(client_address))
    return httpx.post(
        f"{base}/admin/login",
        headers=headers,
        data={"username": username, "password": "wrong password", "form_token": token},
    )


def test_behind_a_trusted_proxy_the_original_scheme_gives_hsts(site_settings: Settings) -> None:
    trusting = _settings(site_settings, forwarded_allow_ips="127.0.0.1")
    with served(trusting) as base:
        response = httpx.get(f"{base}/", headers=_forwarded("198.51.100.7"))
    assert response.status_code == 200
    assert "max-age=" in response.headers["strict-transport-security"]


def test_forwarded_headers_from_an_untrusted_address_are_ignored(site_settings: Settings) -> None:
    untrusting = _settings(site_settings, forwarded_allow_ips=PROXY)  # not the caller
    with served(untrusting) as base:
        response = httpx.get(f"{base}/", headers=_forwarded("198.51.100.7"))
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers


def test_throttles_count_the_real_client_behind_the_proxy(site_settings: Settings) -> None:
    """20 wrong passwords from one client lock out that client, not everyone behind the proxy."""
    trusting = _settings(site_settings, forwarded_allow_ips="127.0.0.1")
    noisy, quiet = "198.51.100.20", "198.51.100.21"
    with served(trusting) as base:
        for attempt in range(20):  # a new name each time: only the address limit applies
            assert _sign_in_attempt(base, noisy, f"guess{attempt}").status_code == 401
        assert _sign_in_attempt(base, noisy, "guess-more").status_code == 429
        assert _sign_in_attempt(base, quiet, "someone").status_code == 401


def test_session_cookie_is_secure_when_the_proxy_says_https(site_settings: Settings) -> None:
    username, password = f"proxy-{uuid.uuid4().hex[:8]}", "a long enough test password"
    engine = make_engine_for(site_settings)
    with Session(engine) as session:
        create_user(session=session, username=username, password=password, role="admin", regions=[])
    engine.dispose()
    trusting = _settings(site_settings, forwarded_allow_ips="127.0.0.1")
    with served(trusting) as base:
        token, headers = _sign_in_form(base, _forwarded("198.51.100.30"))
        response = httpx.post(
            f"{base}/admin/login",
            headers=headers,
            data={"username": username, "password": password, "form_token": token},
        )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("polku_admin=") and "secure" in cookie.lower()
    assert "httponly" in cookie.lower()


def test_an_untrusted_host_header_is_refused(site_settings: Settings) -> None:
    app = create_app(_settings(site_settings, trusted_hosts="polku.example, www.polku.example"))
    with TestClient(app, base_url="https://polku.example") as client:
        assert client.get("/").status_code == 200
        assert client.get("/", headers={"Host": "www.polku.example"}).status_code == 200
        refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400


def test_a_trailing_slash_redirects_within_the_version_and_never_to_the_host_header(
    site_settings: Settings,
) -> None:
    """`/en/services/` is the English services page without the slash, as a path: Starlette's
    own redirect gave `http://<Host header>/palvelut` (another host, and Finnish)."""
    with TestClient(create_app(site_settings), follow_redirects=False) as client:
        forged = {"Host": "evil.example"}
        for asked, address in [
            ("/en/services/", "/en/services"),
            ("/sv/tjanster/?kunta=091", "/sv/tjanster?kunta=091"),
            ("/palveluntuottajat//?q=puutyö", "/palveluntuottajat?q=puuty%C3%B6"),
            ("/en/", "/en"),
        ]:
            response = client.get(asked, headers=forged)
            assert (response.status_code, response.headers["location"]) == (308, address)
            assert client.get(address).status_code == 200, address
        # a POST keeps its method and body on the way
        assert client.post("/saavutettavuus/palaute/").status_code == 308
        assert client.get("/").status_code == 200
        # "//host/" would name another host: not redirected, not found
        for asked in ("//evil.example/", "/\\evil.example/"):
            response = client.get(f"http://testserver{asked}")
            assert response.status_code == 404, asked
            assert "location" not in response.headers


def test_health_probes_by_address_pass_the_host_check(site_settings: Settings) -> None:
    """Docker's HEALTHCHECK asks 127.0.0.1:8000, Kubernetes the pod's address: with
    TRUSTED_HOSTS set they must still reach /healthz, and only /healthz."""
    app = create_app(_settings(site_settings, trusted_hosts="polku.example"))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200
        assert client.get("/").status_code == 400
        assert client.get("/healthz/").status_code == 400
        assert client.get("/api/v1/providers").status_code == 400


def test_pool_sizes_come_from_the_settings(site_settings: Settings) -> None:
    engine = make_engine_for(_settings(site_settings, db_pool_size=3, db_max_overflow=2))
    try:
        if engine.dialect.name != "sqlite":
            assert engine.pool.size() == 3  # type: ignore[attr-defined]  # QueuePool
            assert engine.pool._max_overflow == 2  # type: ignore[attr-defined]
        assert engine.pool.timeout() == site_settings.db_pool_timeout_s  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_provider_details_take_more_ids_than_one_statement_can_bind(
    site_settings: Settings,
) -> None:
    """At 100 000 providers an `IN` list would pass PostgreSQL's 65 535-parameter limit."""
    engine = make_engine_for(site_settings)
    with Session(engine) as session:
        real_ids = sorted(pk for pk in session.exec(select(Provider.id)).all() if pk is not None)
        many = list(range(70_000, 0, -1))  # every real id, in reverse, among 70 000
        details = provider_details(session=session, provider_ids=many)
    engine.dispose()
    assert len(many) > 65_535 > IDS_PER_STATEMENT
    assert [detail.id for detail in details] == sorted(real_ids, reverse=True)


@pytest.mark.parametrize("size", [0, 1, IDS_PER_STATEMENT, IDS_PER_STATEMENT + 1])
def test_chunk_edges_keep_order_and_leave_out_unknown_ids(
    site_settings: Settings, size: int
) -> None:
    engine = make_engine_for(site_settings)
    with Session(engine) as session:
        real_ids = sorted(pk for pk in session.exec(select(Provider.id)).all() if pk is not None)
        wanted = [*range(size, 0, -1)]
        details = provider_details(session=session, provider_ids=wanted)
    engine.dispose()
    assert [detail.id for detail in details] == [pk for pk in wanted if pk in set(real_ids)]
