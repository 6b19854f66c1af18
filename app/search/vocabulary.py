"""What one index generation knows for reading queries, saved with the generation.

Reading it from the index walks the whole `text` lexicon and every place document (0.14 s
at 10 000 providers). Every worker needed it again for each new generation, an edit a
second under steady editing, so whoever writes a generation also writes it beside the
index (`write_snapshot`, checked by the generation's manifest) and workers load it
(`QueryVocabulary.for_generation`, a few milliseconds), falling back to reading the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from whoosh.searching import Searcher

from app.search.derived_files import DERIVED_FILE_PREFIX, read_derived_file, write_derived_file
from app.search.finnish import fold_accents
from app.search.places import PlaceLexicon

SNAPSHOT_FILE = f"{DERIVED_FILE_PREFIX}query-vocabulary.pickle"
# Raise when QueryVocabulary or PlaceLexicon change shape: older snapshots are then ignored.
SNAPSHOT_FORMAT = 2  # 2: with the ids of the segments read


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
        return cls(
            places if places is not None else PlaceLexicon.from_searcher(searcher),
            _folded(searcher.reader().lexicon("text")),
        )

    def with_words(self, terms: Iterable[bytes | str]) -> QueryVocabulary:
        """This vocabulary with more of the text field's terms."""
        added = _folded(terms)
        folded = dict(self.folded)
        for plain, words in added.items():
            folded[plain] = tuple(sorted({*folded.get(plain, ()), *words}))
        return QueryVocabulary(self.places, folded)

    @classmethod
    def for_generation(cls, searcher: Searcher, directory: Path) -> QueryVocabulary:
        """The generation's saved vocabulary when it has a usable one, else read anew."""
        return _load(directory) or cls.from_searcher(searcher)


def _folded(terms: Iterable[bytes | str]) -> dict[str, tuple[str, ...]]:
    """The terms with ä, ö or å, by their spelling without them."""
    folded: dict[str, list[str]] = {}
    for term in terms:
        word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
        plain = fold_accents(word)
        if plain != word:
            folded.setdefault(plain, []).append(word)
    return {plain: tuple(words) for plain, words in folded.items()}


def _load(directory: Path) -> QueryVocabulary | None:
    saved = _load_saved(directory)
    return saved[1] if saved is not None else None


def _load_saved(directory: Path) -> tuple[frozenset[str], QueryVocabulary] | None:
    """The saved vocabulary and the ids of the index segments it was read from."""
    saved = read_derived_file(directory / SNAPSHOT_FILE, SNAPSHOT_FORMAT, 2)
    if saved is None or not isinstance(saved[1], QueryVocabulary):
        return None
    segments, vocabulary = saved
    return frozenset(segments), vocabulary


def write_snapshot(
    searcher: Searcher, generation_dir: Path, previous_dir: Path | None = None
) -> None:
    """Save the vocabulary of a generation being built (before its manifest).

    Given the generation it was updated from, the saved vocabulary is taken over and only
    the terms of the index segments the update wrote are added: walking the whole lexicon
    across segments took the keeper 0.2 s per update at 10 000 providers. An update
    replaces provider documents only, so the place names stay as they were. Terms of
    replaced documents may stay listed, as they do in Whoosh's own lexicon until segments
    merge: they only make a query look for a word no document has.
    """
    previous = _load_saved(previous_dir) if previous_dir is not None else None
    leaves = [leaf for leaf, _first in searcher.reader().leaf_readers()]
    segments = frozenset(leaf.segment().segment_id() for leaf in leaves)
    if previous is None or not previous[0] & segments:
        vocabulary = QueryVocabulary.from_searcher(searcher)
    else:
        new_terms = chain.from_iterable(
            leaf.lexicon("text") for leaf in leaves
            if leaf.segment().segment_id() not in previous[0]
        )  # fmt: skip
        vocabulary = previous[1].with_words(new_terms)
    path = generation_dir / SNAPSHOT_FILE
    write_derived_file(path, SNAPSHOT_FORMAT, sorted(segments), vocabulary)
