"""Questionnaire rules: personas from the sources, skip logic, and every combination of answers."""

from __future__ import annotations

import itertools
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from app.guide.content import ALL_CODES, GUIDE_DIR, SERVICE_CODES
from app.guide.facts import default_facts, stray_fact_numbers
from app.guide.glossary import rejected_variants
from app.guide.selko_lint import inconsistent_hyphenation, lint_selko, lint_strings
from app.pathway.content import load_pathway
from app.pathway.questions import (
    PATHWAY_CONTENT_DIR,
    Answers,
    PathwayDataError,
    load_questionnaire,
)
from app.pathway.rules import evaluate, load_rules, notes_for
from app.urgent_help import (
    HELP_LINES_FILE,
    URGENT_HELP_FILE,
    UrgentHelpError,
    load_urgent_help,
)
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
    assert kt.reason.key == "pension-full-kt-ask"
    assert "vammaisten-tyotoiminta" in kt.instead


def test_reasons_name_the_answers_that_led_to_them() -> None:
    persona = PERSONAS[0]
    result = evaluate(RULES, persona.answers)
    kt = next(s for s in result.suggestions if s.service == "kuntouttava-tyotoiminta")
    used = dict(kt.reasons[0].answers)
    assert used == {
        "situation": ("unemployed-long",),
        "limits": ("some",),
        "jobseeker": ("yes",),
    }
    assert kt.reasons[0].basis.startswith("Act 189/2001")


def test_every_rule_cites_its_basis() -> None:
    assert all(rule.basis.strip() for rule in RULES)


def notes_of(name: str) -> list[str]:
    persona = next(p for p in PERSONAS if p.name == name)
    answers = QUESTIONNAIRE.relevant(persona.answers)
    return notes_for(PATHWAY.note_rules, answers, evaluate(RULES, answers))


def test_money_worries_give_a_note_not_a_service() -> None:
    assert "money" in notes_of("employed-money-worries")


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("parent-of-minor-intellectual-disability", "under-18-intellectual-disability"),
        ("under-25-recently-unemployed", "under-25"),
        ("unsure-intellectual-disability", "under-30"),
        ("over-64", "over-64"),
        ("immigrant-wants-job", "integration"),
        ("employed-with-limits", "employed"),
        ("not-registered-many-limits", "kt-duties"),
        ("vates-long-term-unemployed-man", "kt-duties"),
    ],
)
def test_the_right_notes_are_shown(name: str, note: str) -> None:
    assert note in notes_of(name)


def test_notes_are_not_shown_where_they_do_not_apply() -> None:
    assert "kt-duties" not in notes_of("employed-with-limits"), "no kuntouttava suggested"
    assert "under-18-intellectual-disability" not in notes_of("under-18")
    assert "under-25" not in notes_of("unsure-intellectual-disability")  # 25–29
    assert "integration" not in notes_of("vates-long-term-unemployed-man")


def test_under_18_is_asked_about_an_intellectual_disability_and_nothing_about_work() -> None:
    asked = [q.id for q in QUESTIONNAIRE.asked({"age": ("under-18",)})]
    assert asked == ["age", "intellectual_disability", "municipality"]
    assert QUESTIONNAIRE.first_unanswered({"age": ("under-18",)}) is not None


def test_over_64_gets_a_short_questionnaire_without_work_questions() -> None:
    asked = [q.id for q in QUESTIONNAIRE.asked({"age": ("65-plus",), "disability": ("yes",)})]
    assert asked == ["age", "disability", "intellectual_disability", "support", "municipality"]
    asked = [q.id for q in QUESTIONNAIRE.asked({"age": ("65-plus",), "disability": ("no",)})]
    assert asked == ["age", "disability", "support", "municipality"]


def test_a_retired_answer_from_an_old_link_asks_the_question_again() -> None:
    answers, errors = QUESTIONNAIRE.parse({"age": ["18-29"], "situation": ["other"]}, frozenset())
    assert errors == [] and "age" not in answers
    first = QUESTIONNAIRE.first_unanswered(QUESTIONNAIRE.relevant(answers))
    assert first is not None and first.id == "age"


