"""Translation catalogues are complete and current; version prefixes map both ways."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app import i18n
from app.guide.selko_lint import lint_strings

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


# --- Easy Finnish: its own UI strings where the Finnish ones are too hard ----------------

SELKO_CATALOGUE = TRANSLATIONS / "fi-selko" / "LC_MESSAGES" / "messages.po"
HOME_TEMPLATE = ROOT / "templates" / "pages" / "home.html"


def _selko_messages() -> dict[str, str]:
    with SELKO_CATALOGUE.open("rb") as handle:
        catalog = read_po(handle, locale="fi")
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_easy_finnish_overrides_only_existing_ui_strings() -> None:
    overrides = _selko_messages()
    assert overrides, "the easy-Finnish catalogue is empty"
    stale = set(overrides) - _message_ids(TRANSLATIONS / "messages.pot")
    assert stale == set(), "easy-Finnish strings whose msgid no longer exists"
    assert all(overrides.values()), "every easy-Finnish override needs a text"


def test_easy_finnish_ui_strings_pass_the_selko_lint() -> None:
    # A placeholder such as %(region)s is a name on the page, not a parenthesis readers see.
    texts = [re.sub(r"%\((\w+)\)s", r"\1", text) for text in _selko_messages().values()]
    report = lint_strings("fi-selko/messages.po", texts)
    assert report.problems == []


def test_home_page_text_has_an_easy_finnish_version() -> None:
    """Every home-page string the Finnish catalogue words for adults gets a selko rewrite."""
    home_ids = {
        " ".join(text.split())
        for text in re.findall(
            r"\{% trans %\}(.*?)\{% endtrans %\}", HOME_TEMPLATE.read_text(), re.S
        )
    }
    with (TRANSLATIONS / "fi" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        finnish = {str(m.id): str(m.string) for m in read_po(handle, locale="fi") if m.id}
    overrides = _selko_messages()
    hard = {
        msgid
        for msgid in home_ids
        if msgid not in overrides and lint_strings(msgid, [finnish[msgid]]).problems
    }
    assert hard == set(), "home-page strings that fail the selko lint in plain Finnish"
    assert home_ids & set(overrides), "the home page uses no easy-Finnish string"


def test_easy_finnish_version_reads_its_overrides_and_falls_back_to_finnish() -> None:
    i18n.load_catalogues()
    try:
        i18n.set_current_version("fi-selko")
        assert (
            i18n.translate("Find the support that helps you towards work and everyday life")
            == (_selko_messages()["Find the support that helps you towards work and everyday life"])
        )
        assert i18n.translate("Who are you?") == "Kuka olet?"  # not overridden: Finnish
        i18n.set_current_version("fi")
        assert i18n.translate("Find the support that helps you towards work and everyday life") == (
            "Löydä tuki, joka auttaa kohti työtä ja arkea"
        )
    finally:
        i18n.set_current_version(i18n.DEFAULT_VERSION)
