"""Cells every CSV Polku writes: safe to open in a spreadsheet (CSV formula injection).

Spreadsheets run a cell that begins with `=`, `+`, `-` or `@` as a formula, and tab or
carriage return let such a cell hide behind whitespace. OWASP's rule: put a single quote
before such a cell, so that the spreadsheet shows it as text
(https://owasp.org/www-community/attacks/CSV_Injection). A plain number in a numeric column
("-12", "-0.5") is no formula and stays a number.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def spreadsheet_safe(text: str, *, numeric: bool = False) -> str:
    """The cell as written: a leading `'` when a spreadsheet would run it as a formula."""
    if numeric and _PLAIN_NUMBER.fullmatch(text):
        return text
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def spreadsheet_text(cell: str) -> str:
    """The text a cell written by `spreadsheet_safe` stands for (CSV files read back in)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell
