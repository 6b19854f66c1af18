"""Reviewed mapping of free-text source terms onto the catalogue's controlled vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content" / "catalogue"
VOCABULARIES_FILE = CATALOGUE_CONTENT_DIR / "vocabularies.yaml"
MAPPINGS_FILE = CATALOGUE_CONTENT_DIR / "mappings.yaml"

Labels = dict[str, str]  # language code -> label


class MappingError(ValueError):
    """The vocabulary or mapping file is inconsistent; the message says where."""


def split_terms(text: str) -> list[str]:
    """Split a `;`-separated source field into terms, keeping `;` inside parentheses."""
    terms: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == ";" and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    terms.append("".join(current))
    return [normalise_term(term) for term in terms if term.strip()]


def normalise_term(term: str) -> str:
    """The form a term is looked up by: trimmed, single-spaced, lower case."""
    return " ".join(term.split()).casefold()


@dataclass
class Vocabularies:
    """Codes and fi/sv/en labels of each controlled vocabulary."""

    activity_types: dict[str, Labels]
    target_groups: dict[str, Labels]
    languages: dict[str, Labels]
    statuses: dict[str, Labels]

    def label(self, vocabulary: str, code: str, language: str) -> str:
        """The label of a code in a language (Finnish when missing)."""
        labels: dict[str, Labels] = getattr(self, vocabulary)
        entry = labels.get(code, {})
        return entry.get(language) or entry.get("fi") or code


@dataclass
class TermMapping:
    """What one source term means in the vocabularies."""

    services: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)


@dataclass
class Mappings:
    """Reviewed tables from source terms to codes, per source column."""

    services: dict[str, TermMapping]
    workshop_types: dict[str, TermMapping]
    target_groups: dict[str, TermMapping]
    statuses: dict[str, str]

    def lookup(self, column: str, term: str) -> TermMapping | None:
        """The mapping of a term in a column, or None when nobody has reviewed it."""
        table: dict[str, TermMapping] = getattr(self, column)
        return table.get(normalise_term(term))


def load_vocabularies(path: Path = VOCABULARIES_FILE) -> Vocabularies:
    """Read the vocabularies file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Vocabularies(
        activity_types=raw["activity_types"],
        target_groups=raw["target_groups"],
        languages=raw["languages"],
        statuses=raw["statuses"],
    )


def load_mappings(
    vocabularies: Vocabularies, service_codes: set[str], path: Path = MAPPINGS_FILE
) -> Mappings:
    """Read and validate the mapping file against the vocabularies and the guide's codes."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    allowed = {
        "services": service_codes,
        "activities": set(vocabularies.activity_types),
        "target_groups": set(vocabularies.target_groups),
    }
    tables: dict[str, dict[str, TermMapping]] = {}
    for column in ("services", "workshop_types", "target_groups"):
        table: dict[str, TermMapping] = {}
        for term, entry in (raw.get(column) or {}).items():
            entry = entry or {}
            for key, codes in entry.items():
                if key not in allowed:
                    raise MappingError(f"{path}: {column} / {term!r}: unknown key {key!r}")
                if unknown := set(codes) - allowed[key]:
                    raise MappingError(f"{path}: {column} / {term!r}: unknown {key} {unknown}")
            table[normalise_term(term)] = TermMapping(**entry)
        tables[column] = table
    statuses = {normalise_term(k): v for k, v in (raw.get("statuses") or {}).items()}
    if unknown_statuses := set(statuses.values()) - set(vocabularies.statuses):
        raise MappingError(f"{path}: unknown statuses {unknown_statuses}")
    return Mappings(**tables, statuses=statuses)