def test_a_pension_always_asks_about_a_disability() -> None:
    for situation in ("pension", "pension-partial"):
        answers: Answers = {"age": ("30-64",), "situation": (situation,), "limits": ("none",)}
        assert "disability" in [q.id for q in QUESTIONNAIRE.asked(answers)]


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
    assert count == math.prod(len(values) for values in ANSWER_SPACE.values())


DISABILITY_SERVICES = {
    "vammaisten-tyollistymista-tukeva-toiminta",
    "vammaisten-tyotoiminta",
    "kehitysvammaisten-tyotoiminta",
    "paivatoiminta",
}


def all_single_answers() -> Iterator[dict[str, tuple[str, ...]]]:
    names = list(ANSWER_SPACE)
    for combination in itertools.product(*(ANSWER_SPACE[n] for n in names)):
        yield QUESTIONNAIRE.relevant({n: (v,) for n, v in zip(names, combination, strict=True)})


def test_dont_know_never_makes_a_disability_service_likely() -> None:
    checked = 0
    for answers in all_single_answers():
        said_yes = "yes" in answers.get("disability", ()) + answers.get(
            "intellectual_disability", ()
        )
        if said_yes:
            continue
        likely = {s.service for s in evaluate(RULES, answers).suggestions if s.fit == "likely"}
        assert not likely & DISABILITY_SERVICES, answers
        checked += 1
    assert checked > 1000


def test_kuntouttava_is_likely_only_for_a_registered_jobseeker() -> None:
    likely_somewhere = False
    for answers in all_single_answers():
        result = evaluate(RULES, answers)
        likely = {s.service for s in result.suggestions if s.fit == "likely"}
        if "kuntouttava-tyotoiminta" in likely:
            likely_somewhere = True
            assert answers.get("jobseeker") == ("yes",), answers
    assert likely_somewhere


def test_a_partial_pension_never_excludes_kuntouttava() -> None:
    for answers in all_single_answers():
        if answers.get("situation") != ("pension-partial",):
            continue
        excluded = {e.service for e in evaluate(RULES, answers).excluded}
        assert "kuntouttava-tyotoiminta" not in excluded, answers


def test_over_64_never_gets_an_empty_result() -> None:
    for disability in ("yes", "no", "unsure"):
        answers = QUESTIONNAIRE.relevant(
            {"age": ("65-plus",), "disability": (disability,), "intellectual_disability": ("no",),
             "support": ("none",)}
        )  # fmt: skip
        assert evaluate(RULES, answers).suggestions, disability


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


# --- Texts: the facts the review of 2026-12-05 found wrong, in every version ------------


def texts_strings(node: object, where: str = "") -> Iterator[tuple[str, str]]:
    """Every text a reader sees in a texts file (not addresses), with where it is."""
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in ("url", "version"):
                yield from texts_strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from texts_strings(value, f"{where}[{index}]")


def note_text(version: str, key: str) -> str:
    note = PATHWAY.texts[version]["notes"][key]
    return str(note if isinstance(note, str) else note["text"])


def easy_finnish_strings() -> list[tuple[str, str]]:
    urgent = yaml.safe_load(URGENT_HELP_FILE.read_text(encoding="utf-8"))["texts"]["fi-selko"]
    return [
        *texts_strings(PATHWAY.texts["fi-selko"]),
        *texts_strings(urgent, "urgent_help.yaml"),
    ]


def test_every_easy_finnish_questionnaire_string_passes_the_selko_lint() -> None:
    """Each string on its own: sentence and word length, parentheses, agentless passives,
    third person about the reader and hyphens."""
    strings = easy_finnish_strings()
    assert len(strings) > 100
    failures = {
        where: report.problems
        for where, text in strings
        if (report := lint_strings(where, [text])).problems
    }
    assert failures == {}


def test_easy_finnish_questionnaire_writes_each_compound_one_way() -> None:
    reports = [lint_strings(where, [text]) for where, text in easy_finnish_strings()]
    guide = [
        lint_selko(str(path), path.read_text(encoding="utf-8"))
        for path in sorted(GUIDE_DIR.glob("*/fi-selko.md"))
    ]
    assert inconsistent_hyphenation(reports + guide) == []


