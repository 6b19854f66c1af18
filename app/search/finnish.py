"""Finnish morphology for search: Voikko lemmas and compound parts as a Whoosh filter.

"kierrätyksessä" → kierrätys; "puutöitä" → puutyö, puu, työ; "Jyväskylässä" → jyväskylä.
Without Voikko (library or dictionary missing) the Snowball Finnish stemmer is used and a
warning is logged once: it misses many forms, so production images install Voikko.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.analysis.analyzers import Analyzer

logger = logging.getLogger(__name__)

MIN_COMPOUND_PART = 3  # shorter parts ("ys", "ja") are suffixes, not words
PROPER_NOUN_CLASSES = {"paikannimi", "etunimi", "sukunimi", "nimi"}
_WORD_BASE = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")
_voikko_lock = threading.Lock()  # libvoikko handles are not thread-safe


@lru_cache(maxsize=1)
def _voikko() -> Any | None:
    try:
        import libvoikko

        return libvoikko.Voikko("fi")
    except Exception as error:  # OSError from ctypes, or the dictionary is missing
        logger.warning("Voikko unavailable (%s): falling back to the Snowball stemmer", error)
        return None


def voikko_available() -> bool:
    """True when the Voikko library and its Finnish dictionary load."""
    return _voikko() is not None


def _compound_parts(word_bases: str) -> list[str]:
    """Parts of a compound from Voikko's WORDBASES, derivational suffixes merged back."""
    parts: list[str] = []
    surfaces: list[str] = []
    for surface, base in _WORD_BASE.findall(word_bases):
        if (base.startswith("+") or not base) and surfaces:
            # a suffix such as +ys, or a bare linking piece such as the n of "toiminta",
            # joins the part before it
            surfaces[-1] += surface
            parts[-1] = surfaces[-1]
        else:
            surfaces.append(surface)
            parts.append(base.replace("=", "") or surface)
    return [part.lower() for part in parts if len(part) >= MIN_COMPOUND_PART]


@lru_cache(maxsize=200_000)
def word_forms(word: str, *, with_parts: bool = True) -> tuple[str, ...]:
    """Lemmas (and compound parts) of one lower-case word; the word itself when unknown.

    The index stores compound parts so that "puu" finds "puutyö"; a query uses lemmas only,
    so that "puutöitä" does not find everything with "työ" in it.
    """
    voikko = _voikko()
    if voikko is None:
        return (word,)
    with _voikko_lock:
        analyses = voikko.analyze(word)
    if not analyses:
        return (word,)
    forms: list[str] = []
    is_name = any(a.get("CLASS") in PROPER_NOUN_CLASSES for a in analyses)
    for analysis in analyses:
        base = str(analysis.get("BASEFORM", word)).lower()
        if base not in forms:
            forms.append(base)
        if with_parts and not is_name and "WORDBASES" in analysis:
            parts = _compound_parts(str(analysis["WORDBASES"]))
            if len(parts) > 1:
                forms.extend(part for part in parts if part not in forms)
    return tuple(forms)


class VoikkoFilter(Filter):  # type: ignore[misc]  # whoosh has no type information
    """Replaces each token with its lemmas and compound parts, at the same position."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            for form in word_forms(token.text):
                token.text = form
                yield token


def finnish_analyzer() -> Analyzer:
    """The analyzer for Finnish text fields: Voikko when present, else Snowball Finnish."""
    tokenizer = RegexTokenizer(r"\w+(?:[-']\w+)*") | LowercaseFilter()
    if voikko_available():
        return tokenizer | VoikkoFilter()
    return tokenizer | StemFilter(lang="fi")


@lru_cache(maxsize=50_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a compound query word, lower case, without its whole lemma.

    "siivoustöitä" → siivous, työ. Names are not split ("Jyväskylä" is not "jyväs" + "kylä").
    Empty for a word that is not a compound or when Voikko is missing.
    """
    voikko = _voikko()
    if voikko is None:
        return ()
    lowered = word.lower()
    with _voikko_lock:
        analyses = voikko.analyze(lowered)
    if any(a.get("CLASS") in PROPER_NOUN_CLASSES for a in analyses):
        return ()
    lemmas = {str(a.get("BASEFORM", lowered)).lower() for a in analyses}
    parts: list[str] = []
    for analysis in analyses:
        split = _compound_parts(str(analysis.get("WORDBASES", "")))
        if len(split) > 1:
            parts.extend(part for part in split if part not in parts and part not in lemmas)
    return tuple(parts)


