"""Site pages written as Markdown content (e.g. the accessibility statement)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import markdown
import yaml

from app.guide.content import CONTENT_DIR, ContentError

SITE_PAGES_DIR = CONTENT_DIR / "pages"


@dataclass(frozen=True)
class SitePage:
    """A rendered site page in one language."""

    name: str
    locale: str
    title: str
    last_checked: dt.date
    html: str


def load_site_page(name: str, locale: str, pages_dir: Path = SITE_PAGES_DIR) -> SitePage:
    """Read `pages/<name>/<locale>.md`, falling back to Finnish."""
    path = pages_dir / name / f"{locale}.md"
    if not path.exists():
        path, locale = pages_dir / name / "fi.md", "fi"
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front) or {}
    if not meta.get("title") or not isinstance(meta.get("last_checked"), dt.date):
        raise ContentError(f"{path}: front matter needs title and last_checked")
    renderer = markdown.Markdown(extensions=["attr_list", "sane_lists"])
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    return SitePage(name, locale, str(meta["title"]), meta["last_checked"], renderer.convert(body))
