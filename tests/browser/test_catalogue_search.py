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


def _count(page: Page) -> int:
    return int(re.sub(r"\D", "", page.locator("#search-status").inner_text().split()[0]))


def test_every_filter_change_updates_count_list_and_exports(
    live_server: str, phone_page: Page
) -> None:
    """Review 2026-12-05 §3.B: the second facet and the sort sent no request (the trigger
    was bound to an element the swap replaces), and the CSV link kept the old query."""
    page = phone_page
    page.goto(live_server + "/palveluntuottajat")
    everything = _count(page)
    page.locator("details.facet", has=page.locator("#f-region-15")).locator("summary").click()
    page.locator("#f-region-15").check()
    expect(page).to_have_url(re.compile(r"region=15"), timeout=5000)
    expect(page.locator("#search-status")).not_to_contain_text(str(everything), timeout=5000)
    in_region = _count(page)
    service = page.locator("details.facet", has=page.locator("#f-service-kuntouttava-tyotoiminta"))
    if not service.get_attribute("open"):
        service.locator("summary").click()
    page.locator("#f-service-kuntouttava-tyotoiminta").check()
    expect(page).to_have_url(re.compile(r"service=kuntouttava-tyotoiminta"), timeout=5000)
    expect(page.locator("#search-status")).not_to_contain_text(f"{in_region} ", timeout=5000)
    both = _count(page)
    assert 0 < both < in_region
    assert page.locator(".result").count() == both
    for link in ("CSV", "JSON", "Tulostusnäkymä"):
        href = page.locator(".exports a", has_text=link).get_attribute("href") or ""
        assert "region=15" in href and "service=kuntouttava-tyotoiminta" in href, link
    page.locator("#sort").select_option("name")
    expect(page).to_have_url(re.compile(r"sort=name"), timeout=5000)
    titles = page.locator(".result__title a").all_inner_texts()
    assert len(titles) == both
    csv_href = page.locator(".exports a", has_text="CSV").get_attribute("href") or ""
    assert "sort=name" in csv_href


def test_place_words_show_a_removable_filter_and_nearby_matches(
    live_server: str, phone_page: Page
) -> None:
    page = phone_page
    page.goto(live_server + "/palveluntuottajat?q=puut%C3%B6it%C3%A4+Jyv%C3%A4skyl%C3%A4ss%C3%A4")
    chip = page.get_by_role("link", name=re.compile("^Paikka: Jyväskylä"))
    expect(chip).to_be_visible()
    expect(page.locator(".place-advice")).to_contain_text("Jyväskylä: ei hakua")
    assert axe_violations(page) == []
    chip.click()
    expect(page.locator("#q")).to_have_value("puutöitä", timeout=5000)
    assert _count(page) > 0


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
