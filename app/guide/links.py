"""Markdown extension: turn `guide:<code>#section` link targets into site addresses."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

from app.i18n import localized_path


class _GuideLinkProcessor(Treeprocessor):
    def __init__(self, md: Markdown, version: str, base_path: str) -> None:
        super().__init__(md)
        self.version = version
        self.base_path = base_path

    def run(self, root: ET.Element) -> None:
        for link in root.iter("a"):
            href = link.get("href", "")
            if href.startswith("guide:"):
                code, _, anchor = href.removeprefix("guide:").partition("#")
                path = localized_path(f"{self.base_path}/{code}", self.version)
                link.set("href", f"{path}#{anchor}" if anchor else path)
            elif href.startswith(("http://", "https://")):
                link.set("rel", "external")


class GuideLinkExtension(Extension):
    """Resolves internal guide links for one reading version."""

    def __init__(self, version: str, base_path: str) -> None:
        super().__init__()
        self.version = version
        self.base_path = base_path

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(
            _GuideLinkProcessor(md, self.version, self.base_path), "polku_guide_links", 5
        )
