"""The search index is swapped in atomically and readers follow new generations."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh.fields import ID, Schema

from app.search import store
from app.search.store import IndexReader, IndexUnavailableError, build_index

SCHEMA = Schema(doc_id=ID(stored=True, unique=True), batch=ID(stored=True))


def documents(batch: str, count: int) -> Iterator[dict[str, Any]]:
    for number in range(count):
        yield {"doc_id": f"{batch}-{number}", "batch": batch}


def test_reader_without_an_index_reports_unavailable(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError):
        IndexReader(tmp_path).searcher()


def test_reader_picks_up_a_new_generation(tmp_path: Path) -> None:
    build_index(tmp_path, SCHEMA, documents("a", 10))
    reader = IndexReader(tmp_path)
    assert reader.searcher().doc_count() == 10
    build_index(tmp_path, SCHEMA, documents("b", 25))
    assert reader.searcher().doc_count() == 25
    reader.close()


def test_a_nodes_searchers_read_files_not_private_copies_of_memory_maps(tmp_path: Path) -> None:
    # Whoosh copies each memory-mapped segment part into every searcher it opens (one per
    # thread and generation): 2.6 GB for eight searchers at 100 000 providers
    # (bench/searcher_open.py). Read through files, they share the page cache instead.
    build_index(tmp_path, SCHEMA, documents("a", 10))
    reader = IndexReader(tmp_path)
    try:
        searcher = reader.searcher()
        assert searcher._ix.storage.supports_mmap is False
        assert searcher.doc_count() == 10
        assert searcher.stored_fields(3)["doc_id"] == "a-3"
    finally:
        reader.close()


def test_reader_follows_a_pointer_rewritten_in_place(tmp_path: Path) -> None:
    # The reader only stats the pointer per search; an operator rolling back by writing
    # CURRENT in place (same inode, same length) must still be followed.
    first = build_index(tmp_path, SCHEMA, documents("a", 10))
    build_index(tmp_path, SCHEMA, documents("b", 25))
    reader = IndexReader(tmp_path)
    assert reader.searcher().doc_count() == 25
    time.sleep(0.05)  # past the file system's timestamp granularity
    with (tmp_path / "CURRENT").open("r+", encoding="utf-8") as pointer:
        pointer.write(first.name)
    assert reader.searcher().doc_count() == 10
    reader.close()


def test_a_failed_build_leaves_the_old_index_serving(tmp_path: Path) -> None:
    build_index(tmp_path, SCHEMA, documents("a", 10))

    def broken() -> Iterator[dict[str, Any]]:
        yield from documents("b", 5)
        raise RuntimeError("source failed half-way")

    with pytest.raises(RuntimeError):
        build_index(tmp_path, SCHEMA, broken())
    reader = IndexReader(tmp_path)
    assert reader.searcher().doc_count() == 10
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".building")]
    reader.close()


def test_readers_during_rebuilds_always_see_a_complete_index(tmp_path: Path) -> None:
    build_index(tmp_path, SCHEMA, documents("a", 200))
    reader = IndexReader(tmp_path)
    seen: list[int] = []
    stop = threading.Event()

    def read_continuously() -> None:
        while not stop.is_set():
            seen.append(reader.searcher().doc_count())

    thread = threading.Thread(target=read_continuously)
    thread.start()
    for round_number in range(5):
        build_index(tmp_path, SCHEMA, documents(f"r{round_number}", 300 + round_number))
    stop.set()
    thread.join()
    reader.close()
    assert seen, "the reader thread ran"
    assert set(seen) <= {200, 300, 301, 302, 303, 304}


def generation_names(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))


def test_old_generations_are_cleaned_up(tmp_path: Path) -> None:
    for batch in "abcd":
        build_index(tmp_path, SCHEMA, documents(batch, 3), grace_s=0)
    # without a grace period: the current one and the one it replaced
    assert len(generation_names(tmp_path)) == 2


def test_replaced_generations_stay_for_the_grace_period_then_go(tmp_path: Path) -> None:
    for batch in "abcd":
        build_index(tmp_path, SCHEMA, documents(batch, 3), grace_s=60)
    names = generation_names(tmp_path)
    assert len(names) == 4, "replaced a moment ago: kept for workers still reading them"
    long_ago = time.time() - 61
    for name in names[:2]:  # replaced more than the grace period ago
        os.utime(tmp_path / name / "REPLACED", (long_ago, long_ago))
    build_index(tmp_path, SCHEMA, documents("e", 3), grace_s=60)
    assert generation_names(tmp_path)[:2] == names[2:]
    assert len(generation_names(tmp_path)) == 3
    build_index(tmp_path, SCHEMA, documents("f", 3), grace_s=0)
    assert len(generation_names(tmp_path)) == 2


def test_a_reader_whose_generation_is_removed_while_it_opens_it_opens_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pointer named a generation that a swap and its cleanup removed before the worker
    had opened it: the worker opens the current one; nothing is "damaged"."""
    build_index(tmp_path, SCHEMA, documents("a", 10))
    moved_on = build_index(tmp_path, SCHEMA, documents("b", 20))
    checked = store.verify_generation
    verified: list[str] = []

    def swap_and_clean_first(
        generation_dir: Path, known: dict[store.FileIdentity, str] | None = None
    ) -> dict[store.FileIdentity, str]:
        if not verified:  # another node's keeper, twice, while this worker starts to open
            build_index(tmp_path, SCHEMA, documents("c", 30))
            shutil.rmtree(moved_on)
        verified.append(generation_dir.name)
        return checked(generation_dir, known)

    monkeypatch.setattr(store, "verify_generation", swap_and_clean_first)
    reader = IndexReader(tmp_path)
    assert reader.searcher().doc_count() == 30
    assert verified[0] == moved_on.name and len(verified) == 2
    assert not list(tmp_path.glob("*/DAMAGED"))
    reader.close()


