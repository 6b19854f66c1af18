"""Place words in a query: "Jyväskylässä", "Keski-Suomen", "Vasa" name a place to filter by.

The names come from the index's place documents (one per region and municipality), so the
words understood always match the index being searched. Each name is known by its lemma
(Voikko: "Jyväskylässä" → jyväskylä, "Keski-Suomen" → keski-suomi), its Finnish, Swedish
and (regions) English forms, and its form without ä, ö, å ("Jyvaskyla"). A region is named
in the data as "Keski-Suomen hyvinvointialue"; its short name ("Keski-Suomi", "Mellersta
Finland", "Central Finland") is what people type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from whoosh.searching import Searcher

from app.search.finnish import analyse_query_word, fold_accents, unaccented_stems
from app.search.hits import PlaceEntry

PlaceKind = Literal["municipality", "region"]
MAX_PLACE_WORDS = 3  # "Vantaa och Kervo", "Mellersta Finland": names of up to three words
# What the data's region names end in, per language; the rest is the region's short name.
REGION_NAME_ENDINGS = (" hyvinvointialue", " välfärdsområde", " wellbeing services county")


@dataclass(frozen=True)
class Place:
    """A municipality or region a query names; `region` is the region it lies in."""

    kind: PlaceKind
    code: str
    region: str


@dataclass(frozen=True)
class UnderstoodQuery:
    """A query's words, each with the place it names (None for a word that searches text)."""

    parts: tuple[tuple[str, Place | None], ...] = ()

    @property
    def places(self) -> tuple[Place, ...]:
        """The places named, in query order, each once."""
        return tuple(dict.fromkeys(place for _word, place in self.parts if place))

    @property
    def words(self) -> tuple[str, ...]:
        """The words that search the text."""
        return tuple(word for word, place in self.parts if place is None)

    @property
    def place_words(self) -> tuple[str, ...]:
        """The words that name places."""
        return tuple(word for word, place in self.parts if place is not None)

    @property
    def text(self) -> str:
        """The words that search the text, as one string."""
        return " ".join(self.words)

    def text_without(self, place: Place) -> str:
        """The query as typed less the words naming `place` (to remove that filter)."""
        return " ".join(word for word, named in self.parts if named != place)

    def text_without_municipalities(self) -> str:
        """The query as typed less the words naming municipalities (regions stay)."""
        return " ".join(
            word for word, named in self.parts if named is None or named.kind != "municipality"
        )

    def place_text(self) -> str:
        """Only the words naming places (the places' providers without the other words)."""
        return " ".join(self.place_words)


def short_names(entry: PlaceEntry) -> list[str]:
    """The names people type for a place: a region without "hyvinvointialue" and the like."""
    names = list(entry.names)
    if entry.kind == "region":
        for name in entry.names:
            for ending in REGION_NAME_ENDINGS:
                if name.endswith(ending):
                    short = name.removesuffix(ending)
                    names.append(short)
                    if ending == " välfärdsområde" and short.endswith("s"):
                        names.append(short[:-1])  # Swedish genitive: "Mellersta Finlands"
    return names


def _keys(name: str) -> set[str]:
    lowered = name.lower()
    keys = {lowered}
    if " " not in lowered:
        keys.update(analyse_query_word(lowered))  # "keski-suomen" → keski-suomi
    return keys | {fold_accents(key) for key in keys}


class PlaceLexicon:
    """Every place name of one index generation, by the forms a query word may take."""

    def __init__(self, entries: Iterable[PlaceEntry]) -> None:
        self._places: dict[str, Place] = {}
        self._municipalities: dict[str, Place] = {}
        # Regions first, so that a municipality's name wins where both have it.
        for entry in sorted(entries, key=lambda entry: entry.kind != "region"):
            kind: PlaceKind = "region" if entry.kind == "region" else "municipality"
            place = Place(kind, entry.code, entry.region)
            if kind == "municipality":
                self._municipalities[entry.code] = place
            for name in short_names(entry):
                for key in _keys(name):
                    self._places[key] = place

    @classmethod
    def from_searcher(cls, searcher: Searcher) -> PlaceLexicon:
        """The place names in the index's place documents."""
        entries = (
            PlaceEntry.from_stored(fields)
            for kind in ("region", "municipality")
            for fields in searcher.documents(kind=kind)
        )
        return cls(entry for entry in entries if entry is not None)

    def municipality(self, code: str) -> Place | None:
        """The municipality with this code, if the index knows it."""
        return self._municipalities.get(code)

    def place_of(self, phrase: str, *, analyse: bool = True) -> Place | None:
        """The place one word or phrase names (any case form), if any; `analyse=False`
        looks up the phrase as written, without asking Voikko for its lemma."""
        lowered = phrase.lower()
        candidates = [lowered, fold_accents(lowered)]
        if analyse and " " not in lowered:
            candidates += analyse_query_word(lowered)
        if lowered.endswith("s"):
            candidates.append(lowered[:-1])  # Swedish genitive: "Vasas", "Åbos"
        unknown = analyse and " " not in lowered and analyse_query_word(lowered) == (lowered,)
        if unknown and not any(candidate in self._places for candidate in candidates):
            candidates += unaccented_stems(lowered)  # "Jyvaskylassa": Voikko cannot read it
        for candidate in candidates:
            if candidate in self._places:
                return self._places[candidate]
        return None

    def understand(self, words: list[str]) -> UnderstoodQuery:
        """Take the place words (longest names first) out of the query's words."""
        parts: list[tuple[str, Place | None]] = []
        index = 0
        while index < len(words):
            for length in range(min(MAX_PLACE_WORDS, len(words) - index), 0, -1):
                span = words[index : index + length]
                place = None
                if length > 1:  # "Keski-Suomi" (split into words by the query), "Mellersta Finland"
                    # Voikko reads only two-word hyphen joins ("keski-suomen"): longer spans
                    # are looked up as written, so a query costs few analyses beyond its words.
                    place = self.place_of("-".join(span), analyse=length == 2)
                    place = place or self.place_of(" ".join(span), analyse=False)
                else:
                    place = self.place_of(span[0])
                if place is not None:
                    parts.extend((word, place) for word in span)
                    index += length
                    break
            else:
                parts.append((words[index], None))
                index += 1
        return UnderstoodQuery(tuple(parts))
