"""The facts file: every number, act and date on a guide page comes from it, and is current.

Facts live once in `app/content/facts.yaml`; pages write `{{fact:KEY}}`. These tests fail
when a page writes such a fact itself, when a fact is past its re-check date, when a page
uses an unknown fact, and when a regional example loses the place name that labels it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from app.guide.content import GUIDE_DIR, SOURCES_FILE, ContentError, load_sources, parse_page
from app.guide.facts import (
    ALLOWED_NUMBERS,
    FACTS_FILE,
    VERSIONS,
    FactError,
    default_facts,
    due_facts,
    fact_keys,
    load_facts,
    render_facts,
    stray_fact_numbers,
    unlabelled_regional_facts,
)

PAGES = sorted(GUIDE_DIR.glob("*/*.md"))
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def _checked_text(path: Path) -> str:
    """What a reader sees: title, summary, notice, act names and the body."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    assert match, path
    meta = yaml.safe_load(match.group(1))
    parts = [str(meta.get(key) or "") for key in ("title", "summary", "reform_notice")]
    parts += [str(law["name"]) for law in meta.get("law") or []]
    return "\n".join(parts) + "\n" + text[match.end() :]


def _write_facts(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD_FACT = """
period:
  value: "3–24"
  source: thl-2026
  checked_on: 2026-12-05
  valid_from: 2015-07-01
  recheck_by: 2027-06-30
date:
  values:
    fi: "25.11.2025"
    fi-selko: "25. marraskuuta 2025"
    sv: "25.11.2025"
    en: "25 November 2025"
  source: thl-2026
  checked_on: 2026-12-05
  valid_from: 2025-11-25
  recheck_by: 2028-01-01
"""


# --- The project's facts file --------------------------------------------------------------


def test_the_facts_file_loads_and_every_fact_cites_a_registered_source() -> None:
    facts = load_facts(FACTS_FILE, SOURCES_FILE)
    sources = load_sources(SOURCES_FILE)
    assert facts, "the facts file is empty"
    assert all(fact.source in sources for fact in facts.values())


def test_no_fact_is_past_its_recheck_date() -> None:
    due = due_facts(dt.date.today(), load_facts().values())
    assert due == [], "re-check against the source and update checked_on/recheck_by: " + ", ".join(
        f"{fact.key} (recheck by {fact.recheck_by})" for fact in due
    )


def test_no_fact_claims_a_check_in_the_future() -> None:
    future = [key for key, fact in load_facts().items() if fact.checked_on > dt.date.today()]
    assert future == []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_fact_has_a_value_in_every_reading_version(version: str) -> None:
    empty = [key for key, fact in load_facts().items() if not fact.value(version).strip()]
    assert empty == []


def test_the_he_109_2025_status_is_dated_in_every_version() -> None:
    status = load_facts()["he109_status"]
    for version in VERSIONS:
        assert re.search(r"\b5\.12\.2026\b|5 December 2026", status.value(version)), version


# --- Rendering -------------------------------------------------------------------------------


def test_placeholders_get_the_value_of_the_reading_version(tmp_path: Path) -> None:
    facts = load_facts(_write_facts(tmp_path, GOOD_FACT), sources_file=None)
    text = "Jakso {{fact:period}} kk, tiedote {{ fact:date }}."
    assert render_facts(text, "fi", facts) == "Jakso 3–24 kk, tiedote 25.11.2025."
    assert render_facts(text, "fi-selko", facts) == "Jakso 3–24 kk, tiedote 25. marraskuuta 2025."
    assert render_facts("{{fact:date}}", "en", facts) == "25 November 2025"


def test_easy_finnish_falls_back_to_the_finnish_value(tmp_path: Path) -> None:
    body = GOOD_FACT.replace('    fi-selko: "25. marraskuuta 2025"\n', "")
    assert body != GOOD_FACT
    facts = load_facts(_write_facts(tmp_path, body), sources_file=None)
    assert render_facts("{{fact:date}}", "fi-selko", facts) == "25.11.2025"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{fact:no_such_key}}", "unknown fact key 'no_such_key'"),
        ("{{fakt:period}}", "malformed fact placeholder"),
        ("{{fact:period", "malformed fact placeholder"),
    ],
)
def test_bad_placeholders_raise_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    facts = load_facts(_write_facts(tmp_path, GOOD_FACT), sources_file=None)
    with pytest.raises(FactError, match=message):
        render_facts(text, "fi", facts)


