"""An update builds its generation from the previous one's files and derived snapshots.

Under steady edits a node writes a generation every few seconds: it links the segment files
it does not change, hashes only the files it writes, and carries the facet table's inputs and
the query vocabulary over instead of reading every document again. Whatever is carried over
must equal what reading everything gives.
"""

from __future__ import annotations

import datetime as dt
import gc
import pickle
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from app.search import derived_files, facet_table, store
from app.search.derived import write_derived_files
from app.search.documents import build_schema
from app.search.facet_table import KEYS_FILE, SNAPSHOT_FILE, FacetTable
from app.search.segments import layout_of
from app.search.store import build_index, update_index, verify_generation
from app.search.vocabulary import QueryVocabulary

SCHEMA = build_schema()
WORDS = ["työtoiminta", "kierrätys", "puutyö", "kahvila", "pajatoiminta", "ompelimo", "nuoret"]


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 – synthetic test data, not secrets


def provider(number: int, rng: random.Random) -> dict[str, Any]:
    """A synthetic provider document in the index's own shape."""
    free = rng.choice([None, True, False])
    given = dt.date(2026, 11, rng.randint(1, 30)) if free is not None else None
    return {
        "doc_id": f"provider:{number}",
        "kind": "provider",
        "provider_id": number,
        "text": f"Paja {number} " + " ".join(rng.sample(WORDS, 3)),
        "plain": f"Paja {number}",
        "name_sort": rng.choice(["a", "b", "c", "ä"]) + f"{number:05d}",
        "municipality_sort": rng.choice(["jyväskylä", "tampere", "~"]),
        "region": rng.choice(["06", "13"]),
        "municipality": rng.choice(["179", "837", ""]),
        "service": ",".join(rng.sample(["kuntouttava-tyotoiminta", "sosiaalinen-kuntoutus"], 1)),
        "activity": rng.choice(["", "keittio", "puu,keittio"]),
        "target_group": "",
        "language": "fi",
        "status": rng.choice(["current", "verify", "closed"]),
        "summary": {
            "free_places": free,
            "availability_date": given,
        },
    }


def places() -> Iterator[dict[str, Any]]:
    names = ["Keski-Suomi", "Mellersta Finland", "Central Finland"]
    yield {"doc_id": "region:13", "kind": "region", "code": "13", "region": "13",
           "text": " ".join(names), "plain": " ".join(names), "place_names": names}  # fmt: skip