@pytest.mark.parametrize("version", ["fi", "fi-selko", "sv", "en"])
def test_questionnaire_and_urgent_box_use_no_rejected_term(version: str) -> None:
    urgent = yaml.safe_load(URGENT_HELP_FILE.read_text(encoding="utf-8"))["texts"][version]
    strings = [*texts_strings(PATHWAY.texts[version]), *texts_strings(urgent, "urgent")]
    found = [
        (where, str(use)) for where, text in strings for use in rejected_variants(text, version)
    ]
    assert found == []


def test_no_text_caps_kuntouttava_at_two_years_in_total() -> None:
    cap = re.compile(
        r"(enintään|korkeintaan|yhteensä|maximi|högst|totalt|at most|in total|maximum)"
        r"[^.]{0,40}(24 kuukau|2 vuo|24 månader|2 år|24 months|2 years)",
        re.IGNORECASE,
    )
    for version, texts in PATHWAY.texts.items():
        for where, text in texts_strings(texts):
            assert not cap.search(text), (version, where, text)


@pytest.mark.parametrize(
    ("version", "talk_first"),
    [("fi", "Puhu aina ensin"), ("fi-selko", "Puhu aina ensin"), ("sv", "Tala alltid först"),
     ("en", "Always talk")],
)  # fmt: skip
def test_kuntouttava_money_note_states_periods_duties_and_talk_first(
    version: str, talk_first: str
) -> None:
    text = note_text(version, "kt-duties")
    assert "3–24" in text
    assert talk_first in text


@pytest.mark.parametrize("version", ["fi", "fi-selko", "sv", "en"])
def test_full_pension_text_says_usually_and_ask_never_cannot(version: str) -> None:
    text = PATHWAY.texts[version]["exclusions"]["pension-full-kt-ask"].lower()
    for cannot in ("ei voi osallistua", "et voi osallistua", "kan inte delta", "cannot take part"):
        assert cannot not in text
    assert any(word in text for word in ("yleensä", "oftast", "usually"))
    assert any(word in text for word in ("kysy", "fråga", "ask"))


@pytest.mark.parametrize(
    ("version", "first", "then"),
    [
        ("fi", ["työterveyshuollosta", "työeläkelaitoksesi"], "Kelan"),
        ("fi-selko", ["työterveyshuollosta", "työeläkelaitoksesi"], "Kela"),
        ("sv", ["företagshälsovården", "arbetspensionsanstalt"], "FPA"),
        ("en", ["occupational health care", "pension provider"], "Kela"),
    ],
)
def test_employed_with_limits_go_to_occupational_health_and_pension_provider_first(
    version: str, first: list[str], then: str
) -> None:
    text = PATHWAY.texts[version]["reasons"]["vocational-rehab-employed"]
    positions = [text.index(word) for word in first]
    assert positions == sorted(positions) and positions[-1] < text.index(then)


@pytest.mark.parametrize(
    ("version", "primary", "secondary"),
    [("fi", "710/1982", "675/2023"), ("sv", "710/1982", "675/2023"),
     ("en", "710/1982", "675/2023"),
     ("fi-selko", "vanhaa sosiaalihuoltolakia", "vammaispalvelulakia")],
)  # fmt: skip
def test_intellectual_disability_work_activity_names_the_old_act_first(
    version: str, primary: str, secondary: str
) -> None:
    text = PATHWAY.texts[version]["reasons"]["id-work-activity"]
    assert text.index(primary) < text.index(secondary)


def test_every_text_on_the_2025_bill_states_its_status_with_the_date_checked() -> None:
    facts = default_facts()
    for version, texts in PATHWAY.texts.items():
        bill = facts["he109_id"].value(version).split(" vp")[0].split(" rd")[0]
        status = facts["he109_status"].value(version)
        mentions = [text for _where, text in texts_strings(texts) if bill in text]
        mentions.append(texts["reasons"]["kt-unemployed-many-limits"])  # easy Finnish: no id
        assert all(status in text for text in mentions), version
        assert "2026" in status


def raw_texts(version: str) -> object:
    path = PATHWAY_CONTENT_DIR / f"texts.{version}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", ["fi", "fi-selko", "sv", "en"])