def test_an_unknown_reading_version_is_an_error(tmp_path: Path) -> None:
    facts = load_facts(_write_facts(tmp_path, GOOD_FACT), sources_file=None)
    with pytest.raises(FactError, match="unknown reading version"):
        render_facts("{{fact:period}}", "de", facts)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  source: thl-2026\n", ""), "lacks 'source'"),
        (("  recheck_by: 2027-06-30\n", "  recheck_by: soon\n"), "must be a date"),
        (("  valid_from: 2015-07-01\n", ""), "lacks 'valid_from'"),
        (("  valid_from: 2015-07-01\n", "  valid_from: null\n"), "no note saying why"),
        (('  value: "3–24"\n', ""), "exactly one of 'value' or 'values'"),
        (("  source: thl-2026\n", "  source: nowhere\n"), "unknown source 'nowhere'"),
        (("  recheck_by: 2027-06-30\n", "  recheck_by: 2020-01-01\n"), "before checked_on"),
        (('en: "25 November 2025"', 'de: "x"'), "unknown versions"),
        (("period:", "Period:"), "lowercase letters"),
    ],
)
def test_broken_facts_are_rejected_with_the_key_named(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    body = GOOD_FACT.replace(change[0], change[1], 1)
    with pytest.raises(FactError, match=message):
        load_facts(_write_facts(tmp_path, body), SOURCES_FILE)


def test_a_fact_past_its_recheck_date_is_reported(tmp_path: Path) -> None:
    facts = load_facts(_write_facts(tmp_path, GOOD_FACT), sources_file=None)
    assert [fact.key for fact in due_facts(dt.date(2027, 7, 1), facts.values())] == ["period"]
    assert due_facts(dt.date(2027, 6, 30), facts.values()) == []


def test_a_page_with_an_unknown_fact_names_the_file_and_line(tmp_path: Path) -> None:
    page = tmp_path / "tyokokeilu" / "fi.md"
    page.parent.mkdir()
    page.write_text(
        "---\ncode: tyokokeilu\nversion: fi\nkind: related\ntitle: T\nsummary: S\n"
        "last_checked: 2026-12-05\nsources: [thl-2026]\n---\n"
        "## A {#what}\n\nT.\n\n## B {#for-whom}\n\nKesto {{fact:no_such_key}}.\n\n"
        "## C {#access}\n\nT.\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"fi\.md:16: unknown fact key 'no_such_key'"):
        parse_page(page, load_sources(SOURCES_FILE))


# --- Numbers written outside the facts file ----------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pages_state_no_fact_number_outside_a_placeholder(path: Path) -> None:
    strays = stray_fact_numbers(_checked_text(path))
    assert strays == [], "move these into app/content/facts.yaml: " + "; ".join(
        f"{stray.kind} '{stray.text}'" for stray in strays
    )


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_placeholder_on_a_page_is_a_known_fact(path: Path) -> None:
    unknown = set(fact_keys(path.read_text(encoding="utf-8"))) - set(default_facts())
    assert unknown == set()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_regional_examples_stay_labelled_with_their_place(path: Path) -> None:
    assert unlabelled_regional_facts(path.read_text(encoding="utf-8")) == []


def test_regional_check_catches_an_unlabelled_example() -> None:
    text = "Esimerkiksi Turussa jakso on {{fact:turku_agreement_months}} kuukautta.\n\n"
    assert unlabelled_regional_facts(text) == []
    problems = unlabelled_regional_facts("Jakso on {{fact:turku_agreement_months}} kuukautta.\n")
    assert len(problems) == 1 and "turku_agreement_months" in problems[0]
    listed = "Turussa työtoimintaa oli:\n\n- {{fact:turku_agreement_months}} kuukautta\n"
    assert unlabelled_regional_facts(listed) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Kulukorvaus on 9 euroa päivässä.", "money"),
        ("Compensation of €9 a day.", "money"),
        ("Säästö 12–15 miljoonaa euroa.", "money"),
        ("Perusosa voi pienentyä 20 %.", "percent"),
        ("Jakso kestää 3–24 kuukautta.", "duration"),
        ("1–4 days a week", "duration"),
        ("the activity often runs in 3-month periods", "duration"),
        ("Lain 1 §:n mukaan", "section"),
        ("vanhan sosiaalihuoltolain 27 d ja 27 e", "section"),
        ("under section 27 of the act", "section"),
        ("Hallituksen esitys HE 109/2025 vp", "bill"),
        ("mietintö StVM 27/2025 vp", "bill"),
        ("laki 189/2001", "act_number"),
        ("tiedote 25.11.2025", "date"),
        ("announced on 25 November 2025", "date"),
        ("ehdotus helmikuussa 2026", "date"),
        ("vuodesta 2025 alkaen", "date"),
        ("Sedan 2025 sköts", "date"),
        ("asiakkaita oli 14 555", "statistic"),
        ("about 7,050 clients", "statistic"),
    ],
)
def test_the_detector_finds_each_kind_of_fact_number(text: str, kind: str) -> None:
    assert [stray.kind for stray in stray_fact_numbers(text)][:1] == [kind]


@pytest.mark.parametrize(
    ("text", "allowed_by"),
    [
        ("Jakso kestää {{fact:kt_period_months}} kuukautta.", "placeholder"),
        ("[Laki (Finlex)](https://www.finlex.fi/fi/laki/ajantasa/2001/20010189)", "link_target"),
        ("1. **Ota yhteyttä.** Kysy 2. kerran.", "list_number"),
        ("**1. Ehdotus uudesta palvelusta.**", "ordinal_heading"),
        ("> **Esimerkki:** 36-vuotias mies kävi siellä.", "age_in_story"),
        ("## Otsikko {#what}", "attribute_list"),
        ("Turussa (2021) ja THL:n raportti (2026).", ""),
        ("Kymenlaaksossa 11 alueella ja 4 alueella.", ""),
    ],
)
def test_the_detector_leaves_allowed_numbers_alone(text: str, allowed_by: str) -> None:
    assert stray_fact_numbers(text) == []
    if allowed_by:
        assert allowed_by in ALLOWED_NUMBERS


@pytest.mark.parametrize(
    "text", ["alle 25-vuotias nuori", "18–24-vuotiaat", "people under 25-year-olds"]
)
def test_an_age_limit_is_still_a_fact(text: str) -> None:
    assert [stray.kind for stray in stray_fact_numbers(text)] == ["age_limit"]


def test_stray_numbers_report_their_line() -> None:
    strays = stray_fact_numbers("Rivi yksi.\nRivi kaksi: 9 euroa.\n")
    assert [(stray.line, stray.text) for stray in strays] == [(2, "9 euroa")]