def test_a_current_generation_whose_folder_is_gone_is_unavailable(tmp_path: Path) -> None:
    current = build_index(tmp_path, SCHEMA, documents("a", 10))
    shutil.rmtree(current)
    with pytest.raises(IndexUnavailableError):
        IndexReader(tmp_path).searcher()


def test_a_leased_searcher_stays_open_across_a_swap_until_released(tmp_path: Path) -> None:
    build_index(tmp_path, SCHEMA, documents("a", 10))
    reader = IndexReader(tmp_path)
    with reader.lease() as lease:
        build_index(tmp_path, SCHEMA, documents("b", 20))
        assert reader.searcher().doc_count() == 20  # this thread moves to the new one
        assert not lease.searcher.is_closed, "a search still uses the old one"
        assert lease.searcher.doc_count() == 10
        assert lease.shared(lambda searcher: searcher.doc_count()) == 10
        held = lease.searcher
    assert held.is_closed, "closed once its last user released it"
    assert [handle.generation for handle in reader._handles] == [generation_names(tmp_path)[-1]]
    reader.close()


def test_a_lease_held_by_another_thread_is_not_closed_when_that_thread_has_ended(
    tmp_path: Path,
) -> None:
    """A request's dependency may open the lease in one pool thread and the work run in
    another; the first thread ending must not close the searcher under the work."""
    build_index(tmp_path, SCHEMA, documents("a", 10))
    reader = IndexReader(tmp_path)
    leases: list[Any] = []
    opened = threading.Event()

    def open_lease() -> None:
        context = reader.lease()
        leases.append((context, context.__enter__()))
        opened.set()

    thread = threading.Thread(target=open_lease)
    thread.start()
    thread.join()
    assert opened.is_set()
    context, lease = leases[0]
    for _ in range(3):  # new pool threads close the searchers of ended threads
        other = threading.Thread(target=reader.searcher)
        other.start()
        other.join()
    assert not lease.searcher.is_closed and lease.searcher.doc_count() == 10
    context.__exit__(None, None, None)
    assert lease.searcher.is_closed
    reader.close()


def test_searchers_of_ended_threads_are_closed_when_another_opens(tmp_path: Path) -> None:
    build_index(tmp_path, SCHEMA, documents("a", 10))
    reader = IndexReader(tmp_path)
    for _ in range(5):  # a thread pool retiring idle threads and starting new ones
        thread = threading.Thread(target=reader.searcher)
        thread.start()
        thread.join()
    searcher = reader.searcher()
    assert searcher.doc_count() == 10
    assert [handle.searcher for handle in reader._handles] == [searcher], "only the live thread's"
    reader.close()


def test_values_of_a_generation_only_an_idle_thread_still_holds_are_dropped(
    tmp_path: Path,
) -> None:
    """Per-generation values (facet table, match cache) are memory: a pool thread that
    searched once and sits idle on an old generation must not keep its values alive."""
    build_index(tmp_path, SCHEMA, documents("a", 10))
    reader = IndexReader(tmp_path)
    holding = threading.Event()
    release = threading.Event()

    def search_once_then_idle() -> None:
        reader.shared(lambda s: s.doc_count())
        holding.set()
        release.wait(10)

    idle = threading.Thread(target=search_once_then_idle)
    idle.start()
    assert holding.wait(10)
    build_index(tmp_path, SCHEMA, documents("b", 20))
    assert reader.shared(lambda s: s.doc_count()) == 20
    generations = {key[0] for key in reader._shared}
    release.set()
    idle.join()
    assert generations == {generation_names(tmp_path)[-1]}
    reader.close()
