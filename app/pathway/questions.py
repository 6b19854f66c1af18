"""Questions, their allowed answers and the skip logic, from `content/pathway/questions.yaml`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PATHWAY_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content" / "pathway"
QUESTIONS_FILE = PATHWAY_CONTENT_DIR / "questions.yaml"
MUNICIPALITY_VALUES = "municipality-codes"

Answers = dict[str, tuple[str, ...]]  # question id -> chosen values (one unless multiple)
Conditions = dict[str, frozenset[str]]
AskWhen = tuple[Conditions, ...]  # alternatives: asked when any of them holds (none: always)


class PathwayDataError(ValueError):
    """The questions or rules file is inconsistent; the message says where."""


@dataclass(frozen=True)
class Question:
    """One question with its allowed values and when it is asked."""

    id: str
    values: tuple[str, ...]
    multiple: bool = False
    optional: bool = False
    ask_when: AskWhen = ()
    stop_when: Conditions = field(default_factory=dict)
    retired: tuple[str, ...] = ()  # values of old links: dropped, so the question is asked again

    def allows(self, value: str) -> bool:
        """True when the value is one of the question's answers."""
        return value in self.values

    def is_asked(self, earlier: Answers) -> bool:
        """True when the earlier answers make this question worth asking."""
        return not self.ask_when or any(conditions_hold(c, earlier) for c in self.ask_when)


@dataclass(frozen=True)
class AnswerError:
    """A parameter that could not be accepted."""

    question: str
    value: str
    problem: str  # "unknown-value", "several-values", "missing"


def conditions_hold(conditions: Conditions, answers: Answers) -> bool:
    """All conditions hold; a condition on an unanswered question does not."""
    return all(
        bool(set(answers.get(question, ())) & allowed) for question, allowed in conditions.items()
    )


@dataclass(frozen=True)
class Questionnaire:
    """The questions in order, with skip and stop logic."""

    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        """A question by id."""
        return next((q for q in self.questions if q.id == question_id), None)

    def stops_after(self, answers: Answers) -> bool:
        """True when earlier answers already decide the result."""
        return any(q.stop_when and conditions_hold(q.stop_when, answers) for q in self.questions)

    def asked(self, answers: Answers) -> list[Question]:
        """The questions asked for these answers, in order (skipped ones left out)."""
        asked: list[Question] = []
        so_far: Answers = {}
        for question in self.questions:
            if self.stops_after(so_far):
                break
            if question.is_asked(so_far):
                asked.append(question)
                if question.id in answers:
                    so_far[question.id] = answers[question.id]
        return asked

    def first_unanswered(self, answers: Answers) -> Question | None:
        """The first asked, required question still unanswered, or None when all are."""
        return next(
            (q for q in self.asked(answers) if q.id not in answers and not q.optional), None
        )

    def after(self, answers: Answers, current: str, *, only_unanswered: bool) -> Question | None:
        """The next asked question after `current` (only an unanswered one when changing)."""
        ids = [q.id for q in self.questions]
        for question in self.asked(answers):
            if ids.index(question.id) <= ids.index(current):
                continue
            if only_unanswered and (question.id in answers or question.optional):
                continue
            return question
        return None

    def previous_question(self, answers: Answers, current: str | None) -> Question | None:
        """The asked question before `current` (before the result page when None)."""
        asked = self.asked(answers)
        ids = [q.id for q in asked]
        if current is None:
            return asked[-1] if asked else None
        index = ids.index(current) if current in ids else len(ids)
        return asked[index - 1] if index > 0 else None

    def relevant(self, answers: Answers) -> Answers:
        """Only the answers to questions that are still asked (a changed answer can skip some)."""
        asked = {q.id for q in self.asked(answers)}
        return {qid: values for qid, values in answers.items() if qid in asked}

    def parse(
        self, params: Mapping[str, Iterable[str]], municipality_codes: frozenset[str]
    ) -> tuple[Answers, list[AnswerError]]:
        """Answers from query parameters; unknown values are errors, never guesses."""
        answers: Answers = {}
        errors: list[AnswerError] = []
        for question in self.questions:
            given = params.get(question.id, ())
            values = tuple(dict.fromkeys(v for v in given if v != "" and v not in question.retired))
            if not values:
                continue
            allowed = municipality_codes if question.values == (MUNICIPALITY_VALUES,) else None
            bad = [v for v in values if not (v in allowed if allowed else question.allows(v))]
            if bad:
                errors.extend(AnswerError(question.id, v, "unknown-value") for v in bad)
            elif len(values) > 1 and not question.multiple:
                errors.append(AnswerError(question.id, ",".join(values), "several-values"))
            else:
                answers[question.id] = values
        return answers, errors


def parse_conditions(raw: object, where: str, known: dict[str, tuple[str, ...]]) -> Conditions:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise PathwayDataError(f"{where}: conditions must be a mapping")
    conditions: Conditions = {}
    for question_id, values in raw.items():
        if not all(isinstance(value, str) for value in values):
            raise PathwayDataError(f"{where}: values must be text (quote yes/no): {values}")
        if question_id not in known:
            raise PathwayDataError(f"{where}: unknown question {question_id!r}")
        if unknown := set(values) - set(known[question_id]):
            raise PathwayDataError(f"{where}: unknown values {sorted(unknown)} for {question_id}")
        conditions[question_id] = frozenset(values)
    return conditions


def parse_ask_when(raw: object, where: str, known: dict[str, tuple[str, ...]]) -> AskWhen:
    """One mapping of conditions, or a list of alternative mappings (any may hold)."""
    if not raw:
        return ()
    alternatives = raw if isinstance(raw, list) else [raw]
    return tuple(parse_conditions(item, where, known) for item in alternatives)


def load_questionnaire(path: Path = QUESTIONS_FILE) -> Questionnaire:
    """Read and validate the questions file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    known: dict[str, tuple[str, ...]] = {}
    questions: list[Question] = []
    for entry in raw["questions"]:
        qid = entry["id"]
        values = entry["values"]
        if isinstance(values, str) and values != MUNICIPALITY_VALUES:
            raise PathwayDataError(f"{path}: {qid}: values must be a list")
        if not isinstance(values, str) and not all(isinstance(v, str) for v in values):
            raise PathwayDataError(f"{path}: {qid}: values must be text (quote yes/no)")
        values = (values,) if isinstance(values, str) else tuple(values)
        where = f"{path}: question {qid}"
        retired = tuple(entry.get("retired") or ())
        if not all(isinstance(v, str) for v in retired) or set(retired) & set(values):
            raise PathwayDataError(f"{where}: retired values must be text and no longer offered")
        questions.append(
            Question(
                id=qid,
                values=values,
                multiple=bool(entry.get("multiple", False)),
                optional=bool(entry.get("optional", False)),
                ask_when=parse_ask_when(entry.get("ask_when"), where, known),
                stop_when=parse_conditions(entry.get("stop_when"), where, {**known, qid: values}),
                retired=retired,
            )
        )
        known[qid] = values
    return Questionnaire(tuple(questions))
