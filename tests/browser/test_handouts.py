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


# The cells whose text does not fit on one line (cells break long words to stay in place).
WRAPPING = """(selector) => [...document.querySelectorAll(selector)].filter(e => {
    const text = document.createRange();
    text.selectNodeContents(e);
    return new Set([...text.getClientRects()].map(r => Math.round(r.top))).size > 1;
}).map(e => e.textContent.trim())"""


@pytest.mark.parametrize(
    ("path", "columns"),
    [
        ("/palveluntuottajat/tuloste?region=10", 4),
        ("/palveluntuottajat/tuloste", 4),
        # nearest first from Hanko: distances up to the far north ("1 0xx km")
        ("/palveluntuottajat/tuloste?near=078", 5),
        ("/en/providers/tuloste?near=078", 5),  # "Distance", the widest heading
    ],
)
def test_print_view_fits_a4_portrait(
    live_server: str, browser: Browser, path: str, columns: int
) -> None:
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
    assert len(widths) == columns, "a distance column only when nearest first"
    if columns == 4:
        assert min(widths) > PRINTABLE_PX * 0.2, "no squeezed column"
    else:  # the distance column is narrow; the four others keep room for their text
        distance, *texts = widths[1:2] + widths[:1] + widths[2:]
        assert min(texts) > PRINTABLE_PX * 0.19, "no squeezed column"
        assert distance > PRINTABLE_PX * 0.08
        distance_cells = ".print-table thead th:nth-child(2), .print-table__distance"
        assert page.evaluate(WRAPPING, distance_cells) == [], "'1 104 km' on one line"
    context.close()


def test_print_view_on_a_phone_has_no_accessibility_violations(
    live_server: str, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE_VIEWPORT, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + "/palveluntuottajat/tuloste?region=15")
    assert axe_violations(page) == []
    context.close()
