"""Translation catalogues are complete and current; version prefixes map both ways."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"


def _message_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_extracted_messages_pot_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-o", str(fresh), "--no-location", "--omit-header", "--sort-output", "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    assert _message_ids(fresh) == _message_ids(TRANSLATIONS / "messages.pot"), (
        "UI strings changed: run `python scripts/update_translations.py` and translate"
    )


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_every_ui_string_is_translated(locale: str) -> None:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    expected = _message_ids(TRANSLATIONS / "messages.pot")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    assert expected - translated == set()


@pytest.mark.parametrize(
    ("public", "version", "canonical"),
    [
        ("/", "fi", "/"),
        ("/alueet", "fi", "/alueet"),
        ("/selko", "fi-selko", "/"),
        ("/selko/palvelut/vertailu", "fi-selko", "/palvelut/vertailu"),
        ("/sv/tjanster/vertailu", "sv", "/palvelut/vertailu"),
        ("/en/regions", "en", "/alueet"),
        ("/en", "en", "/"),
    ],
)
def test_public_paths_map_to_canonical_paths_and_back(
    public: str, version: str, canonical: str
) -> None:
    assert i18n.split_version(public) == (version, canonical)
    assert i18n.localized_path(canonical, version) == public


def test_api_and_static_paths_never_get_a_prefix() -> None:
    assert i18n.localized_path("/api/v1/regions", "sv") == "/api/v1/regions"
    assert i18n.localized_path("/static/css/polku.css", "en") == "/static/css/polku.css"


def test_similar_prefixes_are_not_mistaken_for_versions() -> None:
    assert i18n.split_version("/svenska") == ("fi", "/svenska")
    assert i18n.split_version("/english") == ("fi", "/english")
