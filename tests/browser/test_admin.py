"""A coordinator signs in, fixes an entry and marks it checked, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from app.accounts import create_user
from app.config import Settings
from app.db import make_engine
from tests.fixtures.browser import axe_violations

pytestmark = pytest.mark.browser
PASSWORD = "browser test password"


@pytest.fixture(scope="module")
def coordinator(live_server_settings: Settings) -> str:
    engine = make_engine(live_server_settings.database_url)
    with Session(engine) as session:
        create_user(
            session=session,
            username="kymi-browser",
            password=PASSWORD,
            role="coordinator",
            regions=["10"],
        )
    engine.dispose()
    return "kymi-browser"


def test_coordinator_fixes_an_entry_and_marks_it_checked(
    live_server: str, phone_page: Page, coordinator: str
) -> None:
    phone_page.goto(live_server + "/admin")
    expect(phone_page).to_have_url(re.compile(r"/admin/login\?next="))
    assert axe_violations(phone_page) == []
    phone_page.get_by_label("Käyttäjätunnus").fill(coordinator)
    phone_page.get_by_label("Salasana").fill(PASSWORD)
    phone_page.get_by_role("button", name="Kirjaudu", exact=True).click()
    expect(phone_page.locator("h1")).to_have_text("Luettelon ylläpito")
    assert axe_violations(phone_page) == []
    phone_page.locator("tbody tr a").first.click()
    expect(phone_page.locator("#field-name")).to_be_visible()
    assert axe_violations(phone_page) == []
    phone_page.locator("#field-email").fill("not an address")
    phone_page.get_by_role("button", name="Tallenna muutokset").click()
    expect(phone_page.locator(".error-summary")).to_be_visible()
    expect(phone_page.locator("#error-email")).to_be_visible()
    assert axe_violations(phone_page) == []
    phone_page.locator("#field-email").fill("info@example.org")
    phone_page.get_by_role("button", name="Tallenna muutokset").click()
    expect(phone_page.locator(".notice--change")).to_be_visible()
    phone_page.get_by_role("button", name="Merkitse tarkistetuksi tänään").first.click()
    expect(phone_page.locator("#history ~ .table-wrap")).to_contain_text("info@example.org")
    expect(phone_page.locator("#history ~ .table-wrap")).to_contain_text("checked")
    phone_page.goto(live_server + "/admin/palveluntuottajat/uusi")
    expect(phone_page.locator("h1")).to_have_text("Lisää palveluntuottaja")
    assert axe_violations(phone_page) == []
    phone_page.goto(live_server + "/admin/ilmoitukset")
    expect(phone_page.locator("h1")).to_have_text("Ilmoitukset ja palaute")
    assert axe_violations(phone_page) == []
