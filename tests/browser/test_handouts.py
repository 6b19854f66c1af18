"""The print view as a handout on A4 portrait, printed by a real Chromium (issue 16 item 7)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.fixtures.browser import PHONE_VIEWPORT, axe_violations

pytestmark = pytest.mark.browser

A4_POINTS = (595.92, 842.88)  # 210 × 297 mm, as Chromium writes a PDF's MediaBox
# The printable width: 210 mm less 15 mm margins (static/css/polku.css, @page), in CSS px.
PRINTABLE_PX = (210 - 2 * 15) / 25.4 * 96

OVERFLOWING = """() => {
    const limit = document.documentElement.clientWidth + 0.5;
    return [...document.querySelectorAll('main, main *')]
        .filter(e => e.getBoundingClientRect().right > limit)
        .map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.getBoundingClientRect().right}`);
}"""


@pytest.mark.parametrize(
    "path", ["/palveluntuottajat/tuloste?region=10", "/palveluntuottajat/tuloste"]
)
def test_print_view_fits_a4_portrait(live_server: str, browser: Browser, path: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(live_server + path)
    assert page.locator("tbody tr").count() > 5
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes, "Chromium wrote pages"
    for width, height in boxes:
        assert (float(width), float(height)) == pytest.approx(A4_POINTS, abs=1), "A4 portrait"
    # Laid out as printed, at the printable width, nothing reaches past the right margin.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": int(PRINTABLE_PX), "height": 1000})
    assert page.evaluate(OVERFLOWING) == []
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.print-table th')]"
        ".map(th => th.getBoundingClientRect().width)"
    )
    assert len(widths) == 4 and min(widths) > PRINTABLE_PX * 0.2, "no squeezed column"
    context.close()


def test_print_view_on_a_phone_has_no_accessibility_violations(
    live_server: str, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE_VIEWPORT, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + "/palveluntuottajat/tuloste?region=15")
    assert axe_violations(page) == []
    context.close()
