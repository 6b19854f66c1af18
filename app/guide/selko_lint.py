"""Easy-language (selkosuomi) lint: sentence and word length figures for a page.

Selkokeskus guidance asks for short sentences with one idea each and common words.
The limits below are the project's measurable proxy for that guidance.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

MAX_AVERAGE_SENTENCE_WORDS = 10.0
MAX_SENTENCE_WORDS = 15
MAX_WORD_LETTERS = 20  # longer words must be split with a hyphen
MAX_PARENTHESES_PER_100_WORDS = 1.0

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_ATTR_LIST = re.compile(r"\{:?\s*[#.][^}]*\}")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`>#|]")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_WORD = re.compile(r"[\w§€%-]*\w[\w§€%-]*")


@dataclass
class SelkoReport:
    """Figures for one page and the limits it breaks."""

    name: str
    sentences: int = 0
    words: int = 0
    longest_sentence: str = ""
    longest_sentence_words: int = 0
    long_words: list[str] = field(default_factory=list)
    parentheses: int = 0

    @property
    def average_sentence_words(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

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
        return found


def text_units(markdown_text: str) -> list[str]:
    """Split a Markdown body into lines of plain text (headings, list items, paragraphs)."""
    body = _FRONT_MATTER.sub("", markdown_text)
    units: list[str] = []
    paragraph: list[str] = []
    for raw_line in [*body.splitlines(), ""]:
        line = raw_line.strip()
        is_block_start = line.startswith(("#", "-", "*", "|")) or re.match(r"\d+\.\s", line)
        if (not line or is_block_start) and paragraph:
            units.append(" ".join(paragraph))
            paragraph = []
        if not line or line.startswith("|"):
            continue  # tables are checked by eye, not by sentence length
        cleaned = _MARKUP.sub("", _LINK.sub(r"\1", _ATTR_LIST.sub("", line)))
        cleaned = re.sub(r"^\s*(-|\d+\.)\s+", "", cleaned).strip()
        if is_block_start:
            units.append(cleaned)
        else:
            paragraph.append(cleaned)
    return [unit for unit in units if unit]


def lint_selko(name: str, markdown_text: str) -> SelkoReport:
    """Measure one easy-language page."""
    report = SelkoReport(name=name)
    for unit in text_units(markdown_text):
        report.parentheses += unit.count("(")
        for sentence in _SENTENCE_END.split(unit):
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
    return report


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
