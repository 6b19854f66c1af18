"""Security review 2026-12-05: what a request may carry (PG-01, RE-05, IN-09)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError
from sqlmodel import Session, func, select
from starlette.responses import Response
from starlette.types import Message

from app.models import Submission, ThrottleEvent
from app.web.errors import database_refused_value
from tests.fixtures.admin import post_form, sign_in
from tests.fixtures.web import run_in_own_loop

FEEDBACK = "/saavutettavuus/palaute"


_addresses = itertools.count(1)


def visitor(app: FastAPI) -> TestClient:
    """An anonymous visitor from an address of its own (rate limits are per address)."""
    return TestClient(app, follow_redirects=False, client=(f"198.51.100.{next(_addresses)}", 4000))


def _feedback(client: TestClient, message: str) -> list[tuple[str, str]]:
    page = BeautifulSoup(client.get(FEEDBACK).text, "html.parser")
    token = str(page.select_one("input[name=form_token]")["value"])  # type: ignore[index]
    return [("form_token", token), ("message", message), ("contact", ""), ("website", "")]


def _stored(admin_db: Session) -> tuple[int, int]:
    admin_db.expire_all()
    submissions = admin_db.exec(select(func.count()).select_from(Submission)).one()
    throttles = admin_db.exec(select(func.count()).select_from(ThrottleEvent)).one()
    return int(submissions), int(throttles)


@pytest.mark.parametrize(
    "path",
    [
        "/alueet/1%000",  # region code
        "/hsds/organizations/abc%00def",  # HSDS organization_id
        "/polku/tulos?kunta=091%00",  # questionnaire municipality
        "/palveluntuottajat?q=kahvila%00",
        "/en/regions%0d%0aX-Forged:%20yes",  # IN-09: no control character in a path
        "/api/v1/providers?q=%00",
    ],
)
def test_pg01_nul_bytes_in_path_or_query_are_a_clear_400(
    public_client: TestClient, path: str
) -> None:
    response = public_client.get(path)
    assert response.status_code == 400
    if not path.startswith(("/hsds", "/api")):
        assert "ohjausmerkkejä" in response.text or "control characters" in response.text


def test_pg01_nul_bytes_in_forms_and_cookies_are_refused_before_the_database(
    admin_app: FastAPI, admin_db: Session
) -> None:
    before = _stored(admin_db)
    with visitor(admin_app) as client:
        assert post_form(client, FEEDBACK, _feedback(client, "Hei\x00 ry")).status_code == 400
        assert post_form(client, FEEDBACK, _feedback(client, "bell\x07")).status_code == 400
        assert sign_in(client, "kymi\x00").status_code == 400
        assert sign_in(client, "kymi", "pass\x00word").status_code == 400
        client.cookies.set("polku_session", "abc\x00def")
        assert client.get("/").status_code == 400
        swedish = TestClient(admin_app)
        page = swedish.post(
            "/sv/tillganglighet/palaute",
            content=b"message=a%00b",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert page.status_code == 400 and "styrtecken" in page.text
    assert _stored(admin_db) == before
    # a multi-line message keeps its line breaks and tabs
    with visitor(admin_app) as client:
        assert post_form(client, FEEDBACK, _feedback(client, "rivi\r\n\tkaksi")).status_code == 303


def test_pg01_a_value_the_database_refuses_is_a_422_not_a_500(admin_app: FastAPI) -> None:
    from starlette.requests import Request

    scope = {"type": "http", "method": "POST", "path": "/api/v1/x", "headers": [], "app": admin_app}
    error = DataError("INSERT", {}, Exception("A string literal cannot contain NUL (0x00)"))
    response = run_in_own_loop(lambda: database_refused_value(Request(scope), error))
    assert response.status_code == 422


def test_re05_bodies_over_the_limit_get_413_before_they_are_read(
    admin_app: FastAPI, admin_db: Session
) -> None:
    before = _stored(admin_db)
    with visitor(admin_app) as client:
        big = post_form(client, FEEDBACK, _feedback(client, "x" * 70_000))
        assert big.status_code == 413
        assert "liian suuret" in big.text
        assert post_form(client, FEEDBACK, _feedback(client, "x" * 1_000)).status_code == 303
        # maintainer forms take up to 1 MB; more is refused too
        assert sign_in(client, "kymi").status_code == 303
        huge = post_form(client, "/admin/palveluntuottajat/1", [("name", "x" * 1_100_000)])
        assert huge.status_code == 413
        within = post_form(client, "/admin/palveluntuottajat/1", [("name", "x" * 100_000)])
        assert within.status_code != 413
    assert _stored(admin_db)[0] == before[0] + 1


def test_re05_multipart_parts_no_form_expects_are_refused(admin_app: FastAPI) -> None:
    with visitor(admin_app) as client:
        response = client.post(
            FEEDBACK,
            data={"message": "hello", "website": ""},
            files={"upload": ("big.bin", b"\x00" * 10_000, "application/octet-stream")},
        )
        assert response.status_code == 415
        page = BeautifulSoup(response.text, "html.parser")
        assert "liitteitä" in page.get_text()


def test_re06_a_stalled_body_times_out_with_408(admin_app: FastAPI) -> None:
    import anyio

    from app.web.request_limits import RequestLimitsMiddleware

    reached: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)

    async def error_page(request: Any, exc: Exception) -> Response:
        return Response(status_code=getattr(exc, "status_code", 500))

    limits = RequestLimitsMiddleware(
        app, error_page=error_page, max_public_body_bytes=65_536,
        max_maintainer_body_bytes=1_048_576, body_timeout_s=0.2,
    )  # fmt: skip
    first = True

    async def receive() -> Message:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"message=a", "more_body": True}
        await anyio.sleep(60)  # the client stopped sending
        return {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/saavutettavuus/palaute", "query_string": b"",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", b"1000")],
        "app": admin_app,
    }  # fmt: skip

    async def request() -> None:
        with anyio.fail_after(5):
            await limits(scope, receive, send)

    run_in_own_loop(request)
    assert sent[0]["status"] == 408 and not reached
