"""Real-browser checks: axe-core at 360 px, no horizontal scrolling at 320 px or 200 % text,
no CSP violations, the Listen button, and pages without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page

from tests.fixtures.browser import axe_violations

pytestmark = pytest.mark.browser

RESULT_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=job&support=mental-health"
)
PAGES = {
    "home": {"fi": "/", "fi-selko": "/selko", "sv": "/sv", "en": "/en"},
    "regions": {
        "fi": "/alueet",
        "fi-selko": "/selko/alueet",
        "sv": "/sv/omraden",
        "en": "/en/regions",
    },
    "services": {
        "fi": "/palvelut",
        "fi-selko": "/selko/palvelut",
        "sv": "/sv/tjanster",
        "en": "/en/services",
    },
    "core service": {
        "fi": "/palvelut/kuntouttava-tyotoiminta",
        "fi-selko": "/selko/palvelut/kehitysvammaisten-tyotoiminta",
        "sv": "/sv/tjanster/sosiaalinen-kuntoutus",
        "en": "/en/services/vammaisten-tyotoiminta",
    },
    "related service": {
        "fi": "/palvelut/tyokokeilu",
        "fi-selko": "/selko/palvelut/paivatoiminta",
        "sv": "/sv/tjanster/kohtaamispaikat",
        "en": "/en/services/ammatillinen-kuntoutus",
    },
    "reform": {
        "fi": "/palvelut/uudistus-2026",
        "fi-selko": "/selko/palvelut/uudistus-2026",
        "sv": "/sv/tjanster/uudistus-2026",
        "en": "/en/services/uudistus-2026",
    },
    "comparison": {
        "fi": "/palvelut/vertailu",
        "fi-selko": "/selko/palvelut/vertailu",
        "sv": "/sv/tjanster/vertailu",
        "en": "/en/services/vertailu",
    },
    "accessibility statement": {
        "fi": "/saavutettavuus",
        "fi-selko": "/selko/saavutettavuus",
        "sv": "/sv/tillganglighet",
        "en": "/en/accessibility",
    },
    "provider search": {
        "fi": "/palveluntuottajat?q=kierr%C3%A4tys",
        "fi-selko": "/selko/palveluntuottajat?region=10",
        "sv": "/sv/tjansteproducenter?service=kuntouttava-tyotoiminta",
        "en": "/en/providers?q=Sotke",
    },
    "all facet options": {
        "fi": "/palveluntuottajat?region=15&all_options=true",
        "fi-selko": "/selko/palveluntuottajat?q=kierr%C3%A4tys&all_options=true",
        "sv": "/sv/tjansteproducenter?activity=puutyot&all_options=true",
        "en": "/en/providers?q=kier%C3%A4tys&all_options=true",
    },
    "provider": {
        "fi": "/palveluntuottajat/1",
        "fi-selko": "/selko/palveluntuottajat/20",
        "sv": "/sv/tjansteproducenter/19",
        "en": "/en/providers/44",
    },
    "region": {
        "fi": "/alueet/10",
        "fi-selko": "/selko/alueet/15",
        "sv": "/sv/omraden/01",
        "en": "/en/regions/90",
    },
    "print view": {
        "fi": "/palveluntuottajat/tuloste?region=10",
        "fi-selko": "/selko/palveluntuottajat/tuloste?region=90",
        "sv": "/sv/tjansteproducenter/tuloste?region=01",
        "en": "/en/providers/tuloste?q=paja",
    },
    "report a change": {
        "fi": "/palveluntuottajat/1/korjaus",
        "fi-selko": "/selko/palveluntuottajat/2/korjaus",
        "sv": "/sv/tjansteproducenter/3/korjaus",
        "en": "/en/providers/4/korjaus",
    },
    "feedback": {
        "fi": "/saavutettavuus/palaute",
        "fi-selko": "/selko/saavutettavuus/palaute",
        "sv": "/sv/tillganglighet/palaute",
        "en": "/en/accessibility/palaute",
    },
    "zero results": {
        "fi": "/palveluntuottajat?region=17&service=kuntouttava-tyotoiminta",
        "fi-selko": "/selko/palveluntuottajat?q=puut%C3%B6it%C3%A4+Vaasa",
        "sv": "/sv/tjansteproducenter?q=verkstad&region=17",
        "en": "/en/providers?has_free_places=true",
    },
    "questionnaire result": {
        "fi": f"/polku/tulos?{RESULT_ANSWERS}&municipality=286",
        "fi-selko": f"/selko/polku/tulos?{RESULT_ANSWERS}&municipality=905",
        "sv": f"/sv/vagen/tulos?{RESULT_ANSWERS}&municipality=205",
        "en": f"/en/pathway/tulos?{RESULT_ANSWERS}&municipality=049",
    },
    "not found": {
        "fi": "/ei-ole",
        "fi-selko": "/selko/ei-ole",
        "sv": "/sv/finns-inte",
        "en": "/en/missing",
    },
}
PAGE_IDS = {
    f"{name}-{version}": path
    for name, versions in PAGES.items()
    for version, path in versions.items()
}
ALL_PATHS = [pytest.param(path, id=page_id) for page_id, path in PAGE_IDS.items()]


def _paths_where(keep: Callable[[str], bool]) -> list[object]:
    """The parameters of ALL_PATHS whose id passes `keep`."""
    return [pytest.param(path, id=page_id) for page_id, path in PAGE_IDS.items() if keep(page_id)]


def test_home_page_at_360px_has_no_axe_violations(live_server: str, phone_page: Page) -> None:
    phone_page.goto(live_server + "/")
    assert axe_violations(phone_page) == []


@pytest.mark.parametrize("path", ALL_PATHS)
def test_page_has_no_axe_violations_at_360px(live_server: str, phone_page: Page, path: str) -> None:
    phone_page.goto(live_server + path)
    assert axe_violations(phone_page) == []


@pytest.mark.parametrize("path", _paths_where(lambda id_: "-fi" in id_ and "selko" not in id_))
def test_no_horizontal_scrolling_at_320px_and_200_percent_text(
    browser: Browser, live_server: str, path: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


@pytest.mark.parametrize("path", _paths_where(lambda id_: id_.endswith(("-fi-selko", "-sv"))))
def test_content_security_policy_holds_with_zero_violations(
    browser: Browser, live_server: str, path: str
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "404" not in message.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective))"
    )
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    assert problems == []
    context.close()


def test_listen_button_appears_only_on_easy_finnish_pages(
    live_server: str, phone_page: Page
) -> None:
    phone_page.goto(live_server + "/selko/palvelut/kuntouttava-tyotoiminta")
    supported = phone_page.evaluate("'speechSynthesis' in window")
    button = phone_page.locator("[data-listen-target]")
    assert button.count() == 1
    assert button.is_visible() == supported
    for path in ("/palvelut/kuntouttava-tyotoiminta", "/en/services/kuntouttava-tyotoiminta"):
        phone_page.goto(live_server + path)
        assert phone_page.locator("[data-listen-target]").count() == 0


def test_site_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("link", name="Svenska").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    page.locator("main").get_by_role(
        "link", name="Vad tjänsterna är och vem de är till för"
    ).click()
    page.locator("main").get_by_role("link", name="Social rehabilitering").first.click()
    assert "/sv/tjanster/sosiaalinen-kuntoutus" in page.url
    assert page.locator("[data-listen-target]").count() == 0
    context.close()


def test_skip_link_moves_focus_to_main_content(live_server: str, phone_page: Page) -> None:
    phone_page.goto(live_server + "/palvelut")
    phone_page.keyboard.press("Tab")
    skip = phone_page.locator(".skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()
    phone_page.keyboard.press("Enter")
    assert phone_page.evaluate("document.activeElement.id") == "main-content"
