"""The search index is swapped in atomically and readers follow new generations."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh.fields import ID, Schema

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


def test_old_generations_are_cleaned_up(tmp_path: Path) -> None:
    for batch in "abcd":
        build_index(tmp_path, SCHEMA, documents(batch, 3))
    generations = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 2  # the current one and one old one for slow readers


def test_searchers_of_ended_threads_are_closed_when_another_opens(tmp_path: Path) -> None:
    build_index(tmp_path, SCHEMA, documents("a", 10))
    reader = IndexReader(tmp_path)
    for _ in range(5):  # a thread pool retiring idle threads and starting new ones
        thread = threading.Thread(target=reader.searcher)
        thread.start()
        thread.join()
    searcher = reader.searcher()
    assert searcher.doc_count() == 10
    assert [pair[1] for pair in reader._opened] == [searcher], "only the live thread's"
    reader.close()
