"""The glossary: one official term per concept and language, no rejected variants anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.guide.content import GUIDE_DIR
from app.guide.facts import render_facts
from app.guide.glossary import GLOSSARY_FILE, GlossaryError, load_glossary, rejected_variants

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {
    locale: ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    for locale in ("fi", "fi-selko", "sv", "en")
}


def test_the_glossary_loads_with_terms_for_swedish_and_english() -> None:
    glossary = load_glossary(GLOSSARY_FILE)
    assert {"sv", "en"} <= set(glossary)
    sv_terms = {term.term for term in glossary["sv"]}
    en_concepts = {term.concept for term in glossary["en"]}
    assert {
        "arbetsverksamhet i rehabiliteringssyfte",
        "social rehabilitering",
        "välfärdsområde",
    } <= sv_terms
    assert {"hyvinvointialue", "kulukorvaus"} <= en_concepts


@pytest.mark.parametrize(
    "path", sorted(GUIDE_DIR.glob("*/*.md")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_guide_pages_use_no_rejected_variant(path: Path) -> None:
    text = render_facts(path.read_text(encoding="utf-8"), path.stem)
    found = rejected_variants(text, path.stem)
    assert found == [], "; ".join(str(use) for use in found)


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_translation_catalogues_use_no_rejected_variant(locale: str) -> None:
    with CATALOGUES[locale].open("rb") as handle:
        catalog = read_po(handle, locale=locale.removesuffix("-selko"))
    shown: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        strings = [
            str(s)
            for s in (
                message.string if isinstance(message.string, (tuple, list)) else (message.string,)
            )
        ]
        ids = [
            str(i) for i in (message.id if isinstance(message.id, (tuple, list)) else (message.id,))
        ]
        # English falls back to the msgid, which is then what the reader sees.
        shown += [s for s in strings if s] or (list(ids) if locale == "en" else [])
    found = rejected_variants("\n".join(shown), locale)
    assert found == [], "; ".join(str(use) for use in found)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Kontakta din wellbeing services county.", "en", ["wellbeing services county"]),
        ("You get an expense allowance of €9.", "en", ["expense allowance"]),
        ("Kunderna inom socialtjänsten.", "sv", ["Kunderna"]),
        ("Du kan vara kund hos sysselsättningsområdet.", "sv", []),
        ("Uppgifter: lagerarbete och kundservice.", "sv", []),
        ("Saat pitää työttömyysrahan.", "fi-selko", ["työttömyysrahan"]),
        ("Saat edelleen työttömyysetuutta.", "fi-selko", []),
    ],
)
def test_rejected_variants_are_found_and_exceptions_respected(
    text: str, language: str, expected: list[str]
) -> None:
    assert [use.found for use in rejected_variants(text, language)] == expected


def test_a_term_that_matches_its_own_rejected_variants_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text(
        "en:\n  - concept: x\n    term: expense allowance\n    rejected: ['expense \\w+']\n"
        "    why: test\n",
        encoding="utf-8",
    )
    with pytest.raises(GlossaryError, match="matches its own rejected variants"):
        load_glossary(path)


def test_an_entry_without_a_reason_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text("sv:\n  - concept: x\n    term: y\n    rejected: [z]\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="lacks 'why'"):
        load_glossary(path)
