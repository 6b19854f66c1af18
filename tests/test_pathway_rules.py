"""Questionnaire rules: personas from the sources, skip logic, and every combination of answers."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.guide.content import SERVICE_CODES
from app.pathway.content import load_pathway
from app.pathway.questions import Answers, PathwayDataError, load_questionnaire
from app.pathway.rules import evaluate, load_rules, notes_for
from tests.pathway_personas import PERSONAS, Persona

PATHWAY = load_pathway(set(SERVICE_CODES))
QUESTIONNAIRE = PATHWAY.questionnaire
RULES = PATHWAY.rules


def test_there_are_at_least_25_personas() -> None:
    assert len(PERSONAS) >= 25


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.name)
def test_persona_gets_the_expected_services(persona: Persona) -> None:
    answers = QUESTIONNAIRE.relevant(persona.answers)
    assert QUESTIONNAIRE.first_unanswered(answers) is None, (
        "the persona answers every question asked"
    )
    result = evaluate(RULES, answers)
    assert {s.service for s in result.suggestions if s.fit == "likely"} == persona.likely
    assert {s.service for s in result.suggestions if s.fit == "possible"} == persona.possible
    assert {e.service for e in result.excluded} == persona.excluded


def test_likely_services_come_before_possible_ones() -> None:
    result = evaluate(RULES, QUESTIONNAIRE.relevant(PERSONAS[0].answers))
    fits = [s.fit for s in result.suggestions]
    assert fits == sorted(fits, key=lambda fit: fit != "likely")


def test_pension_exclusion_says_what_fits_instead() -> None:
    persona = next(p for p in PERSONAS if p.name == "disability-pension-daily-activity")
    excluded = evaluate(RULES, persona.answers).excluded
    kt = next(e for e in excluded if e.service == "kuntouttava-tyotoiminta")
    assert kt.reason.key == "pension-excludes-kt"
    assert "vammaisten-tyotoiminta" in kt.instead


def test_reasons_name_the_answers_that_led_to_them() -> None:
    persona = PERSONAS[0]
    result = evaluate(RULES, persona.answers)
    kt = next(s for s in result.suggestions if s.service == "kuntouttava-tyotoiminta")
    used = dict(kt.reasons[0].answers)
    assert used == {"situation": ("unemployed-long",), "limits": ("some",)}
    assert kt.reasons[0].basis.startswith("Act 189/2001")


def test_every_rule_cites_its_basis() -> None:
    assert all(rule.basis.strip() for rule in RULES)


def test_money_worries_give_a_note_not_a_service() -> None:
    persona = next(p for p in PERSONAS if p.name == "employed-money-worries")
    assert "money" in notes_for(persona.answers)


def test_age_65_or_under_18_ends_the_questionnaire() -> None:
    for age in ("65-plus", "under-18"):
        answers: Answers = {"age": (age,)}
        assert [q.id for q in QUESTIONNAIRE.asked(answers)] == ["age"]
        assert QUESTIONNAIRE.first_unanswered(answers) is None


def test_pointless_questions_are_skipped() -> None:
    employed: Answers = {"age": ("30-64",), "situation": ("employed",), "limits": ("none",)}
    asked = [q.id for q in QUESTIONNAIRE.asked(employed)]
    assert "jobseeker" not in asked, "an employed person is not asked about job seeking"
    assert "disability" not in asked, "no limits: the disability question cannot change the result"
    assert "intellectual_disability" not in asked


def test_changing_an_answer_drops_answers_that_no_longer_apply() -> None:
    answers: Answers = {
        "age": ("30-64",), "situation": ("unemployed-long",), "jobseeker": ("yes",),
        "limits": ("some",), "disability": ("yes",), "intellectual_disability": ("no",),
    }  # fmt: skip
    answers["limits"] = ("none",)
    assert set(QUESTIONNAIRE.relevant(answers)) == {"age", "situation", "jobseeker", "limits"}


def test_unknown_values_are_errors_not_guesses() -> None:
    _answers, errors = QUESTIONNAIRE.parse({"age": ["99"], "goal": ["job", "studies"]}, frozenset())
    assert {(e.question, e.problem) for e in errors} == {
        ("age", "unknown-value"),
        ("goal", "several-values"),
    }


def test_rules_file_errors_name_the_rule(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n  - {id: r1, when: {age: [old]}, services: [kuntouttava-tyotoiminta],"
        " fit: likely, reason: x, basis: y}\n",
        encoding="utf-8",
    )
    with pytest.raises(PathwayDataError, match=r"r1.*unknown values"):
        load_rules(load_questionnaire(), set(SERVICE_CODES), bad)


def test_every_reason_has_a_text_in_every_version() -> None:
    assert set(PATHWAY.texts) == {"fi", "fi-selko", "sv", "en"}
    for texts in PATHWAY.texts.values():
        for rule in RULES:
            section = "exclusions" if rule.fit == "excluded" else "reasons"
            assert texts[section][rule.reason]


ANSWER_SPACE = {
    q.id: list(q.values) for q in QUESTIONNAIRE.questions if q.id not in ("support", "municipality")
}


def test_every_combination_of_single_answers_gives_a_valid_result() -> None:
    names = list(ANSWER_SPACE)
    count = 0
    for combination in itertools.product(*(ANSWER_SPACE[n] for n in names)):
        answers = QUESTIONNAIRE.relevant({n: (v,) for n, v in zip(names, combination, strict=True)})
        result = evaluate(RULES, answers)
        suggested = {s.service for s in result.suggestions}
        assert not suggested & {e.service for e in result.excluded}
        assert suggested <= set(SERVICE_CODES)
        count += 1
    assert count == 4 * 6 * 3 * 4 * 3 * 3 * 5


SUPPORT_VALUES = ["substance", "mental-health", "loneliness", "money", "none"]
PARAMETER_SPACE = {**ANSWER_SPACE, "support": SUPPORT_VALUES}


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            name: st.lists(st.sampled_from([*values, "", "bogus"]), max_size=3)
            for name, values in PARAMETER_SPACE.items()
        }
    )
)
def test_any_parameters_parse_to_answers_or_clear_errors(params: dict[str, list[str]]) -> None:
    answers, errors = QUESTIONNAIRE.parse(params, frozenset({"091"}))
    for error in errors:
        assert error.problem in {"unknown-value", "several-values"}
    result = evaluate(RULES, QUESTIONNAIRE.relevant(answers))
    assert all(s.fit in {"likely", "possible"} for s in result.suggestions)
