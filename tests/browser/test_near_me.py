"""Near me in a real browser at 360 px: from a service page to nearest-first results, with
JavaScript on (a typeahead) and off (a plain select); axe on the pages that changed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fixtures.browser import PHONE_VIEWPORT, axe_violations

pytestmark = pytest.mark.browser

SERVICE = "kuntouttava-tyotoiminta"


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def any_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, bool]]:
    """A 360 px page with JavaScript on or off (CSP bypassed only for axe)."""
    javascript: bool = request.param
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, bypass_csp=True, java_script_enabled=javascript
    )
    yield context.new_page(), javascript
    context.close()


def _nearest_places(page: Page) -> list[str]:
    return page.locator(".result__place").all_inner_texts()


def test_choosing_a_municipality_on_a_service_page_gives_nearest_first(
    live_server: str, any_page: tuple[Page, bool]
) -> None:
    page, javascript = any_page
    page.goto(f"{live_server}/palvelut/{SERVICE}")
    form = page.locator("form.near-picker")
    expect(form).to_be_visible()
    if javascript:
        field = form.locator("input#near")  # the select became a text field with suggestions
        expect(field).to_be_visible()
        expect(form.locator("select[name=near]")).to_be_hidden()
        field.fill("Kouvola")
    else:
        form.locator("select#near").select_option(label="Kouvola")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/palveluntuottajat\?.*near=286"))
    assert f"service={SERVICE}" in page.url
    places = _nearest_places(page)
    assert places[0].startswith("Kouvola") and places[0].endswith("0\u00a0km"), places
    kilometres = [int(re.sub(r"\D", "", text.rsplit("–", 1)[1])) for text in places if "km" in text]
    assert kilometres == sorted(kilometres) and kilometres[-1] > 0
    expect(page.locator(".near-note")).to_contain_text("Kouvola")
    # the picker on the catalogue shows the place chosen
    if javascript:
        expect(page.locator("input#near")).to_have_value("Kouvola")
    else:
        expect(page.locator("select#near")).to_have_value("286")
    if javascript:  # axe itself needs JavaScript; the plain select is checked below
        assert axe_violations(page) == []


def test_a_note_when_the_nearest_is_in_another_region(live_server: str, phone_page: Page) -> None:
    phone_page.goto(f"{live_server}/en/providers?near=148")  # Inari: no providers in Lapland
    note = phone_page.locator(".near-note .suggestion")
    expect(note).to_contain_text("another wellbeing region")
    expect(note).to_contain_text("Lapland")
    assert axe_violations(phone_page) == []


@pytest.mark.parametrize("enhanced", [True, False], ids=["typeahead", "plain-select"])
@pytest.mark.parametrize(
    "path",
    ["/", "/sv", f"/selko/palvelut/{SERVICE}", f"/en/services/{SERVICE}", "/palveluntuottajat"],
)
def test_pages_with_the_picker_have_no_axe_violations(
    live_server: str, phone_page: Page, path: str, enhanced: bool
) -> None:
    if not enhanced:  # as without JavaScript: the picker's script never arrives
        phone_page.route("**/typeahead.js*", lambda route: route.abort())
    phone_page.goto(live_server + path)
    field = "input#near" if enhanced else "select#near"
    expect(phone_page.locator(field)).to_be_visible()
    assert axe_violations(phone_page) == []


def test_choosing_a_place_on_the_catalogue_updates_the_list_live(
    live_server: str, phone_page: Page
) -> None:
    page = phone_page
    page.goto(f"{live_server}/palveluntuottajat?q=kierr%C3%A4tys")
    field = page.locator("input#near")
    field.fill("Kouvola")
    field.press("Tab")  # the choice is committed: a change event, as when leaving the field
    expect(page).to_have_url(re.compile(r"near=286"), timeout=5000)
    expect(page.locator(".near-note")).to_contain_text("Kouvola")
    first = page.locator(".result__place").first
    expect(first).to_contain_text("km")
    places = _nearest_places(page)
    kilometres = [int(re.sub(r"\D", "", t.rsplit("–", 1)[1])) for t in places if "km" in t]
    assert kilometres == sorted(kilometres)
    exports = page.locator(".exports a").first.get_attribute("href") or ""
    assert "near=286" in exports and "q=kierr" in exports
