"""Official terms per language (`app/content/glossary.yaml`) and a check for rejected variants.

The glossary keeps one concept to one term in each language. `rejected_variants(text,
language)` finds the variants a text must not use; the content tests run it over every
guide page and translation catalogue. Plain module: no web framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

GLOSSARY_FILE = Path(__file__).resolve().parent.parent / "content" / "glossary.yaml"
LANGUAGES = ("fi", "sv", "en")
# Easy Finnish follows the Finnish glossary.
VERSION_LANGUAGE = {"fi": "fi", "fi-selko": "fi", "sv": "sv", "en": "en"}


class GlossaryError(ValueError):
    """The glossary file is broken."""


@dataclass(frozen=True)
class Term:
    """The term for one concept in one language, with the variants that are not used."""

    language: str
    concept: str
    term: str
    rejected: tuple[re.Pattern[str], ...]
    why: str


@dataclass(frozen=True)
class RejectedUse:
    """A rejected variant found in a text."""

    term: Term
    found: str
    line: int

    def __str__(self) -> str:
        return f"line {self.line}: '{self.found}' – use '{self.term.term}' ({self.term.concept})"


def load_glossary(path: Path = GLOSSARY_FILE) -> dict[str, list[Term]]:
    """Read and validate the glossary; every rejected variant must be a valid pattern."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if unknown := set(raw) - set(LANGUAGES):
        raise GlossaryError(f"{path}: unknown languages {sorted(unknown)}")
    glossary: dict[str, list[Term]] = {}
    for language, entries in raw.items():
        terms = []
        for entry in entries or []:
            for field in ("concept", "term", "rejected", "why"):
                if not entry.get(field):
                    raise GlossaryError(f"{path}: a {language} entry lacks '{field}': {entry}")
            try:
                # A space in a variant matches any run of white space, so a variant
                # wrapped over two lines of a Markdown file is still found.
                patterns = tuple(
                    re.compile(r"(?<!\w)(?:" + variant.replace(" ", r"\s+") + r")(?!\w)", re.I)
                    for variant in entry["rejected"]
                )
            except re.error as error:
                raise GlossaryError(
                    f"{path}: bad pattern in '{entry['concept']}': {error}"
                ) from error
            term = Term(
                language, str(entry["concept"]), str(entry["term"]), patterns, str(entry["why"])
            )
            if any(pattern.search(term.term) for pattern in patterns):
                raise GlossaryError(f"{path}: '{term.term}' matches its own rejected variants")
            terms.append(term)
        glossary[str(language)] = terms
    return glossary


@lru_cache(maxsize=1)
def default_glossary() -> dict[str, list[Term]]:
    """The project's glossary, read once per process."""
    return load_glossary()


def rejected_variants(
    text: str, language: str, glossary: dict[str, list[Term]] | None = None
) -> list[RejectedUse]:
    """Rejected variants in `text` for a language or reading version (fi-selko → fi)."""
    terms = (default_glossary() if glossary is None else glossary).get(
        VERSION_LANGUAGE.get(language, language), []
    )
    found = []
    for term in terms:
        for pattern in term.rejected:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(RejectedUse(term, match.group(0), line))
    return sorted(found, key=lambda use: use.line)
