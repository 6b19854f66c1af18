"""Facts that carry numbers, laws or dates, stated once in `app/content/facts.yaml`.

Content files (guide pages, questionnaire texts) never write such a fact out. They write a
placeholder, `{{fact:KEY}}`, and `render_facts(text, version)` puts in the value for the
reading version. So the four versions of a page cannot disagree about a duration, a sum of
money, a section number or the status of a bill, and every value carries its source, the
day it was checked, the day it is valid from and the day it must be checked again.

The module is plain Python (no web framework) so that any content loader can use it:

    from app.guide.facts import render_facts
    html_ready = render_facts("Jakso kestää {{fact:kt_period_months}} kuukautta.", "fi")

`stray_fact_numbers(text)` finds numbers that look like facts but are written outside a
placeholder; the content tests use it to keep the facts in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
FACTS_FILE = CONTENT_DIR / "facts.yaml"
SOURCES_FILE = CONTENT_DIR / "sources.yaml"

VERSIONS = ("fi", "fi-selko", "sv", "en")
# Easy Finnish uses the Finnish value unless the fact gives its own easy-Finnish wording.
FALLBACK = {"fi-selko": "fi"}
REQUIRED_FIELDS = ("source", "checked_on", "recheck_by")

PLACEHOLDER = re.compile(r"\{\{\s*fact:([a-z0-9_]+)\s*\}\}")
# Anything that starts like a placeholder: catches typos such as `{{fakt:x}}` or `{{fact x}}`.
_PLACEHOLDER_START = re.compile(r"\{\{")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class FactError(ValueError):
    """The facts file is broken, or a text uses a fact that does not exist."""


@dataclass(frozen=True)
class Fact:
    """One fact with its value per reading version and its provenance."""

    key: str
    values: Mapping[str, str]
    source: str
    checked_on: dt.date
    valid_from: dt.date | None
    recheck_by: dt.date
    url: str | None = None
    note: str = ""
    # For a regional example: words (place names in each language) of which one must
    # appear in the same paragraph as the placeholder, so the example stays labelled.
    regional: tuple[str, ...] = ()

    def value(self, version: str) -> str:
        """The wording of the value in a reading version."""
        if version not in VERSIONS:
            raise FactError(f"unknown reading version {version!r}; expected one of {VERSIONS}")
        if version in self.values:
            return self.values[version]
        return self.values[FALLBACK.get(version, version)]

    def is_due(self, today: dt.date) -> bool:
        """True when the fact is past its re-check date."""
        return today > self.recheck_by


def _as_date(key: str, field: str, raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    raise FactError(f"facts.yaml: fact '{key}': '{field}' must be a date (YYYY-MM-DD), got {raw!r}")


def _parse_fact(key: str, entry: Any, source_ids: set[str] | None) -> Fact:
    if not KEY.match(key):
        raise FactError(f"facts.yaml: key '{key}' must be lowercase letters, digits and '_'")
    if not isinstance(entry, dict):
        raise FactError(f"facts.yaml: fact '{key}' must be a mapping")
    if ("value" in entry) == ("values" in entry):
        raise FactError(f"facts.yaml: fact '{key}' needs exactly one of 'value' or 'values'")
    for field in REQUIRED_FIELDS:
        if entry.get(field) in (None, ""):
            raise FactError(f"facts.yaml: fact '{key}' lacks '{field}'")
    if "valid_from" not in entry:
        raise FactError(
            f"facts.yaml: fact '{key}' lacks 'valid_from' (a date, or null with a note why)"
        )
    if entry["valid_from"] is None and not entry.get("note"):
        raise FactError(f"facts.yaml: fact '{key}' has valid_from null but no note saying why")
    if "value" in entry:
        values = {version: str(entry["value"]) for version in ("fi", "sv", "en")}
    else:
        raw_values = entry["values"]
        if not isinstance(raw_values, dict):
            raise FactError(f"facts.yaml: fact '{key}': 'values' must map versions to text")
        values = {str(version): str(text) for version, text in raw_values.items()}
        if unknown := set(values) - set(VERSIONS):
            raise FactError(f"facts.yaml: fact '{key}' has unknown versions {sorted(unknown)}")
        if missing := {"fi", "sv", "en"} - set(values):
            raise FactError(f"facts.yaml: fact '{key}' lacks values for {sorted(missing)}")
    if any(PLACEHOLDER.search(text) for text in values.values()):
        raise FactError(f"facts.yaml: fact '{key}' must not contain placeholders")
    source = str(entry["source"])
    if source_ids is not None and source not in source_ids:
        raise FactError(f"facts.yaml: fact '{key}' cites unknown source '{source}'")
    fact = Fact(
        key=key,
        values=values,
        source=source,
        checked_on=_as_date(key, "checked_on", entry["checked_on"]),
        valid_from=(
            None
            if entry["valid_from"] is None
            else _as_date(key, "valid_from", entry["valid_from"])
        ),
        recheck_by=_as_date(key, "recheck_by", entry["recheck_by"]),
        url=entry.get("url"),
        note=" ".join(str(entry.get("note") or "").split()),
        regional=tuple(str(word) for word in entry.get("regional") or ()),
    )
    if fact.recheck_by < fact.checked_on:
        raise FactError(f"facts.yaml: fact '{key}': recheck_by is before checked_on")
    return fact


def load_facts(
    path: Path = FACTS_FILE, sources_file: Path | None = SOURCES_FILE
) -> dict[str, Fact]:
    """Read and validate the facts file; every fact must cite a source in `sources.yaml`."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise FactError(f"{path}: the facts file must be a mapping of keys to facts")
    source_ids = None
    if sources_file is not None:
        source_ids = set((yaml.safe_load(sources_file.read_text(encoding="utf-8")) or {}).keys())
    return {str(key): _parse_fact(str(key), entry, source_ids) for key, entry in raw.items()}