def test_questionnaire_texts_state_no_fact_outside_the_facts_file(version: str) -> None:
    """Numbers, acts and dates come from facts.yaml. The only numbers a text may write itself
    are the questionnaire's own answer bands (ages, 12 months), repeated where a note
    restates the band the person chose."""
    texts = raw_texts(version)
    assert isinstance(texts, dict)
    bands = [
        *texts["questions"]["age"]["options"].values(),
        *texts["questions"]["situation"]["options"].values(),
    ]
    strays = [
        (where, stray.kind, stray.text)
        for where, text in texts_strings(texts)
        for stray in stray_fact_numbers(text)
        if not any(stray.text.lower() in band.lower() for band in bands)
    ]
    assert strays == []


def test_facts_in_questionnaire_texts_are_rendered_for_each_version() -> None:
    facts = default_facts()
    assert facts["kt_period_months"].value("fi") in note_text("fi", "kt-duties")
    assert facts["aland_route_checked"].value("en") in note_text("en", "outside-regions")
    for texts in PATHWAY.texts.values():
        assert not any("{{" in text for _where, text in texts_strings(texts))


def test_the_aland_route_links_only_to_confirmed_addresses() -> None:
    for version, texts in PATHWAY.texts.items():
        links = {link["url"] for link in texts["notes"]["outside-regions"]["links"]}
        assert links == {"https://www.kst.ax", "https://www.ams.ax"}, version


# --- The "if you need help now" box: data and where it is shown -----------------------------

URGENT = load_urgent_help(ALL_CODES, PATHWAY.support_values)


def test_urgent_help_shows_emergency_medical_and_crisis_lines_in_every_version() -> None:
    for version in ("fi", "fi-selko", "sv", "en"):
        box = URGENT.box(version)
        tels = [line.tel for line in box.lines]
        assert tels[:3] == ["112", "116117", "+358925250111"], version
        assert all(line.source_url.startswith("https://") for line in box.lines)
        assert box.checked_on == min(line.checked_on for line in box.lines)
    assert "+358925250112" in [line.tel for line in URGENT.box("sv").lines]
    assert "+358925250116" in [line.tel for line in URGENT.box("en").lines]


def test_where_the_urgent_box_is_shown_is_data() -> None:
    assert URGENT.shown_on_guide_page("mielenterveys-ja-paihdepalvelut")
    assert not URGENT.shown_on_guide_page("kuntouttava-tyotoiminta")
    assert URGENT.shown_for_support(["loneliness", "substance"])
    assert not URGENT.shown_for_support(["loneliness", "money"])


def copy_urgent_files(tmp_path: Path) -> tuple[Path, Path]:
    content = tmp_path / "urgent_help.yaml"
    lines = tmp_path / "help_lines.csv"
    shutil.copy(URGENT_HELP_FILE, content)
    shutil.copy(HELP_LINES_FILE, lines)
    return content, lines


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        ("yaml", "guide_pages: [mielenterveys", "guide_pages: [ei-ole-olemassa, mielenterveys",
         "unknown guide pages"),
        ("yaml", "pathway_support: [mental-health", "pathway_support: [cake, mental-health",
         "unknown support answers"),
        ("yaml", "      mieli-fi: Keskusteluapua", "      mieli-xx: Keskusteluapua",
         "no `when` text for line 'mieli-fi'"),
        ("yaml", "checked: Numerot tarkistettu {date}.", "checked: Numerot tarkistettu.",
         "must contain {date}"),
        ("csv", ",112,112,", ",112,soita,", "dialable tel"),
        ("csv", "https://112.fi/", "http://112.fi/", "https address"),
        ("csv", "2026-12-05", "5.12.2026", "checked_on must be a date"),
    ],
)  # fmt: skip
def test_broken_urgent_help_data_is_refused_with_the_place_named(
    tmp_path: Path, file: str, old: str, new: str, problem: str
) -> None:
    content, lines = copy_urgent_files(tmp_path)
    target = content if file == "yaml" else lines
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(UrgentHelpError, match=re.escape(problem)):
        load_urgent_help(ALL_CODES, PATHWAY.support_values, content, lines)
