"""Maintainer area: permissions, CSRF, throttling, sessions, the change log, escaping."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.catalogue.vocabularies import load_mappings, load_vocabularies
from app.config import Settings
from app.geography import municipality_regions
from app.guide.content import SERVICE_CODES
from app.interop.bundled import PROVIDERS_CSV, organiser_codes
from app.interop.csv.reader import parse_csv_files
from app.interop.merge import merge_records
from app.models import ChangeLogEntry, ImportConflict, Provider
from app.web.security import SESSION_COOKIE, SESSION_IDLE_S
from tests.fixtures.admin import PASSWORD, csrf_of, post_form, sign_in
from tests.fixtures.catalogue import catch_up_index, provider_ids_by_record


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def edit_fields(client: httpx.Client, url: str, **changes: str) -> list[tuple[str, str]]:
    """The edit form's current values, with some changed, as a browser would send them."""
    form = soup(client.get(url).text).select("main form")[-1]
    fields = [
        (str(i["name"]), str(i.get("value", "")))
        for i in form.select("input[type=hidden], input[type=text]")
    ]
    fields += [(str(t["name"]), t.get_text()) for t in form.select("textarea")]
    fields += [
        (str(c["name"]), str(c["value"])) for c in form.select("input[type=checkbox][checked]")
    ]
    selected = form.select_one("select option[selected]")
    fields.append(("municipality_code", str(selected["value"]) if selected else ""))
    return [(name, changes.get(name, value)) for name, value in fields]


# who → (Kotka provider P002 in region 10, Tampere-region provider in region 08)
EXPECTED_ACCESS = {
    "anonymous": (303, 303),
    "kymi": (200, 403),
    "pirha": (403, 200),
    "boss": (200, 200),
}


@pytest.mark.parametrize("who", list(EXPECTED_ACCESS))
def test_permission_matrix_for_every_maintainer_route(
    signed_in: dict[str, TestClient], admin_db: Session, who: str
) -> None:
    ids = provider_ids_by_record(admin_db)
    kotka, pirkanmaa = ids["P002"], ids["P073"]
    client = signed_in[who]
    home = client.get("/admin")
    assert home.status_code == (303 if who == "anonymous" else 200)
    for provider_id, expected in zip((kotka, pirkanmaa), EXPECTED_ACCESS[who], strict=True):
        page = client.get(f"/admin/palveluntuottajat/{provider_id}")
        assert page.status_code == expected, (who, provider_id)
        token = csrf_of(signed_in["boss"], f"/admin/palveluntuottajat/{provider_id}")
        own_token = csrf_of(client, "/admin") if who != "anonymous" else token
        for action in ("", "/tarkistettu", "/tila"):
            fields = [("csrf", own_token), ("name", "Sama nimi"), ("status", "open")]
            response = post_form(client, f"/admin/palveluntuottajat/{provider_id}{action}", fields)
            if expected == 200:
                assert response.status_code in (303, 422), (who, action)
            else:
                assert response.status_code == expected, (who, action)


