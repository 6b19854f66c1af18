"""Languages and reading versions: URL prefixes, gettext catalogues, locale per request.

The site has three UI languages (fi, sv, en) and four reading versions of content: the
three languages plus easy Finnish (`fi-selko`), which uses the Finnish UI. Finnish lives at
the root; the others under a prefix, with the first path segment translated so that a
Swedish reader sees Swedish addresses (`/sv/tjanster/...`).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Literal

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

KNOWN_LOCALES = ("fi", "sv", "en")
Version = Literal["fi", "fi-selko", "sv", "en"]
VERSIONS: tuple[Version, ...] = ("fi", "fi-selko", "sv", "en")
DEFAULT_VERSION: Version = "fi"

VERSION_PREFIX: dict[str, str] = {"fi": "", "fi-selko": "/selko", "sv": "/sv", "en": "/en"}
VERSION_LOCALE: dict[str, str] = {"fi": "fi", "fi-selko": "fi", "sv": "sv", "en": "en"}
VERSION_LABEL: dict[str, str] = {
    "fi": "Suomi",
    "fi-selko": "Selkosuomi",
    "sv": "Svenska",
    "en": "English",
}
# First path segments per language; Finnish is canonical and what the routes declare.
SEGMENT_TRANSLATIONS: dict[str, dict[str, str]] = {
    "palvelut": {"sv": "tjanster", "en": "services"},
    "alueet": {"sv": "omraden", "en": "regions"},
    "saavutettavuus": {"sv": "tillganglighet", "en": "accessibility"},
    "palveluntuottajat": {"sv": "tjansteproducenter", "en": "providers"},
    "polku": {"sv": "vagen", "en": "pathway"},
}
# Paths that are the same in every language and never carry a prefix.
UNPREFIXED_ROOTS = ("api", "static", "healthz", "openapi.json", "hsds", "metrics")

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
# Reading versions with their own partial catalogue of UI strings, read before the
# catalogue of their language: easy Finnish rewrites the Finnish strings that are too hard
# for its readers (home page, header, footer) and falls back to Finnish for the rest.
OVERRIDE_CATALOGUES: dict[str, str] = {"fi-selko": "fi-selko"}

_current_version: ContextVar[str] = ContextVar("polku_version", default=DEFAULT_VERSION)
_catalogues: dict[str, gettext.NullTranslations] = {}


def _compile(po_path: Path, locale: str) -> gettext.NullTranslations:
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_catalogues(directory: Path = TRANSLATIONS_DIR) -> None:
    """Compile every `messages.po` in memory, so no `.mo` files are kept in the repository."""
    for locale in KNOWN_LOCALES:
        _catalogues[locale] = _compile(directory / locale / "LC_MESSAGES" / "messages.po", locale)
    for version, folder in OVERRIDE_CATALOGUES.items():
        locale = VERSION_LOCALE[version]
        override = _compile(directory / folder / "LC_MESSAGES" / "messages.po", locale)
        override.add_fallback(_catalogues[locale])
        _catalogues[version] = override


def set_current_version(version: str) -> None:
    """Remember the reading version of the request being served."""
    _current_version.set(version)


@contextmanager
def reading_version(version: str) -> Iterator[None]:
    """Texts in `version` inside the block (an API answer in the language it asks for)."""
    token = _current_version.set(version)
    try:
        yield
    finally:
        _current_version.reset(token)


def current_version() -> str:
    """The reading version of the request being served."""
    return _current_version.get()


def current_locale() -> str:
    """The UI language of the request being served."""
    return VERSION_LOCALE[_current_version.get()]


def _current_catalogue() -> gettext.NullTranslations | None:
    return _catalogues.get(_current_version.get()) or _catalogues.get(current_locale())


def translate(message: str) -> str:
    """gettext for the current request's reading version (its override, then its language)."""
    catalogue = _current_catalogue()
    return catalogue.gettext(message) if catalogue else message


def translate_plural(singular: str, plural: str, count: int) -> str:
    """ngettext for the current request's reading version (its override, then its language)."""
    catalogue = _current_catalogue()
    if catalogue is None:
        return singular if count == 1 else plural
    return catalogue.ngettext(singular, plural, count)


def split_version(path: str) -> tuple[str, str]:
    """Map a public path to (reading version, canonical Finnish path)."""
    for version in ("fi-selko", "sv", "en"):
        prefix = VERSION_PREFIX[version]
        if path == prefix or path.startswith(prefix + "/"):
            rest = path[len(prefix) :] or "/"
            return version, _translate_first_segment(rest, version, to_finnish=True)
    return DEFAULT_VERSION, path


def localized_path(canonical_path: str, version: str) -> str:
    """Map a canonical Finnish path to its address in the given reading version."""
    first = canonical_path.strip("/").split("/", 1)[0]
    if first in UNPREFIXED_ROOTS:
        return canonical_path
    translated = _translate_first_segment(canonical_path, version, to_finnish=False)
    prefix = VERSION_PREFIX[version]
    if translated == "/" and prefix:
        return prefix
    return prefix + translated


def _translate_first_segment(path: str, version: str, *, to_finnish: bool) -> str:
    locale = VERSION_LOCALE[version]
    if locale == "fi":
        return path
    parts = path.split("/", 2)  # "", first, rest
    if len(parts) < 2 or not parts[1]:
        return path
    if to_finnish:
        for finnish, translations in SEGMENT_TRANSLATIONS.items():
            if translations.get(locale) == parts[1]:
                parts[1] = finnish
                break
    elif parts[1] in SEGMENT_TRANSLATIONS:
        parts[1] = SEGMENT_TRANSLATIONS[parts[1]][locale]
    return "/".join(parts)


def html_lang(version: str) -> str:
    """The value of `<html lang>` for a reading version (easy Finnish is Finnish)."""
    return VERSION_LOCALE[version]
