"""Load and validate the service guide pages from `app/content/guide/`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import yaml

from app.guide.facts import Fact, FactError, default_facts, render_facts
from app.guide.links import GuideLinkExtension
from app.guide.tables import StackedTableExtension

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
GUIDE_DIR = CONTENT_DIR / "guide"
SOURCES_FILE = CONTENT_DIR / "sources.yaml"

VERSIONS = ("fi", "fi-selko", "sv", "en")
KINDS = ("core", "related", "topic")
CORE_CODES = (
    "kuntouttava-tyotoiminta",
    "sosiaalinen-kuntoutus",
    "vammaisten-tyollistymista-tukeva-toiminta",
    "vammaisten-tyotoiminta",
    "kehitysvammaisten-tyotoiminta",
)
RELATED_CODES = (
    "tyokokeilu",
    "palkkatuki",
    "tyohonvalmennus",
    "ammatillinen-kuntoutus",
    "tyollisyyspalvelut",
    "mielenterveys-ja-paihdepalvelut",
    "kohtaamispaikat",
    "paivatoiminta",
)
REFORM_CODE = "uudistus-2026"
COMPARISON_CODE = "vertailu"
TOPIC_CODES = (REFORM_CODE, COMPARISON_CODE)
SERVICE_CODES = CORE_CODES + RELATED_CODES  # the pages a provider can offer
ALL_CODES = CORE_CODES + RELATED_CODES + TOPIC_CODES

CORE_SECTIONS = ("what", "for-whom", "activities", "duration", "money", "access", "after", "law")
REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    **{code: CORE_SECTIONS for code in CORE_CODES},
    **{code: ("what", "for-whom", "access") for code in RELATED_CODES},
    REFORM_CODE: ("what", "who-proposes", "timeline", "decided", "open", "what-it-means"),
    COMPARISON_CODE: ("table", "notes"),
}
# Core pages must keep this order; other pages only need the sections to exist.
ORDERED_SECTIONS = frozenset(CORE_CODES)
REQUIRED_KEYS = ("code", "version", "kind", "title", "summary", "last_checked", "sources")

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_SECTION_HEADING = re.compile(r"^## +(.+?) *\{:? *#([a-z0-9-]+) *\} *$", re.M)
_GUIDE_LINK = re.compile(r"\]\(guide:([a-z0-9-]+)(?:#([a-z0-9-]+))?\)")


class ContentError(ValueError):
    """A content file breaks the format; the message names the file and line."""


@dataclass(frozen=True)
class Source:
    """A cited source from `sources.yaml`."""

    id: str
    title: str
    publisher: str
    year: int
    url: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Law:
    """An act (and section) a page rests on, with its Finlex address."""

    name: str
    url: str


@dataclass(frozen=True)
class Section:
    """One `##` section of a page."""

    id: str
    heading: str
    markdown: str
    html: str


@dataclass
class GuidePage:
    """One reading version of one guide page."""

    code: str
    version: str
    kind: str
    title: str
    summary: str
    last_checked: dt.date
    sources: list[Source]
    law: list[Law]
    related: list[str]
    sections: list[Section]
    reform_notice: str = ""
    missing: bool = False
    path: Path = field(default_factory=Path)


@dataclass
class Guide:
    """All pages, by code and version."""

    pages: dict[tuple[str, str], GuidePage]

    def page(self, code: str, version: str) -> GuidePage | None:
        """The page in the requested version, or None when the code is unknown."""
        return self.pages.get((code, version))

    def pages_of_kind(self, kind: str, version: str) -> list[GuidePage]:
        """Pages of one kind in a version, in the canonical order of codes."""
        return [
            page
            for code in ALL_CODES
            if (page := self.pages.get((code, version))) is not None and page.kind == kind
        ]


def load_sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """Read the source registry."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        source_id: Source(
            id=source_id,
            title=str(entry["title"]),
            publisher=str(entry["publisher"]),
            year=int(entry["year"]),
            url=entry.get("url"),
            file=entry.get("file"),
        )
        for source_id, entry in raw.items()
    }


def _line_of(text: str, needle: str) -> int:
    return text[: text.find(needle)].count("\n") + 1 if needle in text else 1