@lru_cache(maxsize=1)
def default_facts() -> dict[str, Fact]:
    """The project's facts, read once per process."""
    return load_facts()


def fact_keys(text: str) -> list[str]:
    """The fact keys a text uses, in order of appearance."""
    return PLACEHOLDER.findall(text)


def render_facts(text: str, version: str, facts: Mapping[str, Fact] | None = None) -> str:
    """Replace every `{{fact:KEY}}` in `text` by the value for `version`.

    Raises FactError naming the key when a placeholder uses an unknown fact, and when
    something that starts like a placeholder (`{{`) is not a valid one.
    """
    known = default_facts() if facts is None else facts
    if version not in VERSIONS:
        raise FactError(f"unknown reading version {version!r}; expected one of {VERSIONS}")

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in known:
            raise FactError(f"unknown fact key '{key}' (add it to app/content/facts.yaml)")
        return known[key].value(version)

    rendered = PLACEHOLDER.sub(replace, text)
    if leftover := _PLACEHOLDER_START.search(rendered):
        snippet = rendered[leftover.start() : leftover.start() + 30]
        raise FactError(f"malformed fact placeholder near {snippet!r}; write {{{{fact:KEY}}}}")
    return rendered


def due_facts(today: dt.date, facts: Iterable[Fact] | None = None) -> list[Fact]:
    """Facts whose re-check date has passed."""
    return [fact for fact in (facts or default_facts().values()) if fact.is_due(today)]


# --- Detecting facts written outside the facts file -------------------------------------
#
# A page may not state a fact-like number itself. The categories below are what counts as
# such a number. Everything else with digits is allowed, and ALLOWED_NUMBERS explains why.

