"""The five users of the December 2026 review walk their paths in a real browser, with
JavaScript on and off (issue 16): no link to the catalogue may lead to zero results, no
maintainers' note may show, and every region page and questionnaire result must give a
contact or the honest fallback. Also: the phone header fits in a fifth of a 360 × 740
screen, and the comparison reads without sideways scrolling at 360 px."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from app import i18n
from tests.fixtures.browser import PHONE_VIEWPORT
from tests.test_no_internal_notes import _fragments, _internal_notes

pytestmark = pytest.mark.browser

DESKTOP: ViewportSize = {"width": 1366, "height": 768}
ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=job&support=mental-health"
)
PARENT_ANSWERS = (
    "age=18-24&situation=other&jobseeker=no&limits=a-lot&disability=yes"
    "&intellectual_disability=yes&goal=daily-activity&support=none"
)
# Phrases of the English research notes and raw provenance values of the bundled data.
NOT_PUBLIC = (
    "stored excerpt",
    "No number appears",
    "is not visible in the stored",
    "historical – verify",
    "current per source",
    "closed per source",
    "verify_note",
)
HEADER_SHARE = 0.20


@dataclass(frozen=True)
class User:
    name: str
    version: str
    viewport: ViewportSize
    path: tuple[str, ...]
    contact_pages: tuple[str, ...]  # steps that must give a contact or the honest fallback


USERS = (
    User(
        "kouvola-long-term-unemployed-phone",
        "fi",
        PHONE_VIEWPORT,
        (
            "/",
            "/palvelut/kuntouttava-tyotoiminta",
            f"/polku/tulos?{ANSWERS}&municipality=286",
            "/alueet/10",
            "/palveluntuottajat?q=Kouvolassa",
        ),
        (f"/polku/tulos?{ANSWERS}&municipality=286", "/alueet/10"),
    ),
    User(
        "jyvaskyla-counsellor-desktop",
        "fi",
        DESKTOP,
        (
            "/palveluntuottajat?region=15&service=kuntouttava-tyotoiminta",
            "/palveluntuottajat?q=puut%C3%B6it%C3%A4+Jyv%C3%A4skyl%C3%A4ss%C3%A4",
            "/palvelut/vertailu",
            "/alueet/15",
            f"/polku/tulos?{ANSWERS}&municipality=179",
        ),
        ("/alueet/15", f"/polku/tulos?{ANSWERS}&municipality=179"),
    ),
    User(
        "parent-easy-finnish",
        "fi-selko",
        PHONE_VIEWPORT,
        (
            "/selko",
            "/selko/palvelut/kehitysvammaisten-tyotoiminta",
            "/selko/palvelut/vertailu",
            f"/selko/polku/tulos?{PARENT_ANSWERS}&municipality=905",
            "/selko/alueet/17",
        ),
        (f"/selko/polku/tulos?{PARENT_ANSWERS}&municipality=905", "/selko/alueet/17"),
    ),
    User(
        "swedish-speaker-vaasa",
        "sv",
        PHONE_VIEWPORT,
        (
            "/sv",
            "/sv/omraden/17",
            f"/sv/vagen/tulos?{ANSWERS}&municipality=905",
            "/sv/tjansteproducenter?q=Vasa",
            "/sv/tjansteproducenter?region=17",
            "/sv/tjanster/vertailu",
        ),
        ("/sv/omraden/17", f"/sv/vagen/tulos?{ANSWERS}&municipality=905"),
    ),
    User(
        "english-speaking-immigrant-espoo",
        "en",
        DESKTOP,
        (
            "/en",
            "/en/services/kuntouttava-tyotoiminta",
            f"/en/pathway/tulos?{ANSWERS}&municipality=049",
            "/en/regions/03",
            "/en/providers?region=03",
        ),
        (f"/en/pathway/tulos?{ANSWERS}&municipality=049", "/en/regions/03"),
    ),
)


@pytest.fixture(scope="module")
def not_public() -> list[str]:
    return [*NOT_PUBLIC, *(part for note in _internal_notes() for part in _fragments(note))]


def _context(browser: Browser, viewport: ViewportSize, *, javascript: bool) -> BrowserContext:
    return browser.new_context(viewport=viewport, java_script_enabled=javascript)


def _catalogue_links(page: Page, version: str) -> list[str]:
    """Links in the main content to a catalogue search (not a provider, export or print)."""
    search_path = i18n.localized_path("/palveluntuottajat", version)
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.path == search_path and parts.query:
            found.append(f"{parts.path}?{parts.query}")
    return list(dict.fromkeys(found))


def _internal_links(page: Page, live_server: str) -> list[str]:
    """Every link in the main content to a page of this site (anchors left out)."""
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
    return list(dict.fromkeys(h.split("#")[0] for h in hrefs if h.startswith(live_server)))


def _result_count(page: Page, live_server: str, path: str) -> int:
    response = page.request.get(live_server + path)
    assert response.ok, path
    return len(re.findall(r'<li class="result">', response.text()))


def _has_contact_or_fallback(page: Page) -> bool:
    contact = page.locator("main .region-contact")
    if contact.count():
        return bool(
            contact.locator("a[href^='tel:']").count()
            or contact.locator("a[rel~='external']").count()
        )
    return page.locator("main [data-note='outside-regions'] a[rel~='external']").count() > 0


def _walk(page: Page, live_server: str, user: User, not_public: list[str]) -> Iterator[str]:
    """Visit each step; yield every problem found (an empty walk yields nothing)."""
    for step in user.path:
        response = page.goto(live_server + step)
        if response is None or response.status != 200:
            yield f"{step}: status {response.status if response else None}"
            continue
        text = html.unescape(page.locator("main").inner_text())
        yield from (f"{step}: shows a maintainers' note: {n!r}" for n in not_public if n in text)
        for link in _catalogue_links(page, user.version):
            if _result_count(page, live_server, link) == 0:
                yield f"{step}: link to {link} finds no providers"
        for link in _internal_links(page, live_server):
            status = page.request.get(link, max_redirects=0).status
            if status != 200:
                yield f"{step}: link to {link} answers {status}"
        if step in user.contact_pages and not _has_contact_or_fallback(page):
            yield f"{step}: no contact and no honest fallback"
        is_search = urlsplit(step).path == i18n.localized_path("/palveluntuottajat", user.version)
        if (
            is_search
            and page.locator("main li.result").count() == 0
            and page.locator("main .widen a, main .place-advice a").count() == 0
        ):
            yield f"{step}: zero results with no wider search offered"
        if is_search:  # the user opens the first providers found
            hrefs = page.locator("main li.result h3 a").evaluate_all(
                "links => links.slice(0, 3).map(a => a.href)"
            )
            for href in hrefs:
                page.goto(href)
                shown = html.unescape(page.locator("main").inner_text())
                yield from (
                    f"{href}: shows a maintainers' note: {n!r}" for n in not_public if n in shown
                )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("user", USERS, ids=[user.name for user in USERS])
def test_user_walks_their_path_without_dead_ends(
    browser: Browser, live_server: str, user: User, javascript: bool, not_public: list[str]
) -> None:
    context = _context(browser, user.viewport, javascript=javascript)
    page = context.new_page()
    problems = list(_walk(page, live_server, user, not_public))
    context.close()
    assert problems == []


HEADER_PATHS = [
    "/",
    "/selko/palvelut/kehitysvammaisten-tyotoiminta",
    "/sv/omraden/17",
    "/en/providers",
    "/palvelut/vertailu",
]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("path", HEADER_PATHS)
def test_phone_header_takes_at_most_a_fifth_of_the_screen(
    browser: Browser, live_server: str, path: str, javascript: bool
) -> None:
    context = _context(browser, PHONE_VIEWPORT, javascript=javascript)
    page = context.new_page()
    page.goto(live_server + path)
    height = page.locator("header.site-header").bounding_box()
    assert height is not None
    assert height["height"] <= HEADER_SHARE * PHONE_VIEWPORT["height"], height
    context.close()


def test_phone_menu_opens_and_navigates_without_javascript(
    browser: Browser, live_server: str
) -> None:
    context = _context(browser, PHONE_VIEWPORT, javascript=False)
    page = context.new_page()
    page.goto(live_server + "/sv")
    menu_link = page.locator(".site-menu").get_by_role("link", name="Tjänsteproducenter")
    expect(menu_link).to_be_hidden()
    expect(page.locator(".site-nav")).to_be_hidden()  # the wide bar is not shown on a phone
    page.locator(".site-menu summary").click()
    expect(menu_link).to_be_visible()
    menu_link.click()
    expect(page).to_have_url(re.compile("/sv/tjansteproducenter$"))
    context.close()


def test_desktop_shows_the_full_menu_bar_and_no_menu_button(
    browser: Browser, live_server: str
) -> None:
    context = _context(browser, DESKTOP, javascript=True)
    page = context.new_page()
    page.goto(live_server + "/")
    expect(page.locator(".site-nav").get_by_role("link", name="Palveluntuottajat")).to_be_visible()
    expect(page.locator(".site-menu summary")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("version", ["fi", "sv", "en"])
def test_comparison_reads_per_service_at_360px_and_as_a_table_on_desktop(
    browser: Browser, live_server: str, version: str
) -> None:
    path = i18n.localized_path("/palvelut/vertailu", version)
    context = _context(browser, PHONE_VIEWPORT, javascript=True)
    page = context.new_page()
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    expect(page.locator(".compare--wide")).to_be_hidden()
    blocks = page.locator(".compare--stacked .compare__item")
    expect(blocks).to_have_count(5)
    for index in range(5):
        box = blocks.nth(index).bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE_VIEWPORT["width"]
    context.close()
    context = _context(browser, DESKTOP, javascript=True)
    page = context.new_page()
    page.goto(live_server + path)
    expect(page.locator(".compare--wide table")).to_be_visible()
    expect(page.locator(".compare--stacked")).to_be_hidden()
    # the row headers keep whole words: no cell of the label column is narrower than its
    # longest word
    narrow = page.evaluate(
        """() => [...document.querySelectorAll('.compare--wide tbody td:first-child')]
             .filter(cell => cell.scrollWidth > cell.clientWidth).length"""
    )
    assert narrow == 0
    context.close()
