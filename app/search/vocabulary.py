"""What one index generation knows for reading queries, saved with the generation.

Reading it from the index walks the whole `text` lexicon and every place document (0.14 s
at 10 000 providers). Every worker needed it again for each new generation, an edit a
second under steady editing, so whoever writes a generation also writes it beside the
index (`write_snapshot`, checked by the generation's manifest) and workers load it
(`QueryVocabulary.for_generation`, a few milliseconds), falling back to reading the index.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from app.search.finnish import fold_accents
from app.search.places import PlaceLexicon
from app.search.store import DERIVED_FILE_PREFIX

logger = logging.getLogger(__name__)

SNAPSHOT_FILE = f"{DERIVED_FILE_PREFIX}query-vocabulary.pickle"
# Raise when QueryVocabulary or PlaceLexicon change shape: older snapshots are then ignored.
SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class QueryVocabulary:
    """What one index generation knows for reading queries: place names, and its Finnish
    words by their spelling without ä, ö, å."""

    places: PlaceLexicon
    folded: dict[str, tuple[str, ...]]  # "tyotoiminta" → ("työtoiminta",)

    @classmethod
    def from_searcher(
        cls, searcher: Searcher, places: PlaceLexicon | None = None
    ) -> QueryVocabulary:
        """Read the text field's terms and, unless given, the place documents."""
        folded: dict[str, list[str]] = {}
        for term in searcher.reader().lexicon("text"):
            word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            plain = fold_accents(word)
            if plain != word:
                folded.setdefault(plain, []).append(word)
        return cls(
            places if places is not None else PlaceLexicon.from_searcher(searcher),
            {plain: tuple(words) for plain, words in folded.items()},
        )

    @classmethod
    def for_generation(cls, searcher: Searcher, directory: Path) -> QueryVocabulary:
        """The generation's saved vocabulary when it has a usable one, else read anew."""
        return _load(directory) or cls.from_searcher(searcher)


def _load(directory: Path) -> QueryVocabulary | None:
    try:
        with (directory / SNAPSHOT_FILE).open("rb") as handle:
            # the generation's own file, written by this code and checked by its manifest
            snapshot_format, vocabulary = pickle.load(handle)  # noqa: S301
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError) as error:
        logger.warning("query vocabulary in %s unreadable (%s)", directory, error)
        return None
    if snapshot_format != SNAPSHOT_FORMAT or not isinstance(vocabulary, QueryVocabulary):
        return None
    return vocabulary


def write_snapshot(generation_dir: Path, previous_dir: Path | None = None) -> None:
    """Save the vocabulary of a generation being built (before its manifest).

    An update replaces provider documents only, so the place names are taken over from
    the generation it was updated from, when that one saved them.
    """
    previous = _load(previous_dir) if previous_dir is not None else None
    with whoosh_index.open_dir(str(generation_dir)).searcher() as searcher:
        places = previous.places if previous is not None else None
        vocabulary = QueryVocabulary.from_searcher(searcher, places)
    with (generation_dir / SNAPSHOT_FILE).open("wb") as handle:
        pickle.dump((SNAPSHOT_FORMAT, vocabulary), handle, protocol=pickle.HIGHEST_PROTOCOL)