def random_update(
    index_dir: Path, rng: random.Random, next_number: int, revision: int
) -> tuple[Path, int]:
    """One to five providers changed, sometimes one added and one deleted: the new generation
    and the next unused provider number."""
    changed = [provider(rng.randrange(next_number), rng) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        changed.append(provider(next_number, rng))
        next_number += 1
    gone = [f"provider:{rng.randrange(next_number)}"] if rng.random() < 0.3 else []
    generation = update_index(
        index_dir, upserts=[d for d in changed if d["doc_id"] not in gone], deletions=gone,
        revision=revision, schema_version="test", finish=write_derived_files,
    )  # fmt: skip
    return generation, next_number


def full_inputs(generation: Path) -> tuple[Any, ...]:
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        return facet_table._inputs_from(searcher)


def table_facts(table: FacetTable) -> tuple[Any, ...]:
    """What a table answers with, less how it numbers its (facet, value) pairs internally and
    pairs no document has any more (an updated table keeps their empty sets)."""
    pair_list = table._pair_list
    return (
        table.records, table.by_name, table.by_municipality, table.free_places_since,
        table.newest_free_places_date, table._open, table._municipality, table._region,
        {pair: docs for pair, docs in table._docs_with.items() if docs},
        table._docs_without,
        {d: tuple(pair_list[i] for i in ids) for d, ids in table._pairs.items()},
        [{pair_list[i] for i in ids if table._docs_with.get(pair_list[i])}
         for ids in table._facet_pair_ids],
    )  # fmt: skip


def saved_inputs(generation: Path) -> tuple[Any, ...]:
    # a file the app wrote into the test's own index folder
    _format, _documents, table = pickle.loads((generation / SNAPSHOT_FILE).read_bytes())  # noqa: S301
    assert isinstance(table, FacetTable)
    fresh = FacetTable(*full_inputs(generation))
    assert vars(table).keys() == vars(fresh).keys()
    for position, (saved, built) in enumerate(
        zip(table_facts(table), table_facts(fresh), strict=True)
    ):
        assert saved == built, f"part {position} differs from a table built anew"
    return (table.records, table.by_name, table.by_municipality, table.free_places_since,
            table.newest_free_places_date)  # fmt: skip


def test_a_chain_of_updates_carries_the_facet_inputs_over_exactly(tmp_path: Path) -> None:
    """Forty updates of one to five providers (changes, closures, deletions, new ones), with
    the segment merges Whoosh makes on the way: every generation's carried-over inputs equal
    a full read, and the carried-over path really ran (few documents read)."""
    rng = seeded(7)
    documents = [provider(number, rng) for number in range(300)]
    generation = build_index(tmp_path, SCHEMA, [*documents, *places()], finish=write_derived_files)
    assert saved_inputs(generation) == full_inputs(generation)
    read_counts: list[int] = []
    real_facts = facet_table._document_facts

    def counted(fields: dict[str, Any]) -> Any:
        read_counts[-1] += 1
        return real_facts(fields)

    next_number = 300
    merged = False
    in_memory: list[bool] = []
    real_updated_from = facet_table._Written.updated_from

    def noted(self: facet_table._Written, *args: Any) -> Any:
        found = real_updated_from(self, *args)
        in_memory.append(found is not None)
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(facet_table, "_document_facts", counted)
        patch.setattr(facet_table._Written, "updated_from", noted)
        for _round in range(40):
            read_counts.append(0)
            segments_before = len(list(generation.glob("*.seg")))
            generation, next_number = random_update(tmp_path, rng, next_number, _round)
            merged |= len(list(generation.glob("*.seg"))) <= segments_before
            read_counts.append(0)  # the check below reads everything: not counted
            assert saved_inputs(generation) == full_inputs(generation), f"round {_round}"
            verify_generation(generation)
    assert merged, "Whoosh merged segments at least once on the way"
    assert max(read_counts[::2]) < 100, "only documents in new segments were read"
    assert in_memory.count(True) > 25, "most updates changed the last table in memory"
    assert in_memory.count(False) > 0, "after a merge the saved facts were carried over"


def test_an_unusable_previous_snapshot_means_a_full_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a keeper started anew: it has not written the previous generation itself
    monkeypatch.setattr(facet_table, "_WRITTEN", facet_table._Written())
    rng = seeded(3)
    generation = build_index(
        tmp_path, SCHEMA, [provider(n, rng) for n in range(50)], finish=write_derived_files
    )
    (generation / KEYS_FILE).write_bytes(b"not a pickle")
    updated = update_index(
        tmp_path, upserts=[provider(1, rng)], deletions=["provider:2"], revision=1,
        schema_version="test", finish=write_derived_files,
    )  # fmt: skip
    assert saved_inputs(updated) == full_inputs(updated)


def test_an_update_links_unchanged_segments_and_leaves_the_old_generation_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = seeded(5)
    old = build_index(tmp_path, SCHEMA, [provider(n, rng) for n in range(200)])
    old_segments = {path.name: path.stat().st_ino for path in old.glob("*.seg")}
    hashed: list[str] = []
    real_digest = store._file_digest

    def digest(path: Path) -> str:
        hashed.append(path.name)
        return real_digest(path)

    monkeypatch.setattr(store, "_file_digest", digest)
    new = update_index(
        tmp_path, upserts=[provider(7, rng)], deletions=["provider:8"], revision=1,
        schema_version="test",
    )  # fmt: skip
    linked = {name for name, inode in old_segments.items() if (new / name).stat().st_ino == inode}
    assert linked == set(old_segments), "the old segment is linked, not copied"
    assert not set(hashed) & linked, "the manifest took the linked files' checksums over"
    with whoosh_index.open_dir(str(old)).searcher() as searcher:
        assert searcher.document(doc_id="provider:8") is not None, "the old generation is whole"
        assert searcher.doc_count() == 200
    with whoosh_index.open_dir(str(new)).searcher() as searcher:
        assert searcher.document(doc_id="provider:8") is None
        assert searcher.doc_count() == 199
    hashed.clear()
    checked = verify_generation(old)
    hashed.clear()
    verify_generation(new, checked)
    assert hashed and not set(hashed) & linked, "files checked before are not read again"


def test_a_damaged_file_is_found_even_where_checksums_were_carried_over(tmp_path: Path) -> None:
    rng = seeded(5)
    old = build_index(tmp_path, SCHEMA, [provider(n, rng) for n in range(100)])
    new = update_index(
        tmp_path, upserts=[provider(1, rng)], deletions=[], revision=1, schema_version="test"
    )
    segment = next(old.glob("*.seg"))
    with (new / segment.name).open("r+b") as handle:  # the same file in both generations
        handle.seek(100)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(store.IndexUnavailableError):
        verify_generation(new)


def test_the_query_vocabulary_is_saved_with_each_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full build reads the vocabulary; an update adds only its own segment's words to the
    saved one, and the result holds every word a full read finds."""
    rng = seeded(9)
    generation = build_index(
        tmp_path, SCHEMA, [*(provider(n, rng) for n in range(40)), *places()],
        finish=write_derived_files,
    )  # fmt: skip
    novel = {**provider(41, rng), "text": "Ääneseudun käsityöpaja"}

    def refuse(*_args: object, **_kwargs: object) -> QueryVocabulary:
        raise AssertionError("an update read the whole lexicon")

    with monkeypatch.context() as patch:
        patch.setattr(QueryVocabulary, "from_searcher", refuse)
        updated = update_index(
            tmp_path, upserts=[novel], deletions=["provider:3"], revision=1,
            schema_version="test", finish=write_derived_files,
        )  # fmt: skip
    saved = {}
    for directory in (generation, updated):
        with whoosh_index.open_dir(str(directory)).searcher() as searcher:
            read = QueryVocabulary.from_searcher(searcher)
            loaded = QueryVocabulary.for_generation(searcher, directory)
        # a replaced document's words may stay, as in Whoosh's own lexicon until merges
        assert all(set(words) <= set(loaded.folded[plain]) for plain, words in read.folded.items())
        assert loaded.places.place_of("keski-suomi") == read.places.place_of("keski-suomi")
        assert loaded.places.place_of("keski-suomi") is not None
        saved[directory] = {word for words in loaded.folded.values() for word in words}
    added = saved[updated] - saved[generation]
    assert added and all("ä" in word for word in added), "the update's words were added"


def test_a_worker_loads_the_saved_vocabulary_instead_of_reading_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = seeded(2)
    generation = build_index(
        tmp_path, SCHEMA, [provider(n, rng) for n in range(20)], finish=write_derived_files
    )

    def refuse(*_args: object, **_kwargs: object) -> QueryVocabulary:
        raise AssertionError("read from the index")

    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        monkeypatch.setattr(QueryVocabulary, "from_searcher", refuse)
        assert QueryVocabulary.for_generation(searcher, generation).folded
        table = FacetTable.for_generation(searcher, generation)
        assert len(table.records) == 20


def test_an_update_copies_where_the_file_system_cannot_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = seeded(4)
    old = build_index(tmp_path, SCHEMA, [provider(n, rng) for n in range(30)])

    def no_links(*_args: object) -> None:
        raise PermissionError("hard links not supported here")

    monkeypatch.setattr("app.search.store.os.link", no_links)
    new = update_index(
        tmp_path, upserts=[provider(1, rng)], deletions=[], revision=1, schema_version="test"
    )
    for segment in old.glob("*.seg"):
        assert (new / segment.name).stat().st_ino != segment.stat().st_ino
    verify_generation(new)
    with whoosh_index.open_dir(str(new)).searcher() as searcher:
        assert searcher.doc_count() == 30


def test_reading_a_derived_file_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.pickle", tmp_path / "bad.pickle"
    derived_files.write_derived_file(good, 1, {"a": (1, 2)})
    bad.write_bytes(b"not a pickle")
    assert derived_files.read_derived_file(good, 1, 1) == ({"a": (1, 2)},)
    assert gc.isenabled()
    assert derived_files.read_derived_file(bad, 1, 1) is None
    assert gc.isenabled(), "re-enabled after an unreadable file too"
    assert derived_files.read_derived_file(good, 2, 1) is None, "another format is not used"
    gc.disable()
    try:
        derived_files.read_derived_file(good, 1, 1)
        assert not gc.isenabled(), "a caller's choice is kept"
    finally:
        gc.enable()


def test_a_worker_updates_its_table_in_memory_exactly(tmp_path: Path) -> None:
    """Forty updates: where the update kept every other document's number, the previous
    table updated in memory answers as a table read anew, filters and counts included; after
    a merge the saved table is used instead."""
    rng = seeded(13)
    documents = [provider(number, rng) for number in range(300)]
    generation = build_index(tmp_path, SCHEMA, [*documents, *places()], finish=write_derived_files)
    latest = facet_table.Latest()
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        table = FacetTable.from_searcher(searcher)
        latest.remember(generation.name, layout_of(searcher.reader()), table)
    updated_in_memory = not_updated = 0
    next_number = 300
    for revision in range(40):
        generation, next_number = random_update(tmp_path, rng, next_number, revision)
        with whoosh_index.open_dir(str(generation)).searcher() as searcher:
            fresh = FacetTable.from_searcher(searcher)
            carried = latest.carried_to(searcher, generation.name)
            if carried is None:
                not_updated += 1
                table = fresh
            else:
                updated_in_memory += 1
                assert table_facts(carried) == table_facts(fresh), f"update {revision}"
                docnums = [d for d in fresh.by_name if rng.random() < 0.5]
                for filters in ({}, {"region": ["13"]}, {"region": ["06"], "status": ["closed"]}):
                    assert carried.filter_and_count(carried.pool(docnums), filters) == (
                        fresh.filter_and_count(fresh.pool(docnums), filters)
                    )
                table = carried
            latest.remember(generation.name, layout_of(searcher.reader()), table)
    assert updated_in_memory > 25, "most updates keep every other document's number"
    assert not_updated > 0, "merges (and a newest free-places date leaving) read the saved table"


def test_an_updated_table_leaves_the_previous_one_as_it_was(tmp_path: Path) -> None:
    rng = seeded(6)
    generation = build_index(
        tmp_path, SCHEMA, [provider(n, rng) for n in range(40)], finish=write_derived_files
    )
    latest = facet_table.Latest()
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        table = FacetTable.from_searcher(searcher)
        latest.remember(generation.name, layout_of(searcher.reader()), table)
    before = pickle.dumps(table_facts(table))
    newer = update_index(
        tmp_path, upserts=[provider(3, rng), provider(40, rng)], deletions=["provider:5"],
        revision=1, schema_version="test", finish=write_derived_files,
    )  # fmt: skip
    with whoosh_index.open_dir(str(newer)).searcher() as searcher:
        carried = latest.carried_to(searcher, newer.name)
    assert carried is not None and 5 not in carried.records
    assert pickle.dumps(table_facts(table)) == before, "searches on the old generation see it whole"
    assert latest.carried_to(searcher, generation.name) is None, "never carried backwards"


def test_a_removed_newest_free_places_date_is_not_kept(tmp_path: Path) -> None:
    rng = seeded(8)
    documents = [provider(n, rng) for n in range(10)]
    for document in documents:
        document["summary"] = {"free_places": True, "availability_date": dt.date(2026, 11, 2)}
    documents[4]["summary"] = {"free_places": False, "availability_date": dt.date(2026, 11, 30)}
    generation = build_index(tmp_path, SCHEMA, documents, finish=write_derived_files)
    latest = facet_table.Latest()
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        table = FacetTable.from_searcher(searcher)
        assert table.newest_free_places_date == dt.date(2026, 11, 30)
        latest.remember(generation.name, layout_of(searcher.reader()), table)
    newer = update_index(
        tmp_path, upserts=[], deletions=["provider:4"], revision=1, schema_version="test",
        finish=write_derived_files,
    )  # fmt: skip
    with whoosh_index.open_dir(str(newer)).searcher() as searcher:
        carried = latest.carried_to(searcher, newer.name)
        fresh = FacetTable.from_searcher(searcher)
    assert fresh.newest_free_places_date == dt.date(2026, 11, 2)
    assert carried is None or carried.newest_free_places_date == dt.date(2026, 11, 2)
    # the keeper's table for it, changed in memory from the one it wrote before
    assert saved_inputs(newer)[4] == dt.date(2026, 11, 2)
