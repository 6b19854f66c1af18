"""The "where to ask in your municipality" form on service pages, and the maintainers' region
contact form, in a real browser at 360 px: usable without JavaScript, axe at 0 violations
(axe needs JavaScript, so it runs on the same pages with JavaScript on)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.accounts import create_user
from app.config import Settings
from app.db import make_engine
from tests.fixtures.browser import axe_violations

pytestmark = pytest.mark.browser
PASSWORD = "browser test password"


def test_the_municipality_form_works_without_javascript_at_360px(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server + "/sv/tjanster/tyollisyyspalvelut")
    page.get_by_label("Din kommun", exact=True).select_option("286")  # Kouvola
    page.get_by_role("button", name="Visa kontaktuppgifter").click()
    expect(page).to_have_url(re.compile(r"kunta=286#where-to-ask$"))
    section = page.locator("#where-to-ask")
    expect(section).to_contain_text("Kouvolan kaupunki (työvoimaviranomainen)")
    expect(section.locator(".region-contact")).to_be_visible()
    expect(section.get_by_role("link", name="tyomarkkinatori.fi")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/sv/tjanster/tyollisyyspalvelut?kunta=286",  # Kouvola: its own area
        "/selko/palvelut/kuntouttava-tyotoiminta?kunta=205",  # Kajaani: in no area
        "/en/services/kuntouttava-tyotoiminta?kunta=999",  # not a municipality: 422
        "/palvelut/kuntouttava-tyotoiminta?kunta=478",  # Maarianhamina (Åland)
    ],
)
def test_the_forms_answers_have_no_axe_violations_at_360px(
    live_server: str, phone_page: Page, path: str
) -> None:
    phone_page.goto(live_server + path)
    expect(phone_page.locator("#where-to-ask")).to_be_visible()
    assert axe_violations(phone_page) == []
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture(scope="module")
def region_coordinator(live_server_settings: Settings) -> str:
    engine = make_engine(live_server_settings.database_url)
    with Session(engine) as session:
        create_user(
            session=session,
            username="kymi-contacts",
            password=PASSWORD,
            role="coordinator",
            regions=["10"],
        )
    engine.dispose()
    return "kymi-contacts"


def test_the_region_contact_form_and_its_errors_have_no_axe_violations(
    live_server: str, phone_page: Page, region_coordinator: str
) -> None:
    phone_page.goto(live_server + "/admin/alueet/10")
    phone_page.get_by_label("Käyttäjätunnus").fill(region_coordinator)
    phone_page.get_by_label("Salasana").fill(PASSWORD)
    phone_page.get_by_role("button", name="Kirjaudu", exact=True).click()
    expect(phone_page.locator("h1")).to_have_text("Kymenlaakson hyvinvointialue")
    assert axe_violations(phone_page) == []
    phone_page.locator("input[name$='-phone']").first.fill("javascript:alert(1)")
    phone_page.get_by_role("button", name="Tallenna muutokset").click()
    expect(phone_page.locator(".error-summary")).to_be_visible()
    expect(phone_page.locator(".error-message").first).to_have_text("Tarkista arvon muoto.")
    assert axe_violations(phone_page) == []
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
