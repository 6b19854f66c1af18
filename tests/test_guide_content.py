"""Content lint over every guide file: front matter, sections, links, versions, easy Finnish."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.guide.content import (
    ALL_CODES,
    CORE_CODES,
    CORE_SECTIONS,
    GUIDE_DIR,
    SOURCES_FILE,
    VERSIONS,
    ContentError,
    Guide,
    load_guide,
    load_sources,
    parse_page,
)
from app.guide.selko_lint import inconsistent_hyphenation, lint_selko, lint_strings


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide()


@pytest.mark.parametrize("code", ALL_CODES)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_code_exists_in_every_version(guide: Guide, code: str, version: str) -> None:
    page = guide.page(code, version)
    assert page is not None, f"{code}/{version}.md is missing (or mark it `missing: true`)"
    assert page.sources, "at least one source"


@pytest.mark.parametrize("code", CORE_CODES)
@pytest.mark.parametrize("version", VERSIONS)
def test_core_pages_answer_the_questions_in_order(guide: Guide, code: str, version: str) -> None:
    page = guide.page(code, version)
    assert page is not None and page.kind == "core"
    assert [s.id for s in page.sections if s.id in CORE_SECTIONS] == list(CORE_SECTIONS)
    assert page.reform_notice, "core pages carry a dated notice about the reform"
    assert any(law.url.startswith("https://www.finlex.fi/") for law in page.law)


@pytest.mark.parametrize("code", ALL_CODES)
def test_section_ids_match_across_versions(guide: Guide, code: str) -> None:
    finnish = guide.page(code, "fi")
    assert finnish is not None
    for version in VERSIONS:
        page = guide.page(code, version)
        assert page is not None
        if not page.missing:
            assert [s.id for s in page.sections] == [s.id for s in finnish.sections], version


def test_internal_links_point_to_the_same_reading_version(guide: Guide) -> None:
    page = guide.page("kuntouttava-tyotoiminta", "sv")
    assert page is not None
    html = "".join(section.html for section in page.sections)
    assert 'href="/sv/tjanster/' in html
    assert "guide:" not in html


# The day the content was last reviewed as a whole; a page's last_checked may not be later,
# and the test fails once a page has gone a year without a check.
CONTENT_REVIEW_DAY = dt.date(2026, 12, 5)
STORED_SOURCES = SOURCES_FILE.parents[3] / "shared" / "sources"


def test_all_pages_dates_are_set(guide: Guide) -> None:
    assert all(page.last_checked.year >= 2025 for page in guide.pages.values())


@pytest.mark.parametrize("code", ALL_CODES)
def test_last_checked_is_a_real_past_date_within_a_year(guide: Guide, code: str) -> None:
    today = max(dt.date.today(), CONTENT_REVIEW_DAY)
    for version in VERSIONS:
        page = guide.page(code, version)
        assert page is not None
        assert page.last_checked <= today, f"{version}: last_checked is in the future"
        assert (today - page.last_checked).days <= 365, f"{version}: not checked for a year"


def test_every_registered_source_resolves_to_a_file_or_an_address() -> None:
    sources = load_sources(SOURCES_FILE)
    assert sources
    unresolved = [s.id for s in sources.values() if not (s.url or s.file)]
    assert unresolved == [], f"sources with neither url nor file: {unresolved}"
    bad_urls = [s.id for s in sources.values() if s.url and not s.url.startswith("https://")]
    assert bad_urls == [], f"source addresses must be https: {bad_urls}"


def test_every_stored_source_file_exists() -> None:
    files = {s.id: s.file for s in load_sources(SOURCES_FILE).values() if s.file}
    if not STORED_SOURCES.is_dir():
        pytest.skip(f"the shared source folder {STORED_SOURCES} is not present here")
    missing = {sid: name for sid, name in files.items() if not (STORED_SOURCES / name).is_file()}
    assert missing == {}, f"source files not found in {STORED_SOURCES}: {missing}"


def test_every_page_source_is_registered(guide: Guide) -> None:
    registered = load_sources(SOURCES_FILE)
    for page in guide.pages.values():
        for source in page.sources:
            assert registered.get(source.id) == source, f"{page.path}: {source.id}"
            assert source.url or source.file, f"{page.path}: {source.id} leads nowhere"


@pytest.mark.parametrize(
    "path", sorted(GUIDE_DIR.glob("*/fi-selko.md")), ids=lambda p: p.parent.name
)
def test_easy_finnish_pages_meet_the_limits(path: Path) -> None:
    report = lint_selko(path.parent.name, path.read_text(encoding="utf-8"))
    print(
        f"{path.parent.name}: {report.sentences} sentences, "
        f"average {report.average_sentence_words:.1f} words, "
        f"longest {report.longest_sentence_words}"
    )
    assert report.problems == []


def test_selko_lint_catches_long_sentences_and_words() -> None:
    text = (
        "## Otsikko {#what}\n\nTämä on hyvin pitkä lause, jossa on aivan liian monta sanaa "
        "yhdelle ajatukselle ja lukija väsyy ennen loppua.\n\nTyöllistymistäedistävätpalvelut.\n"
    )
    problems = lint_selko("sample", text).problems
    assert any("sentence of" in problem for problem in problems)
    assert any("words over 20 letters" in problem for problem in problems)


def _problems(text: str) -> list[str]:
    return lint_selko("sample", text).problems


@pytest.mark.parametrize(
    ("sentence", "flagged"),
    [
        ("Sinulle tehdään suunnitelma.", True),  # who makes it?
        ("Palvelut yhdistettäisiin uudeksi palveluksi.", True),  # passive conditional
        ("Tieto on tarkistettu vuonna 2026.", True),  # passive perfect
        ("Ohjaaja tekee kanssasi suunnitelman.", False),
        ("Voit mennä kotiin kerrallaan.", False),  # look-alikes in NOT_PASSIVE
    ],
)
def test_selko_lint_flags_agentless_passives(sentence: str, flagged: bool) -> None:
    problems = _problems(f"## Otsikko\n\n{sentence}\n")
    assert any("agentless passive" in p for p in problems) is flagged, problems


def test_selko_lint_flags_third_person_about_the_reader() -> None:
    text = (
        "## Kenelle\n\nSinä voit kysyä lisää.\n\n"
        "Palvelu on aikuiselle, jolla on kehitysvamma. Hän tarvitsee tukea.\n"
    )
    third = [p for p in _problems(text) if "third person" in p]
    assert len(third) == 2, third


def test_selko_lint_exempts_example_stories_and_texts_not_speaking_to_you() -> None:
    story = (
        "## Esimerkki\n\n**Esimerkki:** Liisa on nuori. Hän tarvitsee tukea.\n\nSinä voit kysyä.\n"
    )
    assert not any("third person" in p for p in _problems(story))
    about = "## Kenelle\n\nPalvelu on aikuiselle, jolla on kehitysvamma.\n"
    assert not any("third person" in p for p in _problems(about))


def test_selko_lint_reads_summary_notice_and_tables() -> None:
    text = (
        "---\ntitle: Otsikko\nsummary: Sinulle tehdään suunnitelma.\n"
        "reform_notice: Laki muutettaisiin.\n---\n"
        "## Otsikko\n\n| A | B |\n|---|---|\n| Sinut ohjataan. | Hyvä. |\n"
    )
    passives = [p for p in _problems(text) if "agentless passive" in p]
    assert len(passives) == 3, passives


def test_selko_lint_flags_needless_and_inconsistent_hyphens() -> None:
    needless = _problems("## Otsikko\n\nKysy työ-toiminnasta.\n")
    assert "needless hyphen: työ-toiminnasta" in needless
    long_ok = _problems("## Otsikko\n\nKysy työkyvyttömyys-eläkkeestä.\n")
    assert not any("hyphen" in p for p in long_ok)
    mixed = _problems(
        "## Otsikko\n\nKysy työkyvyttömyys-eläkkeestä.\n\nKysy työkyvyttömyyseläkkeestä.\n"
    )
    assert any("inconsistent hyphenation" in p for p in mixed), mixed


def test_lint_strings_checks_any_list_of_texts() -> None:
    report = lint_strings("questions", ["Sinulle tehdään suunnitelma.", "Voit kysyä lisää."])
    assert report.sentences == 2
    assert len(report.passives) == 1
    assert lint_strings("ok", ["Voit kysyä lisää.", "Ohjaaja auttaa sinua."]).problems == []


def test_hyphenation_is_consistent_across_texts() -> None:
    first = lint_strings("a", ["Kysy työkyvyttömyys-eläkkeestä."])
    second = lint_strings("b", ["Kysy työkyvyttömyyseläkkeestä."])
    assert inconsistent_hyphenation([first, second]) == [
        "työkyvyttömyys-eläkkeestä / työkyvyttömyyseläkkeestä"
    ]


def test_easy_finnish_pages_hyphenate_compounds_the_same_way() -> None:
    reports = [
        lint_selko(path.parent.name, path.read_text(encoding="utf-8"))
        for path in sorted(GUIDE_DIR.glob("*/fi-selko.md"))
    ]
    assert len(reports) == len(ALL_CODES)
    assert inconsistent_hyphenation(reports) == []


def _write_page(folder: Path, body: str, **meta: str) -> Path:
    fields = {
        "code": "tyokokeilu",
        "version": "fi",
        "kind": "related",
        "title": "Työkokeilu",
        "summary": "Lyhyt.",
        "last_checked": "2026-11-23",
        "sources": "[thl-2026]",
        **meta,
    }
    page_dir = folder / fields["code"]
    page_dir.mkdir(parents=True, exist_ok=True)
    path = page_dir / f"{fields['version']}.md"
    front = "\n".join(f"{key}: {value}" for key, value in fields.items())
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


GOOD_BODY = (
    "## Mikä {#what}\n\nTeksti.\n\n## Kenelle {#for-whom}\n\nT.\n\n## Miten {#access}\n\nT.\n"
)


def test_a_valid_file_parses(tmp_path: Path) -> None:
    page = parse_page(_write_page(tmp_path, GOOD_BODY), load_sources(SOURCES_FILE))
    assert [s.id for s in page.sections] == ["what", "for-whom", "access"]


@pytest.mark.parametrize(
    ("body", "meta", "message"),
    [
        (GOOD_BODY, {"sources": "[]"}, "lacks 'sources'"),
        (GOOD_BODY, {"sources": "[no-such-source]"}, "unknown source ids"),
        (GOOD_BODY, {"last_checked": "eilen"}, "last_checked must be a date"),
        ("## Mikä {#what}\n\nT.\n", {}, "missing sections"),
        (GOOD_BODY + "\n[x](guide:ei-ole)\n", {}, "unknown page 'guide:ei-ole'"),
        (GOOD_BODY, {"related": "[ei-ole]"}, "related codes"),
        (GOOD_BODY, {"kind": "other"}, "kind 'other'"),
    ],
)
def test_broken_files_name_the_file_and_problem(
    tmp_path: Path, body: str, meta: dict[str, str], message: str
) -> None:
    path = _write_page(tmp_path, body, **meta)
    with pytest.raises(ContentError, match=message) as error:
        parse_page(path, load_sources(SOURCES_FILE))
    assert str(path) in str(error.value)


def test_raw_html_in_content_is_escaped(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("Teksti.", "<script>alert(1)</script> Teksti.")
    page = parse_page(_write_page(tmp_path, body), load_sources(SOURCES_FILE))
    assert "<script>" not in page.sections[0].html
    assert "&lt;script&gt;" in page.sections[0].html
