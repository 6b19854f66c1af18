"""The five-service comparison: the table for wide screens, the same content per service
for phones (app/guide/tables.py; which one shows is the stylesheet's choice)."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from app import i18n
from app.guide.content import load_guide

STACKED = re.compile(r'<div class="compare compare--stacked">(.*?)</div>', re.S)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.mark.parametrize("version", ["fi", "sv", "en"])
def test_every_cell_of_the_table_is_in_the_stacked_variant_under_its_service(
    version: str,
) -> None:
    page = load_guide().page("vertailu", version)
    assert page is not None
    section = next(s for s in page.sections if s.id == "table")
    assert '<div class="compare compare--wide"><table>' in section.html
    stacked = STACKED.search(section.html)
    assert stacked is not None
    blocks = re.findall(r'<section class="compare__item">(.*?)</section>', stacked.group(1), re.S)
    table = section.html[: stacked.start()]
    headers = re.findall(r"<th>(.*?)</th>", table, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    assert len(blocks) == len(headers) - 1 == 5
    for column, block in enumerate(blocks, start=1):
        assert _text(re.search(r"<h3>(.*?)</h3>", block, re.S).group(1)) == _text(headers[column])  # type: ignore[union-attr]
        for row in rows:
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            assert f"<dt>{cells[0]}</dt><dd>{cells[column]}</dd>" in block


def test_stacked_headings_keep_working_links() -> None:
    page = load_guide().page("vertailu", "sv")
    assert page is not None
    stacked = STACKED.search(page.sections[0].html)
    assert stacked is not None
    assert 'href="/sv/tjanster/kuntouttava-tyotoiminta"' in stacked.group(1)
    assert "guide:" not in stacked.group(1)


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_comparison_page_has_no_inline_style(client: TestClient, version: str) -> None:
    text = client.get(i18n.localized_path("/palvelut/vertailu", version)).text
    assert "style=" not in text
    if version != "fi-selko":  # the easy-Finnish page uses lists, not a table
        assert text.count("compare--stacked") == 1
