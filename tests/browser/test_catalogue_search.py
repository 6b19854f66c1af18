"""The live provider search in a real browser, with JavaScript on and off, at 360 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fixtures.browser import PHONE_VIEWPORT, axe_violations

pytestmark = pytest.mark.browser


def test_typing_updates_results_and_the_address(live_server: str, phone_page: Page) -> None:
    phone_page.goto(live_server + "/palveluntuottajat")
    assert phone_page.evaluate("typeof window.htmx") == "undefined", "loaded only when used"
    status = phone_page.locator("#search-status")
    phone_page.locator("#q").fill("verhoomo")
    expect(status).to_contain_text("1 ", timeout=5000)
    expect(phone_page.locator(".result__title a")).to_have_text(["Pakilan työkeskus"])
    expect(phone_page).to_have_url(re.compile(r"q=verhoomo"))
    assert status.get_attribute("role") == "status"
    assert axe_violations(phone_page) == []


def test_ticking_a_filter_updates_results_and_keeps_focus(
    live_server: str, phone_page: Page
) -> None:
    phone_page.goto(live_server + "/palveluntuottajat")
    phone_page.locator("details.facet summary").first.click()
    checkbox = phone_page.locator("#f-region-10")
    checkbox.check()
    expect(phone_page).to_have_url(re.compile(r"region=10"), timeout=5000)
    expect(phone_page.locator("#f-region-10")).to_be_checked()
    expect(phone_page.locator("#f-region-10")).to_be_focused()
    places = phone_page.locator(".result__place").all_inner_texts()
    assert places and "Helsinki" not in places


def test_back_button_restores_the_previous_search(live_server: str, phone_page: Page) -> None:
    phone_page.goto(live_server + "/palveluntuottajat?q=paja")
    phone_page.locator("#q").fill("verhoomo")
    expect(phone_page).to_have_url(re.compile(r"q=verhoomo"), timeout=5000)
    phone_page.go_back()
    expect(phone_page.locator("#q")).to_have_value("paja", timeout=5000)


def test_search_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE_VIEWPORT)
    page = context.new_page()
    page.goto(live_server + "/palveluntuottajat")
    page.locator("#q").fill("kierrätyksessä")
    page.get_by_role("button", name="Hae", exact=True).click()
    expect(page).to_have_url(re.compile(r"q=kierr"))
    titles = page.locator(".result__title a").all_inner_texts()
    assert any(title.startswith("Sotek Porvoo") for title in titles)
    page.locator("details.facet summary").first.click()
    page.locator("#f-region-01").check()
    page.get_by_role("button", name="Rajaa tulokset").click()
    expect(page).to_have_url(re.compile(r"region=01"))
    page.get_by_role("link", name=re.compile("^Sotek Porvoo")).click()
    expect(page.locator("h1")).to_contain_text("Sotek Porvoo")
    context.close()
