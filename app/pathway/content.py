"""The questionnaire as the site uses it: questions, rules and texts in every reading version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.guide.facts import FactError, render_facts
from app.pathway.questions import (
    MUNICIPALITY_VALUES,
    PATHWAY_CONTENT_DIR,
    PathwayDataError,
    Questionnaire,
    load_questionnaire,
)
from app.pathway.rules import NoteRule, Rule, load_note_rules, load_rules

VERSIONS = ("fi", "fi-selko", "sv", "en")
# Notes the result page shows whatever the rules say: no suggestion found, and a
# municipality outside the wellbeing regions (Åland).
FIXED_NOTE_KEYS = ("nothing", "outside-regions")


@dataclass(frozen=True)
class Pathway:
    """Everything the questionnaire pages and the API need, validated at start-up."""

    questionnaire: Questionnaire
    rules: tuple[Rule, ...]
    note_rules: tuple[NoteRule, ...]
    texts: dict[str, dict[str, Any]]  # reading version -> texts

    def text(self, version: str) -> dict[str, Any]:
        """Texts of a reading version (Finnish when the version has none)."""
        return self.texts.get(version) or self.texts["fi"]

    @property
    def support_values(self) -> tuple[str, ...]:
        """The answers to the `support` question (what the person wants help with)."""
        question = self.questionnaire.question("support")
        return question.values if question else ()


def _check_note(path: Path, key: str, note: object) -> None:
    """A note is a text, or a mapping of `text` and `links` (label and https address)."""
    if isinstance(note, str) and note.strip():
        return
    if not isinstance(note, dict) or not note.get("text"):
        raise PathwayDataError(f"{path}: note {key!r} needs a text")
    for link in note.get("links") or []:
        if not link.get("label") or not str(link.get("url", "")).startswith("https://"):
            raise PathwayDataError(f"{path}: note {key!r}: links need a label and an https url")


def _check_texts(
    path: Path,
    texts: dict[str, Any],
    questionnaire: Questionnaire,
    rules: tuple[Rule, ...],
    note_keys: tuple[str, ...],
) -> None:
    for key in ("title", "intro", "questions", "reasons", "exclusions", "notes", "result"):
        if key not in texts:
            raise PathwayDataError(f"{path}: missing {key!r}")
    for question in questionnaire.questions:
        entry = texts["questions"].get(question.id)
        if not entry or not entry.get("question"):
            raise PathwayDataError(f"{path}: no text for question {question.id!r}")
        if question.values != (MUNICIPALITY_VALUES,):
            options = entry.get("options") or {}
            if missing := [v for v in question.values if not options.get(v)]:
                raise PathwayDataError(f"{path}: {question.id}: no label for {missing}")
    for rule in rules:
        section = "exclusions" if rule.fit == "excluded" else "reasons"
        if not texts[section].get(rule.reason):
            raise PathwayDataError(f"{path}: no {section} text for {rule.reason!r}")
    if missing_notes := [key for key in note_keys if not texts["notes"].get(key)]:
        raise PathwayDataError(f"{path}: no notes for {missing_notes}")
    for key, note in texts["notes"].items():
        _check_note(path, key, note)
    outside = texts["notes"]["outside-regions"]
    if not isinstance(outside, dict) or not outside.get("links"):
        raise PathwayDataError(f"{path}: note 'outside-regions' needs the links to ask there")


def _with_facts(node: Any, version: str, path: Path) -> Any:
    """The texts with every `{{fact:KEY}}` replaced by the fact's value for the version."""
    if isinstance(node, str):
        try:
            return render_facts(node, version)
        except FactError as error:
            raise PathwayDataError(f"{path}: {error}") from error
    if isinstance(node, dict):
        return {key: _with_facts(value, version, path) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_facts(value, version, path) for value in node]
    return node


def load_pathway(service_codes: set[str], content_dir: Path = PATHWAY_CONTENT_DIR) -> Pathway:
    """Load and cross-check questions, rules and every version's texts."""
    questionnaire = load_questionnaire(content_dir / "questions.yaml")
    rules = load_rules(questionnaire, service_codes, content_dir / "rules.yaml")
    note_rules = load_note_rules(questionnaire, service_codes, content_dir / "rules.yaml")
    note_keys = tuple(dict.fromkeys([*(n.key for n in note_rules), *FIXED_NOTE_KEYS]))
    texts: dict[str, dict[str, Any]] = {}
    for version in VERSIONS:
        path = content_dir / f"texts.{version}.yaml"
        if not path.exists():
            continue
        loaded = _with_facts(yaml.safe_load(path.read_text(encoding="utf-8")), version, path)
        _check_texts(path, loaded, questionnaire, rules, note_keys)
        texts[version] = loaded
    if "fi" not in texts:
        raise PathwayDataError(f"{content_dir}: texts.fi.yaml is required")
    return Pathway(questionnaire, rules, note_rules, texts)