_NUM = r"\d+(?:[ \u00a0]\d{3})*(?:[.,]\d+)?"
_RANGE = rf"{_NUM}(?:\s*[–-]\s*{_NUM})?"
_MONTHS = (
    r"tammi\w*|helmi\w*|maalis\w*|huhti\w*|touko\w*|kesäkuu\w*|heinä\w*|elokuu\w*|syys\w*|"
    r"loka\w*|marras\w*|joulu\w*|januari|februari|mars|april|maj|juni|juli|augusti|"
    r"september|oktober|november|december|January|February|March|May|June|July|August|"
    r"October"
)
_SEASONS = (
    r"kevä\w*|kesä(?:llä|n)?|syks\w*|talv\w*|spring|summer|autumn|winter|"
    r"våren|vår|sommaren|hösten|höst|vintern"
)
_UNITS = (
    r"kuukau\w*|kk\b|månad\w*|months?\b|vuosi\w*|vuotta|vuoden|vuodeksi|vuoteen|vuodessa|"
    r"år\b|åren\b|years?\b|viikk?o\w*|veck\w*|weeks?\b|päiv\w*|dag\w*|days?\b|tunti\w*|"
    r"tuntia|tunnin\w*|timm\w*|hours?\b"
)
STRAY_PATTERNS: dict[str, re.Pattern[str]] = {
    "money": re.compile(
        rf"(?:€\s*{_NUM})|(?:{_RANGE}\s*(?:€|e/pv|M€|euro\w*|eur\b|miljoon\w*|miljon\w*|million\w*))",
        re.I,
    ),
    "percent": re.compile(rf"{_RANGE}\s*(?:%|prosent\w*|procent\w*|per ?cent)", re.I),
    "age_limit": re.compile(
        r"(?:\b(?:alle|yli|under|over|över)\s+|\b\d{1,2}\s*[–-]\s*)\d{1,2}-"
        r"(?:vuotia\w*|year-olds?|years old|årig\w*)",
        re.I,
    ),
    "duration": re.compile(rf"\b{_RANGE}[\s-]*(?:{_UNITS})", re.I),
    "section": re.compile(
        r"§|\bpykäl\w*\s+\d|\bsections?\s+\d|"
        r"\b\d{1,3} ?[a-e]\b(?=\s*(?:§|\)|,|ja\b|and\b|och\b|–|$))",
        re.I,
    ),
    "bill": re.compile(r"\b(?:HE|RP|StVM|ShUB|TyVL|AjUU|EV|RSv|VNS)\s*\d+/\d{4}"),
    "act_number": re.compile(r"\b\d{1,4}/(?:19|20)\d{2}\b"),
    "date": re.compile(
        rf"\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}})?|\b\d{{4}}-\d{{2}}-\d{{2}}\b|"
        rf"\b(?:{_MONTHS})\s+\d{{4}}\b|\b\d{{1,2}}\.?\s+(?:{_MONTHS})\b|"
        rf"\b(?:{_SEASONS})\s+\d{{4}}\b|"
        r"\b(?:vuodesta|since|sedan|fr\.o\.m\.)\s+\d{4}\b|\bvuoden\s+\d{4}\s+alusta\b|"
        r"\b\d{4}\s+alkaen\b|\bfrom\s+\d{4}\s+onwards?\b|\bfrån\s+och\s+med\s+\d{4}\b",
        re.I,
    ),
    "statistic": re.compile(r"\b\d{1,3}(?:[ \u00a0]\d{3})+\b|\b(?!(?:19|20)\d{2}\b)\d{3,}\b"),
}

# What may keep its digits, and why. Each entry is removed before the patterns above run.
ALLOWED_NUMBERS: dict[str, tuple[re.Pattern[str], str]] = {
    "placeholder": (PLACEHOLDER, "a fact placeholder is the facts file speaking"),
    "link_target": (
        re.compile(r"\]\([^)\s]*\)"),
        "a link target is an address (Finlex URLs contain act numbers by design)",
    ),
    "bare_url": (re.compile(r"https?://\S+"), "an address, not a statement"),
    "attribute_list": (re.compile(r"\{[:#][^}]*\}"), "a section id, not text"),
    "list_number": (
        re.compile(r"^\s*(?:\*\*)?\d{1,2}\.(?:\*\*)?\s", re.M),
        "page-internal numbering of steps and list items",
    ),
    "age_in_story": (
        re.compile(
            r"(?<!alle )(?<!yli )(?<!under )(?<!over )(?<!över )(?<![–\-\d] )(?<![–\-\d])"
            r"\b\d{1,2}-(?:vuotia\w*|year-olds?|årig\w*)"
        ),
        "the age of a person in an example story; age limits ('alle 25-vuotias') stay facts",
    ),
    "ordinal_heading": (
        re.compile(r"\*\*\d{1,2}\.\s"),
        "page-internal numbering of bold paragraph headings ('**1. ...')",
    ),
}


