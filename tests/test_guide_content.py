"""Content lint over every guide file: front matter, sections, links, versions, easy Finnish."""

from __future__ import annotations

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
from app.guide.selko_lint import lint_selko


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


def test_all_pages_dates_are_set(guide: Guide) -> None:
    assert all(page.last_checked.year >= 2025 for page in guide.pages.values())


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
