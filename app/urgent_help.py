"""The "if you need help now" box: national help lines and where the site shows them.

Facts (numbers, hours, sources, dates) come from `content/data/help_lines.csv`; the words
of the box and the pages that show it come from `content/urgent_help.yaml`. Both are
checked at start-up so that a page never shows a line without its number, source and date.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"
HELP_LINES_FILE = CONTENT_DIR / "data" / "help_lines.csv"
URGENT_HELP_FILE = CONTENT_DIR / "urgent_help.yaml"
VERSIONS = ("fi", "fi-selko", "sv", "en")
_LANGUAGE = {"fi": "fi", "fi-selko": "fi", "sv": "sv", "en": "en"}  # of names and hours
_TEL = re.compile(r"^\+?[0-9]{3,15}$")
_TEXT_KEYS = ("title", "lead", "when", "hours_unknown", "checked", "source")


class UrgentHelpError(ValueError):
    """The help-line data or the box texts are inconsistent; the message says where."""


@dataclass(frozen=True)
class HelpLine:
    """One line as a reader sees it in one reading version."""

    key: str
    name: str
    number: str  # as printed, e.g. "09 2525 0111"
    tel: str  # for the tel: link, digits with an optional leading +
    when: str  # when to call
    hours: str  # empty when the hours could not be confirmed
    source_url: str
    checked_on: dt.date


@dataclass(frozen=True)
class UrgentBox:
    """The box in one reading version."""

    title: str
    lead: str
    lines: tuple[HelpLine, ...]
    hours_unknown: str
    checked: str  # with {date}
    source: str

    @property
    def checked_on(self) -> dt.date:
        """The oldest check of the lines shown: the date the box can honestly claim."""
        return min(line.checked_on for line in self.lines)


@dataclass(frozen=True)
class UrgentHelp:
    """All versions of the box and the pages that show it."""

    boxes: dict[str, UrgentBox]
    guide_pages: frozenset[str]
    pathway_support: frozenset[str]

    def box(self, version: str) -> UrgentBox:
        """The box in a reading version (Finnish when unknown)."""
        return self.boxes.get(version) or self.boxes["fi"]

    def shown_on_guide_page(self, code: str) -> bool:
        """True when the guide page with this code shows the box."""
        return code in self.guide_pages

    def shown_for_support(self, support: Iterable[str]) -> bool:
        """True when a questionnaire answer to `support` calls for the box."""
        return bool(self.pathway_support & set(support))


def _read_lines(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = [row["key"] for row in rows]
    if len(set(keys)) != len(keys):
        raise UrgentHelpError(f"{path}: keys must be unique")
    for row in rows:
        where = f"{path}: {row['key']}"
        if not _TEL.match(row["tel"]) or not row["number"].strip():
            raise UrgentHelpError(f"{where}: a printed number and a dialable tel are required")
        if not row["source_url"].startswith("https://"):
            raise UrgentHelpError(f"{where}: source_url must be an https address")
        try:
            dt.date.fromisoformat(row["checked_on"])
        except ValueError as error:
            raise UrgentHelpError(f"{where}: checked_on must be a date") from error
        if row["open_24h"] not in ("yes", "no"):
            raise UrgentHelpError(f"{where}: open_24h must be yes or no")
        if unknown := set(row["shown_in"].split()) - set(VERSIONS):
            raise UrgentHelpError(f"{where}: unknown versions {sorted(unknown)}")
    return rows


def _box(version: str, texts: dict[str, Any], rows: list[dict[str, str]], where: str) -> UrgentBox:
    if missing := [key for key in _TEXT_KEYS if not texts.get(key)]:
        raise UrgentHelpError(f"{where}: missing {missing}")
    if "{date}" not in texts["checked"]:
        raise UrgentHelpError(f"{where}: `checked` must contain {{date}}")
    language = _LANGUAGE[version]
    lines = []
    for row in rows:
        if version not in row["shown_in"].split():
            continue
        when = texts["when"].get(row["key"])
        if not when:
            raise UrgentHelpError(f"{where}: no `when` text for line {row['key']!r}")
        lines.append(
            HelpLine(
                key=row["key"],
                name=row[f"name_{language}"],
                number=row["number"],
                tel=row["tel"],
                when=when,
                hours=row[f"hours_{language}"],
                source_url=row["source_url"],
                checked_on=dt.date.fromisoformat(row["checked_on"]),
            )
        )
    if not lines:
        raise UrgentHelpError(f"{where}: no line is shown in this version")
    return UrgentBox(
        title=texts["title"],
        lead=texts["lead"],
        lines=tuple(lines),
        hours_unknown=texts["hours_unknown"],
        checked=texts["checked"],
        source=texts["source"],
    )


def load_urgent_help(
    guide_codes: Iterable[str],
    support_values: Iterable[str],
    content_file: Path = URGENT_HELP_FILE,
    lines_file: Path = HELP_LINES_FILE,
) -> UrgentHelp:
    """Load and cross-check the box texts, the help lines and where the box is shown."""
    raw = yaml.safe_load(content_file.read_text(encoding="utf-8"))
    rows = _read_lines(lines_file)
    guide_pages = frozenset(raw.get("guide_pages") or ())
    if unknown := guide_pages - set(guide_codes):
        raise UrgentHelpError(f"{content_file}: unknown guide pages {sorted(unknown)}")
    pathway_support = frozenset(raw.get("pathway_support") or ())
    if unknown := pathway_support - set(support_values):
        raise UrgentHelpError(f"{content_file}: unknown support answers {sorted(unknown)}")
    texts = raw.get("texts") or {}
    if missing := [version for version in VERSIONS if version not in texts]:
        raise UrgentHelpError(f"{content_file}: no texts for {missing}")
    boxes = {
        version: _box(version, texts[version], rows, f"{content_file}: {version}")
        for version in VERSIONS
    }
    return UrgentHelp(boxes, guide_pages, pathway_support)