def test_state_changes_without_a_valid_csrf_token_are_refused(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P003"]
    client = signed_in["kymi"]
    for token in ("", "forged", csrf_of(signed_in["boss"], "/admin")):
        for action in ("/tarkistettu", "/tila", ""):
            response = post_form(
                client, f"/admin/palveluntuottajat/{provider_id}{action}", [("csrf", token)]
            )
            assert response.status_code == 403, (token, action)
    assert post_form(client, "/admin/logout", [("csrf", "forged")]).status_code == 403


def test_edit_is_validated_next_to_the_field_and_nothing_is_saved(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P004"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    client = signed_in["kymi"]
    response = post_form(
        client, url, edit_fields(client, url, email="not-an-address", postal_code="123")
    )
    assert response.status_code == 422
    page = soup(response.text)
    assert (
        page.select_one("#error-email") is not None
        and page.select_one("#error-postal_code") is not None
    )
    assert page.select_one("#field-email[aria-invalid=true]") is not None
    admin_db.expire_all()
    provider = admin_db.get(Provider, provider_id)
    assert provider is not None and provider.email is None


def test_every_change_is_logged_with_who_and_before_after(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P005"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    client = signed_in["kymi"]
    response = post_form(
        client,
        url,
        edit_fields(
            client,
            url,
            phone="05 123 4567",
            email="info@example.org",
            opening_hours="ma–pe 9.00–15.00",
        ),
    )
    assert response.status_code == 303
    public = client.get(f"/palveluntuottajat/{provider_id}").text
    assert "ma–pe 9.00–15.00" in public
    admin_db.expire_all()
    entries = admin_db.exec(
        select(ChangeLogEntry).where(
            ChangeLogEntry.provider_id == provider_id, ChangeLogEntry.action == "edit"
        )
    ).all()
    changed = {(e.field, e.before, e.after) for e in entries}
    assert ("phone", None, "05 123 4567") in changed and (
        "email",
        None,
        "info@example.org",
    ) in changed
    assert all(e.source == "web" and e.user_id is not None for e in entries)
    history = soup(client.get(url).text).select("#history ~ .table-wrap tbody tr")
    assert any("kymi" in row.get_text() and "05 123 4567" in row.get_text() for row in history)


def test_mark_checked_and_close_are_logged_and_shown_publicly(
    admin_settings: Settings,
    admin_app: FastAPI,
    signed_in: dict[str, TestClient],
    admin_db: Session,
    public_client: TestClient,
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P006"]
    admin_client = signed_in["kymi"]
    token = csrf_of(admin_client, "/admin")
    assert (
        post_form(
            admin_client, f"/admin/palveluntuottajat/{provider_id}/tarkistettu", [("csrf", token)]
        ).status_code
        == 303
    )
    catch_up_index(admin_settings)
    public = soup(public_client.get(f"/palveluntuottajat/{provider_id}").text)
    assert "koordinaattori" in public.select_one(".source-box").get_text().lower()  # type: ignore[union-attr]
    assert (
        post_form(
            admin_client,
            f"/admin/palveluntuottajat/{provider_id}/tila",
            [("csrf", token), ("status", "closed")],
        ).status_code
        == 303
    )
    catch_up_index(admin_settings)
    results = public_client.get(
        "/api/v1/providers", params={"region": "10", "per_page": 100}
    ).json()
    assert provider_id not in {item["id"] for item in results["items"]}, (
        "closed entries leave the search"
    )
    assert public_client.get(f"/palveluntuottajat/{provider_id}").status_code == 200, (
        "never deleted"
    )
    post_form(
        admin_client,
        f"/admin/palveluntuottajat/{provider_id}/tila",
        [("csrf", token), ("status", "open")],
    )
    admin_db.expire_all()
    actions = [
        e.action
        for e in admin_db.exec(
            select(ChangeLogEntry).where(ChangeLogEntry.provider_id == provider_id)
        )
    ]
    assert {"checked", "close", "reopen"} <= set(actions)


def test_free_text_is_escaped_on_every_page_that_shows_it(
    admin_settings: Settings,
    admin_app: FastAPI,
    signed_in: dict[str, TestClient],
    admin_db: Session,
    public_client: TestClient,
) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    provider_id = provider_ids_by_record(admin_db)["P007"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    admin_client = signed_in["kymi"]
    free_text = (
        "name",
        "street_address",
        "post_office",
        "waiting_time",
        "accessibility",
        "description",
    )
    changes = {
        name: f"{name} {payload}"[:100] if name == "waiting_time" else f"{name} {payload}"
        for name in free_text
    }
    response = post_form(
        admin_client, url, edit_fields(admin_client, url, free_places="1", **changes)
    )
    assert response.status_code == 303
    catch_up_index(admin_settings)
    pages = [
        (admin_client, url),
        (admin_client, "/admin"),
        (public_client, f"/palveluntuottajat/{provider_id}"),
        (public_client, "/palveluntuottajat?region=10"),
        (public_client, "/palveluntuottajat/tuloste?region=10"),
        (public_client, "/alueet/10"),
    ]
    for page_client, page_url in pages:
        html = page_client.get(page_url).text
        assert "<script>alert" not in html, page_url
        assert "onerror=alert(1)>" not in html, page_url
    assert "&lt;script&gt;" in admin_client.get(url).text


def test_sign_in_does_not_reveal_which_usernames_exist(admin_app: FastAPI) -> None:
    with TestClient(admin_app, follow_redirects=False) as client:
        wrong_password = sign_in(client, "pirha", "wrong password entirely")
        no_such_user = sign_in(client, "nobody-here", "wrong password entirely")
    assert wrong_password.status_code == no_such_user.status_code == 401
    wrong_password_error = soup(wrong_password.text).select_one("#login-error")
    no_such_user_error = soup(no_such_user.text).select_one("#login-error")
    assert wrong_password_error is not None and no_such_user_error is not None
    assert wrong_password_error.get_text() == no_such_user_error.get_text()


def test_sign_in_is_throttled_per_account_with_a_clear_message(admin_app: FastAPI) -> None:
    with TestClient(admin_app, follow_redirects=False) as client:  # same limits for unknown names
        statuses = [sign_in(client, "ghost-account", f"wrong {n}").status_code for n in range(5)]
        throttled = sign_in(client, "ghost-account")
    assert statuses == [401] * 5
    assert throttled.status_code == 429
    assert "15" in soup(throttled.text).select_one("#login-error").get_text()  # type: ignore[union-attr]


def test_session_cookie_is_flagged_and_expires_when_idle(admin_app: FastAPI) -> None:
    with TestClient(admin_app, base_url="https://testserver", follow_redirects=False) as client:
        response = sign_in(client, "pirha")
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
        value = client.cookies[SESSION_COOKIE]
        signer = admin_app.state.session_signer
        session = signer.read(value)
        assert session is not None
        assert signer.read(value, now=session.last_seen + SESSION_IDLE_S + 1) is None
        assert signer.read(value[:-2] + "xx") is None, "a tampered cookie is refused"


def test_sign_out_everywhere_invalidates_other_sessions(admin_app: FastAPI) -> None:
    with (
        TestClient(admin_app, follow_redirects=False) as first,
        TestClient(admin_app, follow_redirects=False) as second,
    ):
        sign_in(first, "kymi")
        sign_in(second, "kymi")
        assert second.get("/admin").status_code == 200
        assert (
            post_form(
                first, "/admin/logout-everywhere", [("csrf", csrf_of(first, "/admin"))]
            ).status_code
            == 303
        )
        assert second.get("/admin").status_code == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/palveluntuottajat",
        "javascript:alert(1)",
    ],
)
def test_next_parameter_cannot_redirect_elsewhere(admin_app: FastAPI, target: str) -> None:
    with TestClient(admin_app, follow_redirects=False) as client:
        page = soup(client.get("/admin/login", params={"next": target}).text)
        token = str(page.select_one("input[name=form_token]")["value"])  # type: ignore[index]
        fields = [
            ("username", "boss"),
            ("password", PASSWORD),
            ("form_token", token),
            ("next", target),
        ]
        response = post_form(client, "/admin/login", fields)
    assert response.headers["location"] == "/admin"


def test_review_list_puts_unchecked_first_and_counts_stale(
    signed_in: dict[str, TestClient],
) -> None:
    page = soup(signed_in["pirha"].get("/admin").text)
    rows = page.select("tbody tr")
    assert rows and all(row.select_one("form") for row in rows)
    lead = page.select_one(".lead")
    assert lead is not None and str(len(rows)) in lead.get_text()


def test_form_token_expires(admin_app: FastAPI) -> None:
    signer = admin_app.state.session_signer
    token = signer.form_token()
    assert signer.form_token_valid(token)
    assert not signer.form_token_valid(token + "x")
    assert not signer.form_token_valid("")


def test_coordinator_adds_a_provider_in_their_own_region_only(
    admin_settings: Settings,
    admin_app: FastAPI,
    signed_in: dict[str, TestClient],
    admin_db: Session,
) -> None:
    kymi = signed_in["kymi"]
    form = soup(kymi.get("/admin/palveluntuottajat/uusi").text)
    assert [o["value"] for o in form.select("#field-region option")] == ["10"]
    token = csrf_of(kymi, "/admin/palveluntuottajat/uusi")
    base = [
        ("csrf", token), ("organization", "Esimerkkiyhdistys ry"), ("name", "Uusi työpaja"),
        ("municipality_code", "285"), ("services", "kohtaamispaikat"), ("activities", "puutyot"),
    ]  # fmt: skip
    wrong_region = post_form(kymi, "/admin/palveluntuottajat/uusi", [*base, ("region", "08")])
    assert wrong_region.status_code == 422
    assert soup(wrong_region.text).select_one("#error-region") is not None
    created = post_form(kymi, "/admin/palveluntuottajat/uusi", [*base, ("region", "10")])
    assert created.status_code == 303
    catch_up_index(admin_settings)
    provider = admin_db.exec(select(Provider).where(Provider.name == "Uusi työpaja")).one()
    assert provider.region_code == "10" and provider.status == "current"
    assert provider.external_id.startswith("web:")
    with TestClient(admin_app) as public:
        found = public.get("/api/v1/providers", params={"q": "uusi työpaja"}).json()
    assert provider.id in {item["id"] for item in found["items"]}
    log = admin_db.exec(
        select(ChangeLogEntry).where(ChangeLogEntry.provider_id == provider.id)
    ).all()
    assert [entry.action for entry in log] == ["create"]


def test_an_import_conflict_is_shown_and_the_maintainer_decides(
    signed_in: dict[str, TestClient], admin_db: Session, tmp_path: Path
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P008"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    client = signed_in["kymi"]
    edited = edit_fields(client, url, phone="05 111 1111", email="paja@example.org")
    assert post_form(client, url, edited).status_code == 303
    # the bundled source says otherwise, and gives no date: the person's values win for now
    with PROVIDERS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["record_id"] == "P008"]
    rows[0].update(phone="05 222 2222", email="toinen@example.org")
    path = tmp_path / "p008.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    parsed = parse_csv_files(
        [path], mappings=load_mappings(load_vocabularies(), set(SERVICE_CODES)),
        municipality_regions=municipality_regions(session=admin_db),
        regions=organiser_codes(admin_db),
    )  # fmt: skip
    report = merge_records(session=admin_db, parsed=parsed, today=dt.date.today())
    admin_db.commit()
    assert sorted(report.conflicts) == ["csv:P008: email", "csv:P008: phone"]
    section = soup(client.get(url).text).select_one("#imports")
    assert section is not None and "05 222 2222" in section.parent.get_text()  # type: ignore[union-attr]
    conflicts = {c.field: c.id for c in admin_db.exec(select(ImportConflict)).all()}
    conflict_url = f"{url}/tuonti/{conflicts['phone']}"
    other_region = signed_in["pirha"]
    denied = post_form(
        other_region,
        conflict_url,
        [("csrf", csrf_of(other_region, "/admin")), ("decision", "accept")],
    )
    assert denied.status_code == 403
    token = csrf_of(client, url)
    assert (
        post_form(client, conflict_url, [("csrf", token), ("decision", "accept")]).status_code
        == 303
    )
    dismiss_url = f"{url}/tuonti/{conflicts['email']}"
    assert (
        post_form(client, dismiss_url, [("csrf", token), ("decision", "dismiss")]).status_code
        == 303
    )
    admin_db.expire_all()
    provider = admin_db.get(Provider, provider_id)
    assert provider is not None
    assert (provider.phone, provider.email) == ("05 222 2222", "paja@example.org")
    assert soup(client.get(url).text).select_one("#imports") is None
    # the dismissed value is not asked about again; the accepted one now matches
    again = merge_records(session=admin_db, parsed=parsed, today=dt.date.today())
    admin_db.commit()
    assert again.conflicts == []
    assert (
        post_form(client, conflict_url, [("csrf", token), ("decision", "accept")]).status_code
        == 404
    )


def test_review_list_pages_cover_every_entry_once_in_order(admin_db: Session) -> None:
    """The admin home is cut into pages in the database (100 000 entries nationally); the
    pages together are the whole list in the old order, with counts of the whole list."""
    from app.catalogue import maintenance, policy
    from app.catalogue.providers import provider_details
    from app.models import Provider

    today = dt.date.today()
    every_id = [pid for pid in admin_db.exec(select(Provider.id)).all() if pid is not None]
    everything = provider_details(session=admin_db, provider_ids=every_id)
    everything.sort(key=lambda d: (d.provider.assured_date or dt.date.min, d.provider.name))
    pages = []
    page = 1
    while True:
        review = maintenance.review_list(
            session=admin_db, regions=None, today=today, page=page, per_page=10
        )
        assert review.total == len(everything)
        assert review.stale == sum(policy.is_stale(d.provider, today) for d in everything)
        pages.append([d.id for d in review.entries])
        if page == review.page_count:
            break
        page += 1
    assert len(pages) == -(-len(everything) // 10) > 1
    assert [pid for ids in pages for pid in ids] == [d.id for d in everything]
    beyond = maintenance.review_list(
        session=admin_db, regions=None, today=today, page=999, per_page=10
    )
    assert beyond.page == beyond.page_count  # a page past the end shows the last one