@dataclass(frozen=True)
class StrayNumber:
    """A fact-like number written outside a placeholder."""

    kind: str
    text: str
    line: int


def _blank(match: re.Match[str]) -> str:
    # Keep line numbers (newlines stay) and keep a removed placeholder from gluing the
    # words around it together: "vuonna 2025 {{fact:x}} kuukaudessa" is not "2025 kuukautta".
    return re.sub(r"[^\n]", "¤", match.group(0))


def stray_fact_numbers(text: str) -> list[StrayNumber]:
    """Fact-like numbers in `text` that are not inside a `{{fact:KEY}}` placeholder."""
    cleaned = text
    for pattern, _reason in ALLOWED_NUMBERS.values():
        cleaned = pattern.sub(_blank, cleaned)
    found: list[StrayNumber] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in STRAY_PATTERNS.items():
        for match in pattern.finditer(cleaned):
            span = match.span()
            if any(start < span[1] and span[0] < end for start, end in taken):
                continue  # already reported under an earlier kind
            taken.append(span)
            line = cleaned.count("\n", 0, span[0]) + 1
            found.append(StrayNumber(kind, match.group(0).strip(), line))
    return sorted(found, key=lambda stray: (stray.line, stray.text))


def _paragraphs(text: str) -> list[str]:
    """Paragraphs, list items and table cells of a Markdown text.

    A list item carries the paragraph that introduces its list ("In Pirkanmaa work
    activity can be:" followed by items), because that paragraph labels every item.
    """
    units: list[str] = []
    current: list[str] = []
    lead_in = ""  # the paragraph just before the current list
    in_list = False
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        is_item = re.match(r"(?:[-*]|\d+\.)\s", stripped) is not None
        starts_block = not stripped or stripped.startswith(("#", "|", ">")) or is_item
        if starts_block and current:
            paragraph = " ".join(current)
            units.append(f"{lead_in} {paragraph}" if in_list else paragraph)
            if not in_list:
                lead_in = paragraph
            current = []
        if stripped.startswith("#"):
            lead_in, in_list = "", False
        if is_item:
            in_list = True
        elif (
            stripped
            and not stripped.startswith(("-", "*"))
            and not line.startswith((" ", "\t"))
            and in_list
            and not current
        ):
            in_list, lead_in = False, ""
        if stripped.startswith("|"):
            units += [cell for cell in stripped.strip("|").split("|") if cell.strip()]
        elif stripped:
            current.append(stripped)
    return units


def unlabelled_regional_facts(text: str, facts: Mapping[str, Fact] | None = None) -> list[str]:
    """Regional example facts used in a paragraph that does not name their region.

    A regional practice may appear only as a labelled example ("Turussa (2021) ...",
    "In Turku, ..."); a fact with `regional:` words lists the place names that label it.
    """
    known = default_facts() if facts is None else facts
    problems = []
    for paragraph in _paragraphs(text):
        for key in fact_keys(paragraph):
            fact = known.get(key)
            if fact and fact.regional:
                lowered = PLACEHOLDER.sub("", paragraph).lower()
                if not any(word.lower() in lowered for word in fact.regional):
                    problems.append(
                        f"'{key}' without {' / '.join(fact.regional)}: {paragraph[:90]!r}"
                    )
    return problems