def parse_page(
    path: Path,
    sources: dict[str, Source],
    base_path: str = "/palvelut",
    facts: dict[str, Fact] | None = None,
) -> GuidePage:
    """Parse and validate one content file; `{{fact:KEY}}` placeholders get their values.

    Placeholders are filled after the front matter is parsed, field by field, so that a
    fact value can never change the YAML structure.
    """
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ContentError(f"{path}:1: missing front matter between '---' lines")
    try:
        meta: dict[str, Any] = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: front matter is not valid YAML: {error}") from error
    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, "", []):
            raise ContentError(f"{path}:{_line_of(text, key + ':')}: front matter lacks '{key}'")
    code, version, kind = str(meta["code"]), str(meta["version"]), str(meta["kind"])
    if code != path.parent.name or code not in ALL_CODES:
        raise ContentError(f"{path}: code '{code}' does not match its folder or is unknown")
    if version != path.stem or version not in VERSIONS:
        raise ContentError(f"{path}: version '{version}' does not match the file name")
    if kind not in KINDS:
        raise ContentError(f"{path}: kind '{kind}' is not one of {KINDS}")
    if not isinstance(meta["last_checked"], dt.date):
        raise ContentError(f"{path}: last_checked must be a date (YYYY-MM-DD)")
    unknown = [s for s in meta["sources"] if s not in sources]
    if unknown:
        raise ContentError(f"{path}: unknown source ids {unknown}; add them to sources.yaml")
    related = [str(c) for c in meta.get("related") or []]
    if bad := [c for c in related if c not in ALL_CODES]:
        raise ContentError(f"{path}: related codes {bad} do not exist")
    known_facts = default_facts() if facts is None else facts

    def fill(value: Any) -> str:
        try:
            return render_facts(str(value), version, known_facts)
        except FactError as error:
            key = re.search(r"'([a-z0-9_]+)'", str(error))
            line = _line_of(text, key.group(1)) if key else 1
            raise ContentError(f"{path}:{line}: {error}") from error

    body = fill(text[match.end() :])
    sections = _parse_sections(path, text, body, code, version, base_path)
    return GuidePage(
        code=code,
        version=version,
        kind=kind,
        title=fill(meta["title"]),
        summary=" ".join(fill(meta["summary"]).split()),
        last_checked=meta["last_checked"],
        sources=[sources[s] for s in meta["sources"]],
        law=[Law(name=fill(law["name"]), url=str(law["url"])) for law in meta.get("law") or []],
        related=related,
        sections=sections,
        reform_notice=" ".join(fill(meta.get("reform_notice") or "").split()),
        missing=bool(meta.get("missing", False)),
        path=path,
    )


def _parse_sections(
    path: Path, text: str, body: str, code: str, version: str, base_path: str
) -> list[Section]:
    for link in _GUIDE_LINK.finditer(body):
        if link.group(1) not in ALL_CODES:
            line = _line_of(text, link.group(0))
            raise ContentError(f"{path}:{line}: link to unknown page 'guide:{link.group(1)}'")
    headings = list(_SECTION_HEADING.finditer(body))
    renderer = markdown.Markdown(
        extensions=[
            "attr_list",
            "tables",
            "sane_lists",
            GuideLinkExtension(version, base_path),
            StackedTableExtension(),
        ],
        output_format="html",
    )
    # Content is Markdown only: raw HTML in a file is shown as text, never injected.
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    sections = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(body)
        section_markdown = body[heading.end() : end].strip()
        html = renderer.reset().convert(section_markdown)
        sections.append(Section(heading.group(2), heading.group(1).strip(), section_markdown, html))
    found = [section.id for section in sections]
    required = REQUIRED_SECTIONS[code]
    if missing := [s for s in required if s not in found]:
        raise ContentError(f"{path}: missing sections {missing} (found {found})")
    if code in ORDERED_SECTIONS and [s for s in found if s in required] != list(required):
        raise ContentError(f"{path}: sections must come in the order {list(required)}")
    if len(set(found)) != len(found):
        raise ContentError(f"{path}: a section id is used twice: {found}")
    return sections


def load_guide(
    guide_dir: Path = GUIDE_DIR,
    sources_file: Path = SOURCES_FILE,
    facts: dict[str, Fact] | None = None,
) -> Guide:
    """Load every page; raise ContentError on the first broken file."""
    sources = load_sources(sources_file)
    pages: dict[tuple[str, str], GuidePage] = {}
    for path in sorted(guide_dir.glob("*/*.md")):
        page = parse_page(path, sources, facts=facts)
        pages[(page.code, page.version)] = page
    for (code, version), page in pages.items():
        for section in page.sections:
            for link in _GUIDE_LINK.finditer(section.markdown):
                target, anchor = link.group(1), link.group(2)
                target_page = pages.get((target, version)) or pages.get((target, "fi"))
                if target_page is None:
                    raise ContentError(f"{page.path}: link to missing page 'guide:{target}'")
                if anchor and anchor not in {s.id for s in target_page.sections}:
                    raise ContentError(
                        f"{page.path}: link to missing section 'guide:{target}#{anchor}'"
                    )
        if (code, "fi") not in pages:
            raise ContentError(f"{page.path}: no Finnish version of '{code}' to fall back to")
    return Guide(pages=pages)
