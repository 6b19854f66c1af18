"""The questionnaire in a real browser at 360 px: with and without JavaScript, axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fixtures.browser import PHONE_VIEWPORT, axe_violations

pytestmark = pytest.mark.browser

STEPS = [
    ("age", "30–64-vuotias"),
    (
        "situation",
        "Olen ollut työttömänä 12 kuukautta tai kauemmin, tai olen ollut työttömänä monta kertaa",
    ),
    ("jobseeker", "Kyllä"),
    ("limits", "Jonkin verran"),
    ("disability", "Ei"),
    ("goal", "Opiskelupaikan"),
    ("support", "Päihteiden käytössä"),
]


def walk_questions(page: Page, live_server: str, *, check_axe: bool) -> None:
    page.goto(live_server + "/polku")
    if check_axe:
        assert axe_violations(page) == []
    page.locator("main a[href*='/kysymys/age']").click()
    for question_id, label in STEPS:
        expect(page).to_have_url(re.compile(f"/kysymys/{question_id}"))
        if check_axe:
            assert axe_violations(page) == []
        page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Jatka").click()
    expect(page).to_have_url(re.compile("/kysymys/municipality"))
    if check_axe:
        assert axe_violations(page) == []


def test_questionnaire_with_javascript(live_server: str, phone_page: Page) -> None:
    walk_questions(phone_page, live_server, check_axe=True)
    municipality = phone_page.locator("input#answer-municipality-0")
    expect(municipality).to_be_visible()  # the typeahead replaced the long list
    municipality.fill("Kotka")
    phone_page.get_by_role("button", name="Jatka").click()
    expect(phone_page).to_have_url(re.compile("/polku/tarkista"))
    expect(phone_page.locator("h1")).to_be_focused()
    assert axe_violations(phone_page) == []
    phone_page.locator("main a[href*='/tulos?']").click()
    expect(phone_page.locator(".suggestion-card h2").first).to_have_text("Kuntouttava työtoiminta")
    expect(phone_page.locator("#contact + p")).to_contain_text("Kymenlaakso")
    expect(phone_page.locator("[data-print]")).to_be_visible()
    assert "municipality=285" in phone_page.url
    urgent = phone_page.locator("aside.urgent-help")
    expect(urgent).to_be_visible()  # substance support was chosen
    expect(urgent.locator("a[href='tel:112']")).to_be_visible()
    assert axe_violations(phone_page) == []


def test_questionnaire_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE_VIEWPORT)
    page = context.new_page()
    walk_questions(page, live_server, check_axe=False)
    page.locator("select#answer-municipality-0").select_option("285")
    page.get_by_role("button", name="Jatka").click()
    expect(page).to_have_url(re.compile("/polku/tarkista"))
    page.locator("main a[href*='/tulos?']").click()
    expect(page.locator(".suggestion-card h2").first).to_have_text("Kuntouttava työtoiminta")
    expect(page.locator("[data-print]")).to_be_hidden()
    context.close()


def test_back_link_and_change_answers_keep_earlier_answers(
    live_server: str, phone_page: Page
) -> None:
    phone_page.goto(live_server + "/polku/kysymys/limits?age=30-64&situation=student&jobseeker=no")
    phone_page.locator(".back-link a").click()
    expect(phone_page).to_have_url(re.compile("/kysymys/jobseeker"))
    expect(phone_page.get_by_label("En", exact=True)).to_be_checked()
    phone_page.goto(
        live_server
        + "/polku/tarkista?age=30-64&situation=employed&limits=none&goal=job&support=none"
    )
    phone_page.locator("a[href*='/kysymys/goal']").click()
    expect(phone_page.get_by_label("Työpaikan", exact=True)).to_be_checked()
    phone_page.get_by_label("Opiskelupaikan", exact=True).check()
    phone_page.get_by_role("button", name="Jatka").click()
    expect(phone_page).to_have_url(re.compile(r"/polku/tarkista\?.*goal=studies"))
    expect(phone_page.locator(".summary-list")).to_contain_text("Opiskelupaikan")
    expect(phone_page.locator(".summary-list")).to_contain_text("Olen töissä")


def test_error_summary_is_accessible(live_server: str, phone_page: Page) -> None:
    phone_page.goto(live_server + "/polku/kysymys/situation?age=30-64")
    phone_page.get_by_role("button", name="Jatka").click()
    expect(phone_page.locator(".error-summary")).to_be_visible()
    assert axe_violations(phone_page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/sv/vagen",
        "/en/pathway/kysymys/goal?age=18-24&situation=other&jobseeker=unsure&limits=none",
        "/selko/polku/tulos?age=65-plus&disability=no&support=mental-health",
        "/sv/vagen/tulos?age=30-64&situation=pension&limits=a-lot&disability=no"
        "&goal=everyday-life&support=substance&municipality=478",
        "/en/services/mielenterveys-ja-paihdepalvelut",
    ],
)
def test_other_versions_have_no_axe_violations(
    live_server: str, phone_page: Page, path: str
) -> None:
    phone_page.goto(live_server + path)
    assert axe_violations(phone_page) == []


def test_urgent_help_box_fits_a_320_px_screen_at_200_percent_text(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server + "/selko/palvelut/mielenterveys-ja-paihdepalvelut")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    box = page.locator("aside.urgent-help")
    expect(box).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, "no horizontal scrolling"
    for link in box.locator("a[href^='tel:']").all():
        assert (link.bounding_box() or {"height": 0})["height"] >= 24, "a target big enough to tap"
    context.close()
