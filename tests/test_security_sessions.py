"""Security review 2026-12-05: CSRF on every maintainer POST, sign-out, login CSRF
(CS-07, CS-04) and the caching of questionnaire answers (PR-03)."""

from __future__ import annotations

import re
import time

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Submission
from app.routes import admin
from app.web.security import SESSION_COOKIE, SIGN_IN_COOKIE
from tests.fixtures.admin import PASSWORD, csrf_of, post_form, sign_in
from tests.fixtures.catalogue import provider_ids_by_record


def _post_paths(provider_id: int) -> list[str]:
    return [
        re.sub(r"\{[a-z_]+\}", str(provider_id), route.path)
        for route in admin.router.routes
        if isinstance(route, APIRoute)
        and "POST" in (route.methods or set())
        and route.name != "admin_login_submit"
    ]


def test_csrf_every_maintainer_post_is_checked_at_the_router(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P002"]
    client = signed_in["boss"]
    paths = _post_paths(provider_id)
    assert len(paths) >= 8
    for path in paths:
        response = post_form(client, path, [("csrf", "forged"), ("name", "x")])
        assert response.status_code == 403, path
    assert client.get("/admin").status_code == 200, "still signed in: nothing was done"


def test_cs04_cross_site_posts_and_sign_ins_are_refused(admin_app: FastAPI) -> None:
    with TestClient(admin_app, follow_redirects=False) as client:
        page = client.get("/admin/login").text
        token = re.search(r'name="form_token" value="([^"]+)"', page)
        assert token is not None
        fields = [("username", "kymi"), ("password", "x" * 20), ("form_token", token.group(1))]
        evil = client.post(
            "/admin/login",
            data=dict(fields),
            headers={"Origin": "https://evil.example"},
        )
        assert evil.status_code == 403
        referer = client.post(
            "/admin/login", data=dict(fields), headers={"Referer": "https://evil.example/x"}
        )
        assert referer.status_code == 403
        assert sign_in(client, "kymi").status_code == 303  # no Origin: the token decides
        same = post_form(client, "/admin/logout", [("csrf", csrf_of(client, "/admin"))])
        assert same.status_code == 303


def test_cs04_public_forms_refuse_posts_from_other_sites(
    admin_app: FastAPI, admin_db: Session
) -> None:
    def stored() -> int:
        admin_db.expire_all()
        return int(admin_db.exec(select(func.count()).select_from(Submission)).one())

    before = stored()
    with TestClient(admin_app, follow_redirects=False, client=("198.51.100.77", 4000)) as client:
        token = _form_token(client.get("/saavutettavuus/palaute").text)
        fields = {"form_token": token, "message": "Roskaa", "contact": "", "website": ""}
        for header in ("Origin", "Referer"):
            evil = client.post(
                "/saavutettavuus/palaute", data=fields, headers={header: "https://evil.example"}
            )
            assert evil.status_code == 403, header
        assert stored() == before
        own = client.post(
            "/saavutettavuus/palaute", data=fields, headers={"Origin": "http://testserver"}
        )
        assert own.status_code == 303
    assert stored() == before + 1


def test_cs07_sign_out_ends_the_session_on_the_server(admin_app: FastAPI) -> None:
    with TestClient(admin_app, follow_redirects=False) as client:
        assert sign_in(client, "pirha").status_code == 303
        copied = client.cookies.get(SESSION_COOKIE)
        assert copied
        response = post_form(client, "/admin/logout", [("csrf", csrf_of(client, "/admin"))])
        assert response.status_code == 303
    with TestClient(admin_app, follow_redirects=False) as replay:
        replay.cookies.set(SESSION_COOKIE, copied)
        assert replay.get("/admin").status_code == 303, "the copied cookie no longer works"


def test_pr03_questionnaire_api_answers_are_not_stored(public_client: TestClient) -> None:
    response = public_client.get(
        "/api/v1/pathway",
        params={"age": "30-64", "situation": "unemployed-long", "support": "substance"},
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "etag" not in response.headers


def test_cs04_sign_in_form_tokens_expire_in_15_minutes(
    admin_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = admin_app.state.session_signer
    binding = signer.new_sign_in_binding()
    assert signer.sign_in_token_valid(signer.sign_in_token(binding), binding)
    assert not signer.sign_in_token_valid(signer.form_token(), binding), "a public form's token"
    sixteen_minutes_ago = int(time.time()) - 16 * 60
    monkeypatch.setattr(signer._sign_ins, "get_timestamp", lambda: sixteen_minutes_ago)
    old = signer.sign_in_token(binding)
    monkeypatch.undo()
    assert not signer.sign_in_token_valid(old, binding)
    with TestClient(admin_app, follow_redirects=False) as client:
        client.cookies.set(SIGN_IN_COOKIE, binding)
        fields = [("username", "kymi"), ("password", "x" * 20), ("form_token", old)]
        assert post_form(client, "/admin/login", fields).status_code == 400
        fresh = client.get("/admin/login")
        assert f"Max-Age={15 * 60}" in fresh.headers["set-cookie"]


def _form_token(page: str) -> str:
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def test_cs04_a_sign_in_token_works_only_with_its_own_pre_session_cookie(
    admin_app: FastAPI,
) -> None:
    """Login CSRF: a token the attacker fetched is worthless in the victim's browser."""
    with TestClient(admin_app, follow_redirects=False) as attacker:
        form = attacker.get("/admin/login")
        attackers_token = _form_token(form.text)
        cookie = form.headers["set-cookie"]
        assert cookie.startswith(f"{SIGN_IN_COOKIE}=") and "httponly" in cookie.lower()
        assert attacker.cookies.get(SIGN_IN_COOKIE) not in form.text, "the page never shows it"
    fields = [("username", "kymi"), ("password", PASSWORD), ("form_token", attackers_token)]
    with TestClient(admin_app, follow_redirects=False) as victim:
        no_cookie = post_form(victim, "/admin/login", fields)
        assert no_cookie.status_code == 400, "a token without its pre-session cookie"
        assert SESSION_COOKIE not in victim.cookies
        victim.get("/admin/login")  # the victim's own pre-session cookie: still not that token
        assert post_form(victim, "/admin/login", fields).status_code == 400
        assert SESSION_COOKIE not in victim.cookies
        assert sign_in(victim, "kymi").status_code == 303  # with a form of its own
        assert SESSION_COOKIE in victim.cookies
        assert SIGN_IN_COOKIE not in victim.cookies, "used up at sign-in"
    with TestClient(admin_app, follow_redirects=False) as browser:
        first_tab = _form_token(browser.get("/admin/login").text)
        browser.get("/en/admin/login")  # a second tab keeps the cookie: the first still works
        fields = [("username", "kymi"), ("password", PASSWORD), ("form_token", first_tab)]
        assert post_form(browser, "/admin/login", fields).status_code == 303
