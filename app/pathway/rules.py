"""Rules from `content/pathway/rules.yaml` and their evaluation into suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.pathway.questions import (
    PATHWAY_CONTENT_DIR,
    Answers,
    Conditions,
    PathwayDataError,
    Questionnaire,
    conditions_hold,
    parse_conditions,
)

RULES_FILE = PATHWAY_CONTENT_DIR / "rules.yaml"
FITS = ("likely", "possible", "excluded")
FIT_RANK = {"likely": 0, "possible": 1}


@dataclass(frozen=True)
class Rule:
    """Conditions over the answers leading to a fit for one or more services."""

    id: str
    when: Conditions
    services: tuple[str, ...]
    fit: str
    reason: str
    basis: str
    instead: tuple[str, ...] = ()


@dataclass
class Reason:
    """Why a service came up: the reason key and the answers that led to it."""

    key: str
    answers: list[tuple[str, tuple[str, ...]]]
    basis: str


@dataclass
class Suggestion:
    """A service that may suit the person."""

    service: str
    fit: str
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class Exclusion:
    """A service that does not suit, with the reason and what fits instead."""

    service: str
    reason: Reason
    instead: tuple[str, ...]


@dataclass
class PathwayResult:
    """Ranked suggestions and exclusions for one set of answers."""

    suggestions: list[Suggestion]
    excluded: list[Exclusion]


def load_rules(
    questionnaire: Questionnaire, service_codes: set[str], path: Path = RULES_FILE
) -> tuple[Rule, ...]:
    """Read and validate the rules against the questions and the guide's service codes."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = {q.id: q.values for q in questionnaire.questions}
    rules = []
    for entry in raw["rules"]:
        where = f"{path}: rule {entry.get('id')!r}"
        for key in ("id", "when", "services", "fit", "reason", "basis"):
            if not entry.get(key):
                raise PathwayDataError(f"{where}: missing {key!r}")
        if entry["fit"] not in FITS:
            raise PathwayDataError(f"{where}: fit must be one of {FITS}")
        codes = set(entry["services"]) | set(entry.get("instead") or [])
        if unknown := codes - service_codes:
            raise PathwayDataError(f"{where}: unknown services {sorted(unknown)}")
        rules.append(
            Rule(
                id=entry["id"],
                when=parse_conditions(entry["when"], where, known),
                services=tuple(entry["services"]),
                fit=entry["fit"],
                reason=entry["reason"],
                basis=entry["basis"],
                instead=tuple(entry.get("instead") or ()),
            )
        )
    if len({rule.id for rule in rules}) != len(rules):
        raise PathwayDataError(f"{path}: rule ids must be unique")
    return tuple(rules)


def evaluate(rules: tuple[Rule, ...], answers: Answers) -> PathwayResult:
    """Suggestions ranked by fit (then rule order) and exclusions, with their reasons."""
    suggestions: dict[str, Suggestion] = {}
    excluded: dict[str, Exclusion] = {}
    for rule in rules:
        if not conditions_hold(rule.when, answers):
            continue
        used = [(question, answers[question]) for question in rule.when]
        reason = Reason(rule.reason, used, rule.basis)
        for service in rule.services:
            if rule.fit == "excluded":
                excluded.setdefault(service, Exclusion(service, reason, rule.instead))
                continue
            suggestion = suggestions.setdefault(service, Suggestion(service, rule.fit))
            if FIT_RANK[rule.fit] < FIT_RANK[suggestion.fit]:
                suggestion.fit = rule.fit
            suggestion.reasons.append(reason)
    ranked = sorted(
        (s for s in suggestions.values() if s.service not in excluded),
        key=lambda s: FIT_RANK[s.fit],
    )
    return PathwayResult(ranked, list(excluded.values()))


@dataclass(frozen=True)
class NoteRule:
    """When a general note is shown: conditions over the answers, and optionally a service
    that must be among the suggestions (a note about its money and duties)."""

    key: str
    when: Conditions
    suggested: tuple[str, ...] = ()
    after_suggestions: bool = False  # shown below the suggestions, not above them

    def applies(self, answers: Answers, result: PathwayResult) -> bool:
        """True when the answers and the result call for this note."""
        if not conditions_hold(self.when, answers):
            return False
        shown = {s.service for s in result.suggestions}
        return not self.suggested or bool(shown & set(self.suggested))


def load_note_rules(
    questionnaire: Questionnaire, service_codes: set[str], path: Path = RULES_FILE
) -> tuple[NoteRule, ...]:
    """Read the `notes` section of the rules file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = {q.id: q.values for q in questionnaire.questions}
    notes = []
    for entry in raw.get("notes") or []:
        where = f"{path}: note {entry.get('key')!r}"
        if not entry.get("key") or not (entry.get("when") or entry.get("suggested")):
            raise PathwayDataError(f"{where}: needs a key and `when` or `suggested`")
        suggested = tuple(entry.get("suggested") or ())
        if unknown := set(suggested) - service_codes:
            raise PathwayDataError(f"{where}: unknown services {sorted(unknown)}")
        notes.append(
            NoteRule(
                entry["key"],
                parse_conditions(entry.get("when"), where, known),
                suggested,
                bool(entry.get("after_suggestions", False)),
            )
        )
    return tuple(notes)


def notes_for(
    note_rules: tuple[NoteRule, ...],
    answers: Answers,
    result: PathwayResult,
    *,
    after_suggestions: bool | None = None,
) -> list[str]:
    """Keys of the general notes that apply (texts.<version>.yaml, `notes`), in file order;
    only those above or below the suggestions when `after_suggestions` is given."""
    return list(
        dict.fromkeys(
            n.key
            for n in note_rules
            if n.applies(answers, result)
            and (after_suggestions is None or n.after_suggestions == after_suggestions)
        )
    )
