"""Submissions (public corrections and feedback) reach their moderators; free places with a date."""

from __future__ import annotations

import datetime as dt
import itertools

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.models import Provider, Submission
from tests.fixtures.admin import csrf_of, post_form
from tests.fixtures.catalogue import catch_up_index, provider_ids_by_record

_addresses = itertools.count(1)


def visitor(app: FastAPI) -> TestClient:
    """An anonymous visitor from an address of its own (rate limits are per address)."""
    return TestClient(app, follow_redirects=False, client=(f"192.0.2.{next(_addresses)}", 40000))


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def send_report(client: TestClient, provider_id: int, message: str, **extra: str) -> httpx.Response:
    page = soup(client.get(f"/palveluntuottajat/{provider_id}/korjaus").text)
    token = str(page.select_one("input[name=form_token]")["value"])  # type: ignore[index]
    fields = [
        ("form_token", token),
        ("message", message),
        ("contact", ""),
        ("website", ""),
        *extra.items(),
    ]
    return post_form(client, f"/palveluntuottajat/{provider_id}/korjaus", fields)


def test_provider_page_links_to_report_a_change(admin_app: FastAPI, admin_db: Session) -> None:
    provider_id = provider_ids_by_record(admin_db)["P010"]
    with visitor(admin_app) as client:
        page = soup(client.get(f"/palveluntuottajat/{provider_id}").text)
    assert page.select_one(f"a[href='/palveluntuottajat/{provider_id}/korjaus']") is not None


