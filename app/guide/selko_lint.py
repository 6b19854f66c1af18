"""Easy-language (selkosuomi) lint: measurable checks for easy-Finnish texts.

Selkokeskus guidance asks for short sentences with one idea each, common words, active
verbs with a clear doer, and texts that speak to the reader the same way throughout. The
checks below are the project's measurable proxy for that guidance:

- sentence length (average and longest) and word length,
- parentheses,
- agentless passives ("Sinulle tehdään suunnitelma." – who does it?), including the
  passive conditional ("yhdistettäisiin") and the passive perfect ("on tarkistettu"),
- third person about the reader ("hän", "aikuiselle, jolla ...") in a text that
  speaks to "sinä"; example stories about other people are exempt,
- hyphens: a compound is split only when it is longer than MAX_WORD_LETTERS, and the same
  compound is written the same way everywhere.

`lint_selko()` checks one Markdown page including its front matter (summary, reform
notice) and tables; `lint_strings()` checks any list of strings, e.g. questionnaire texts.
Both fill `{{fact:KEY}}` placeholders with their easy-Finnish values first.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.guide.facts import render_facts

MAX_AVERAGE_SENTENCE_WORDS = 10.0
MAX_SENTENCE_WORDS = 15
MAX_WORD_LETTERS = 20  # longer words must be split with a hyphen
MAX_PARENTHESES_PER_100_WORDS = 1.0

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_ATTR_LIST = re.compile(r"\{:?\s*[#.][^}]*\}")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`>#|]")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_WORD = re.compile(r"[\w§€%-]*\w[\w§€%-]*")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
# A paragraph that starts an example story ("**Esimerkki**", "> **Esimerkki:** ...").
_EXAMPLE_START = re.compile(r"^(?:>\s*)?\*\*Esimerkki\b", re.I)

# Finnish passive forms: present (tehdään, kirjoitetaan, mennään, tullaan), past
# (tehtiin, maksettiin), conditional (yhdistettäisiin, mentäisiin) and the perfect with
# "on/ei ole" (on tarkistettu, on tehty).
_PASSIVE_WORD = re.compile(
    r"\b\w*(?:[aeiouyäöh][td](?:aan|ään)|(?:nn|ll|rr)(?:aan|ään)|[aeiouyäöhls]t?tiin|"
    r"t?t(?:aisiin|äisiin)|d(?:aisiin|äisiin))\b|\bmentiin\b",
    re.I,
)
_PASSIVE_PERFECT = re.compile(r"\b(?:on|ei ole|oli|ei ollut)\s+\w+(?:ttu|tty|hty|htu)\b", re.I)
# Words that look like passives but are not verbs.
NOT_PASSIVE = frozenset(
    {
        "vaan", "mitään", "itään", "kotiin", "tahtiin", "kuntiin", "lehtiin", "sataan",
        "maahan", "aikaan", "puhtaan", "valtaan", "kaltaan", "taitoon", "kerrallaan",
        "kokonaan", "ainakaan", "lainkaan", "ollenkaan", "vuorollaan", "ammattiin",
    }
)  # fmt: skip

_SECOND_PERSON = re.compile(
    r"\b(?:sinä|sinun|sinulle|sinua|sinulla|sinulta|sinusta|sinut|sinuun|olet|voit|saat)\b",
    re.I,
)
# "Palvelu on aikuiselle, jolla on kehitysvamma." describes the reader in the third person;
# a following "Hän tarvitsee ..." continues that description.
_THIRD_PERSON_READER = re.compile(
    r"\b(?:ihmise|henkilö|aikuise|asiakkaa|nuore)(?:lle|lla|lta), jo\w+", re.I
)
_THIRD_PERSON_PRONOUN = re.compile(r"^\W*(?:hän|he|hänellä|heillä|hänelle|heille)\b", re.I)
_HYPHENATED = re.compile(r"\b([a-zåäö]{2,})-([a-zåäö]{2,})\b")
_VOWELS = "aeiouyäö"


@dataclass
class Unit:
    """One line of plain text from a page: a heading, list item, paragraph or cell."""

    text: str
    in_example: bool = False
    is_heading: bool = False


@dataclass
class SelkoReport:
    """Figures for one text and the limits it breaks."""

    name: str
    sentences: int = 0
    words: int = 0
    longest_sentence: str = ""
    longest_sentence_words: int = 0
    long_words: list[str] = field(default_factory=list)
    parentheses: int = 0
    passives: list[str] = field(default_factory=list)
    third_person: list[str] = field(default_factory=list)
    needless_hyphens: list[str] = field(default_factory=list)
    hyphen_forms: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    plain_words: set[str] = field(default_factory=set)

    @property
    def average_sentence_words(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def inconsistent_hyphens(self) -> list[str]:
        return sorted(
            " / ".join(sorted(forms)) for forms in self.hyphen_forms.values() if len(forms) > 1
        )

    @property
    def problems(self) -> list[str]:
        found = []
        if self.average_sentence_words > MAX_AVERAGE_SENTENCE_WORDS:
            found.append(
                f"average sentence {self.average_sentence_words:.1f} words "
                f"> {MAX_AVERAGE_SENTENCE_WORDS}"
            )
        if self.longest_sentence_words > MAX_SENTENCE_WORDS:
            found.append(
                f"sentence of {self.longest_sentence_words} words > {MAX_SENTENCE_WORDS}: "
                f"{self.longest_sentence!r}"
            )
        if self.long_words:
            found.append(f"words over {MAX_WORD_LETTERS} letters: {', '.join(self.long_words)}")
        if self.words and self.parentheses * 100 / self.words > MAX_PARENTHESES_PER_100_WORDS:
            found.append(f"{self.parentheses} parentheses in {self.words} words")
        found += [f"agentless passive: {sentence!r}" for sentence in self.passives]
        found += [f"third person about the reader: {sentence!r}" for sentence in self.third_person]
        found += [f"needless hyphen: {word}" for word in self.needless_hyphens]
        found += [f"inconsistent hyphenation: {forms}" for forms in self.inconsistent_hyphens]
        return found


def _clean(line: str) -> str:
    cleaned = _MARKUP.sub("", _LINK.sub(r"\1", _ATTR_LIST.sub("", line)))
    return re.sub(r"^\s*(-|\d+\.)\s+", "", cleaned).strip()


def text_units(markdown_text: str) -> list[str]:
    """Split a Markdown body into lines of plain text (headings, list items, paragraphs)."""
    return [unit.text for unit in _units(markdown_text)]


def _units(markdown_text: str) -> list[Unit]:
    body = _FRONT_MATTER.sub("", markdown_text)
    units: list[Unit] = []
    paragraph: list[str] = []
    in_example = False
    paragraph_is_example = False

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            units.append(Unit(" ".join(paragraph), paragraph_is_example))
            paragraph = []

    for raw_line in [*body.splitlines(), ""]:
        line = raw_line.strip()
        if line.startswith("#"):
            in_example = False  # an example story ends at the next heading
        if _EXAMPLE_START.match(line):
            in_example = True
        is_block_start = line.startswith(("#", "-", "*", "|")) or re.match(r"\d+\.\s", line)
        if (not line or is_block_start) and paragraph:
            flush()
        if not line:
            continue
        is_quote = line.startswith(">")
        example = in_example or is_quote
        if line.startswith("|"):
            if not _TABLE_RULE.match(line):
                cells = [_clean(cell) for cell in line.strip("|").split("|")]
                units += [Unit(cell, example) for cell in cells if cell]
            continue
        cleaned = _clean(line)
        if is_block_start:
            units.append(Unit(cleaned, example, is_heading=line.startswith("#")))
        else:
            if not paragraph:
                paragraph_is_example = example
            paragraph.append(cleaned)
    return [unit for unit in units if unit.text]


def _front_matter_units(markdown_text: str) -> list[Unit]:
    match = _FRONT_MATTER.match(markdown_text)
    if not match:
        return []
    meta = yaml.safe_load(match.group(1)) or {}
    return [
        Unit(" ".join(str(meta[key]).split()))
        for key in ("title", "summary", "reform_notice")
        if meta.get(key)
    ]


def _passive_words(sentence: str) -> list[str]:
    words = [
        word
        for word in _PASSIVE_WORD.findall(sentence)
        if word.lower() not in NOT_PASSIVE and not word[:1].isupper()
    ]
    return words + _PASSIVE_PERFECT.findall(sentence)


def _measure(report: SelkoReport, units: list[Unit], speaks_to_reader: bool) -> SelkoReport:
    describing_reader = False  # the last sentence described the reader in the third person
    for unit in units:
        if unit.is_heading or unit.in_example:
            describing_reader = False
        report.parentheses += unit.text.count("(")
        for sentence in _SENTENCE_END.split(unit.text):
            words = _WORD.findall(sentence)
            if not words:
                continue
            report.sentences += 1
            report.words += len(words)
            if len(words) > report.longest_sentence_words:
                report.longest_sentence_words = len(words)
                report.longest_sentence = sentence
            for word in words:
                if "-" not in word and len(word) > MAX_WORD_LETTERS:
                    report.long_words.append(word)
            if _passive_words(sentence):
                report.passives.append(sentence)
            if speaks_to_reader and not unit.in_example:
                if _THIRD_PERSON_READER.search(sentence) or (
                    describing_reader and _THIRD_PERSON_PRONOUN.search(sentence)
                ):
                    report.third_person.append(sentence)
                    describing_reader = True
                elif _SECOND_PERSON.search(sentence):
                    describing_reader = False
        for first, second in _HYPHENATED.findall(unit.text):
            joined = (first + second).lower()
            report.hyphen_forms[joined].add(f"{first}-{second}".lower())
            vowel_collision = first[-1].lower() == second[0].lower() and first[-1] in _VOWELS
            if len(joined) <= MAX_WORD_LETTERS and not vowel_collision:
                report.needless_hyphens.append(f"{first}-{second}")
    # A compound written both with and without its hyphen: record the plain form too.
    report.plain_words = {word.lower() for unit in units for word in _WORD.findall(unit.text)}
    for joined, forms in report.hyphen_forms.items():
        if joined in report.plain_words:
            forms.add(joined)
    return report


def lint_selko(name: str, markdown_text: str) -> SelkoReport:
    """Measure one easy-language page: front matter, body and tables."""
    text = render_facts(markdown_text, "fi-selko")
    units = _front_matter_units(text) + _units(text)
    speaks_to_reader = any(_SECOND_PERSON.search(unit.text) for unit in units)
    return _measure(SelkoReport(name=name), units, speaks_to_reader)


def lint_strings(name: str, strings: Iterable[str], speaks_to_reader: bool = True) -> SelkoReport:
    """Measure a list of easy-Finnish strings (questionnaire questions, answers, notes).

    Each string may be Markdown; placeholders are filled with the easy-Finnish values.
    """
    units = [unit for string in strings for unit in _units(render_facts(string, "fi-selko"))]
    return _measure(SelkoReport(name=name), units, speaks_to_reader)


def inconsistent_hyphenation(reports: Iterable[SelkoReport]) -> list[str]:
    """Compounds written in more than one way across several texts."""
    reports = list(reports)
    forms: dict[str, set[str]] = defaultdict(set)
    for report in reports:
        for joined, seen in report.hyphen_forms.items():
            forms[joined] |= seen
    # A compound hyphenated in one text and written solid in another.
    for joined, seen in forms.items():
        if any(joined in report.plain_words for report in reports):
            seen.add(joined)
    return sorted(" / ".join(sorted(seen)) for seen in forms.values() if len(seen) > 1)


def main(paths: list[str]) -> int:
    """Print figures for each file; return 1 when any page breaks a limit."""
    failed = False
    for path in paths:
        report = lint_selko(path, Path(path).read_text(encoding="utf-8"))
        print(
            f"{path}: {report.sentences} sentences, "
            f"average {report.average_sentence_words:.1f} words, "
            f"longest {report.longest_sentence_words}, parentheses {report.parentheses}"
        )
        for problem in report.problems:
            failed = True
            print(f"  FAIL {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