_FOLDED = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A"})


def fold_accents(text: str) -> str:
    """The text with ä, ö and å written as a, o and a, as typed on a foreign keyboard."""
    return text.translate(_FOLDED)


# Case endings as typed without ä/ö (-ssä → -ssa), longest first: Voikko cannot read
# "jyvaskylassa", so a word it does not know is also tried without one of these.
UNACCENTED_CASE_ENDINGS = (
    "seen", "ssa", "sta", "lla", "lta", "lle", "aan", "ksi", "ineen",
    "an", "na", "ta", "en", "n", "a",
)  # fmt: skip
MIN_STEM = 3


def unaccented_stems(word: str) -> tuple[str, ...]:
    """The word and the word less a case ending, for a word typed without ä, ö, å:
    "tyotoimintaan" → tyotoimintaan, tyotoiminta, tyotoimint, …; empty if it has them."""
    if fold_accents(word) != word:
        return ()
    stems = [word]
    for ending in UNACCENTED_CASE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            stem = word[: -len(ending)]
            if stem not in stems:
                stems.append(stem)
    return tuple(stems)


_ACCENTED = {"a": "ä", "o": "ö"}
MAX_ACCENT_TRIES = 64  # spellings asked of Voikko per word, at most
MAX_ACCENT_POSITIONS = 12  # a longer run of a/o letters is not a word typed in a hurry


@lru_cache(maxsize=20_000)
def restored_accents(word: str) -> tuple[str, ...]:
    """Spellings of a word typed without ä and ö that Voikko reads once they are put
    back: "tyotoiminnassa" → työtoiminnassa, "paihdekuntoutujat" → päihdekuntoutujat.

    Spellings with the fewest a→ä, o→ö changes are tried first; the first number of changes
    that gives words Voikko knows gives the spellings. Empty when the word has ä/ö/å,
    Voikko reads it as typed or is missing, or nothing is found within `MAX_ACCENT_TRIES`.
    """
    voikko = _voikko()
    lowered = word.lower()
    if voikko is None or fold_accents(lowered) != lowered:
        return ()
    positions = [index for index, char in enumerate(lowered) if char in _ACCENTED]
    if not positions or len(positions) > MAX_ACCENT_POSITIONS:
        return ()
    with _voikko_lock:
        if voikko.analyze(lowered):
            return ()
    tries = 0
    for changes in range(1, len(positions) + 1):
        spellings: list[str] = []
        for chosen in itertools.combinations(positions, changes):
            tries += 1
            if tries > MAX_ACCENT_TRIES:
                return tuple(spellings)
            letters = list(lowered)
            for index in chosen:
                letters[index] = _ACCENTED[letters[index]]
            spelling = "".join(letters)
            with _voikko_lock:
                if voikko.analyze(spelling):
                    spellings.append(spelling)
        if spellings:
            return tuple(spellings)
    return ()


MAX_SPELLINGS = 5


@lru_cache(maxsize=20_000)
def spelling_suggestions(word: str) -> tuple[str, ...]:
    """Voikko's corrections of a misspelt word, inflection kept, best first: "kierätystä" →
    kierrätystä, "Kouvla" → Kouvala, Kouvola. Empty without Voikko."""
    voikko = _voikko()
    if voikko is None:
        return ()
    with _voikko_lock:
        return tuple(voikko.suggest(word)[:MAX_SPELLINGS])


def analyse_query_word(word: str) -> tuple[str, ...]:
    """The forms a query word is searched by (same analysis as the index)."""
    lowered = word.lower()
    if voikko_available():
        return word_forms(lowered, with_parts=False)
    stem = StemFilter(lang="fi").stemmer
    return (stem(lowered),)