def test_a_correction_reaches_only_its_regions_coordinators(
    admin_app: FastAPI, admin_db: Session, signed_in: dict[str, TestClient]
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P010"]  # Kymenlaakso
    with visitor(admin_app) as client:
        response = send_report(client, provider_id, "Puhelinnumero on vaihtunut.")
        assert response.status_code == 303 and response.headers["location"].endswith("?kiitos=1")
        assert "Kiitos" in client.get(response.headers["location"]).text
    assert "Puhelinnumero on vaihtunut." in signed_in["kymi"].get("/admin/ilmoitukset").text
    assert "Puhelinnumero on vaihtunut." in signed_in["boss"].get("/admin/ilmoitukset").text
    assert "Puhelinnumero on vaihtunut." not in signed_in["pirha"].get("/admin/ilmoitukset").text
    assert signed_in["anonymous"].get("/admin/ilmoitukset").status_code == 303


def test_accepting_leads_to_the_edit_and_other_regions_cannot_decide(
    admin_app: FastAPI, admin_db: Session, signed_in: dict[str, TestClient]
) -> None:
    provider_id = provider_ids_by_record(admin_db)["P011"]
    with visitor(admin_app) as client:
        assert send_report(client, provider_id, "Osoite on nyt Kauppakatu 1.").status_code == 303
    item = admin_db.exec(
        select(Submission).where(Submission.message == "Osoite on nyt Kauppakatu 1.")
    ).one()
    pirha = signed_in["pirha"]
    refused = post_form(
        pirha,
        f"/admin/ilmoitukset/{item.id}",
        [("csrf", csrf_of(pirha, "/admin")), ("decision", "dismiss")],
    )
    assert refused.status_code == 403
    kymi = signed_in["kymi"]
    forged = post_form(
        kymi, f"/admin/ilmoitukset/{item.id}", [("csrf", "x"), ("decision", "accept")]
    )
    assert forged.status_code == 403
    accepted = post_form(
        kymi,
        f"/admin/ilmoitukset/{item.id}",
        [("csrf", csrf_of(kymi, "/admin")), ("decision", "accept")],
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/admin/palveluntuottajat/{provider_id}"
    admin_db.expire_all()
    assert admin_db.get(Submission, item.id).status == "accepted"  # type: ignore[union-attr]


def test_submission_text_is_escaped_for_the_moderators(
    admin_app: FastAPI, admin_db: Session, signed_in: dict[str, TestClient]
) -> None:
    payload = "<script>alert(1)</script><b onmouseover=alert(2)>x</b>"
    with visitor(admin_app) as client:
        assert (
            send_report(client, provider_ids_by_record(admin_db)["P012"], payload).status_code
            == 303
        )
    html = signed_in["kymi"].get("/admin/ilmoitukset").text
    assert payload not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(("message", "status"), [("", 422), ("x" * 2001, 422)])
def test_empty_or_too_long_submissions_are_refused_with_a_message(
    admin_app: FastAPI, admin_db: Session, message: str, status: int
) -> None:
    with visitor(admin_app) as client:
        response = send_report(client, provider_ids_by_record(admin_db)["P013"], message)
    assert response.status_code == status
    assert soup(response.text).select_one(".error-summary a[href='#report-message']") is not None


def test_honeypot_submissions_look_sent_but_are_not_kept(
    admin_app: FastAPI, admin_db: Session
) -> None:
    with visitor(admin_app) as client:
        response = send_report(
            client, provider_ids_by_record(admin_db)["P014"], "Osta halpaa", website="http://spam"
        )
    assert response.status_code == 303
    assert (
        admin_db.exec(select(Submission).where(Submission.message == "Osta halpaa")).first() is None
    )


def test_submissions_are_rate_limited_per_address(admin_app: FastAPI, admin_db: Session) -> None:
    provider_id = provider_ids_by_record(admin_db)["P015"]
    with visitor(admin_app) as client:
        statuses = [send_report(client, provider_id, f"Viesti {n}").status_code for n in range(6)]
    assert statuses == [303] * 5 + [429]
    with visitor(admin_app) as other:
        assert send_report(other, provider_id, "Toisesta osoitteesta").status_code == 303


def test_forms_without_a_valid_token_are_refused(admin_app: FastAPI, admin_db: Session) -> None:
    provider_id = provider_ids_by_record(admin_db)["P016"]
    with visitor(admin_app) as client:
        response = post_form(
            client,
            f"/palveluntuottajat/{provider_id}/korjaus",
            [("message", "x"), ("form_token", "forged")],
        )
    assert response.status_code == 403


def test_feedback_goes_to_admins_only(admin_app: FastAPI, signed_in: dict[str, TestClient]) -> None:
    with visitor(admin_app) as client:
        page = soup(client.get("/saavutettavuus/palaute").text)
        token = str(page.select_one("input[name=form_token]")["value"])  # type: ignore[index]
        fields = [("form_token", token), ("message", "Kontrasti on liian heikko."), ("website", "")]
        assert post_form(client, "/saavutettavuus/palaute", fields).status_code == 303
    assert "Kontrasti on liian heikko." in signed_in["boss"].get("/admin/ilmoitukset").text
    assert "Kontrasti on liian heikko." not in signed_in["kymi"].get("/admin/ilmoitukset").text


def test_free_places_show_with_their_date_and_hide_after_60_days(
    admin_settings: Settings,
    admin_app: FastAPI,
    admin_db: Session,
    signed_in: dict[str, TestClient],
) -> None:
    from tests.test_admin import edit_fields

    provider_id = provider_ids_by_record(admin_db)["P017"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    kymi = signed_in["kymi"]
    assert (
        post_form(
            kymi, url, edit_fields(kymi, url, free_places="3", waiting_time="2 viikkoa")
        ).status_code
        == 303
    )
    catch_up_index(admin_settings)
    with visitor(admin_app) as client:
        page = soup(client.get(f"/palveluntuottajat/{provider_id}").text)
        shown = page.select_one(".availability")
        assert (
            shown is not None
            and "3 vapaata paikkaa" in shown.get_text()
            and "2 viikkoa" in shown.get_text()
        )
        found = client.get("/api/v1/providers", params={"has_free_places": "true"}).json()
        assert [item["id"] for item in found["items"]] == [provider_id]
    provider = admin_db.get(Provider, provider_id)
    assert provider is not None and provider.availability_date == dt.date.today()
    provider.availability_date = dt.date.today() - dt.timedelta(days=61)
    admin_db.add(provider)
    admin_db.commit()
    catch_up_index(admin_settings)
    with visitor(admin_app) as client:
        assert (
            soup(client.get(f"/palveluntuottajat/{provider_id}").text).select_one(".availability")
            is None
        )
        assert (
            client.get("/api/v1/providers", params={"has_free_places": "true"}).json()["total"] == 0
        )
