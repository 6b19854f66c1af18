"""Markdown extension: a comparison table also as one stacked block per column.

A table whose columns are things compared (services) and whose rows are their properties
("Kenelle", "Raha" …) cannot be read at 360 px: six columns squeeze words letter by
letter. Each such table is kept for wide screens and followed by the same content
regrouped per column: a heading with the column's header and a definition list of
"row header: cell". The stylesheet shows one or the other (`.compare--wide`,
`.compare--stacked`), so a reader or a screen reader meets the content once. No inline
style is written (the CSP forbids it); the content is copied, never changed.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

MIN_COLUMNS = 3  # a label column and at least two things compared


def _copy_content(source: ET.Element, target: ET.Element) -> None:
    """Copy the text and children of a cell into another element."""
    target.text = source.text
    for child in source:
        target.append(copy.deepcopy(child))


def _cells(row: ET.Element) -> list[ET.Element]:
    return [cell for cell in row if cell.tag in ("th", "td")]


def stacked_variant(table: ET.Element, heading_tag: str = "h3") -> ET.Element | None:
    """The table's content per column (from the second one), or None for a narrow table."""
    header_row = table.find("thead/tr")
    body_rows = table.findall("tbody/tr")
    if header_row is None or not body_rows:
        return None
    headers = _cells(header_row)
    if len(headers) < MIN_COLUMNS:
        return None
    stacked = ET.Element("div", {"class": "compare compare--stacked"})
    for column, header in enumerate(headers[1:], start=1):
        block = ET.SubElement(stacked, "section", {"class": "compare__item"})
        _copy_content(header, ET.SubElement(block, heading_tag))
        properties = ET.SubElement(block, "dl", {"class": "compare__facts"})
        for row in body_rows:
            cells = _cells(row)
            if column >= len(cells):
                continue
            _copy_content(cells[0], ET.SubElement(properties, "dt"))
            _copy_content(cells[column], ET.SubElement(properties, "dd"))
    return stacked


class _StackedTableProcessor(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for index, element in reversed(list(enumerate(root))):
            if element.tag != "table":
                continue
            stacked = stacked_variant(element)
            if stacked is None:
                continue
            wide = ET.Element("div", {"class": "compare compare--wide"})
            wide.tail = element.tail
            element.tail = None
            root.remove(element)
            wide.append(element)
            root.insert(index, wide)
            stacked.tail = "\n"
            root.insert(index + 1, stacked)


class StackedTableExtension(Extension):
    """Adds the stacked variant after every comparison table of a page."""

    def extendMarkdown(self, md: Markdown) -> None:
        # After the guide links (priority 5), so that the copied links are resolved too.
        md.treeprocessors.register(_StackedTableProcessor(md), "polku_stacked_tables", 4)
