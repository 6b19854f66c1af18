"""Atomic, multi-process-safe storage of the Whoosh search index.

The index folder holds numbered generations (`gen-000001/`, …) and a `CURRENT` file naming
the one to serve. A rebuild writes a new generation, then replaces `CURRENT` with
`os.replace`, which is atomic: a reader sees either the old complete index or the new one,
never a half-built one. Each process re-reads `CURRENT` (a cheap stat) before a search, so
every worker picks up a new index without a restart.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.searching import Searcher

logger = logging.getLogger(__name__)
T = TypeVar("T")

POINTER_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"
KEEP_OLD_GENERATIONS = 1  # one old generation stays for readers still holding it
WRITER_MEMORY_MB = 512  # postings kept in memory before spilling sorted runs to disk


class IndexUnavailableError(RuntimeError):
    """No complete index has been built yet, or the current one cannot be opened."""


@dataclass(frozen=True)
class IndexStatus:
    """What the health check reports about the index."""

    generation: str
    document_count: int
    built_at: float


def _read_pointer(index_dir: Path) -> str | None:
    try:
        name = (index_dir / POINTER_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def build_index(
    index_dir: Path,
    schema: Schema,
    documents: Iterable[dict[str, Any]],
    *,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write all documents into a new generation and make it current atomically."""
    index_dir.mkdir(parents=True, exist_ok=True)
    generation = f"{GENERATION_PREFIX}{time.time_ns()}"
    build_dir = index_dir / f".building-{generation}"
    build_dir.mkdir()
    try:
        writer = whoosh_index.create_in(str(build_dir), schema).writer(limitmb=128, procs=1)
        count = 0
        for count, document in enumerate(documents, start=1):
            writer.add_document(**document)
            if progress and count % 500 == 0:
                progress(count)
        writer.commit()
        if progress:
            progress(count)
        final_dir = index_dir / generation
        build_dir.rename(final_dir)
        pointer_tmp = index_dir / f".{POINTER_FILE}.{generation}"
        pointer_tmp.write_text(generation, encoding="utf-8")
        os.replace(pointer_tmp, index_dir / POINTER_FILE)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _remove_old_generations(index_dir, keep=generation)
    return final_dir


def _remove_old_generations(index_dir: Path, *, keep: str) -> None:
    generations = sorted(
        path.name for path in index_dir.iterdir() if path.name.startswith(GENERATION_PREFIX)
    )
    old = [name for name in generations if name != keep]
    for name in old[: max(0, len(old) - KEEP_OLD_GENERATIONS)]:
        shutil.rmtree(index_dir / name, ignore_errors=True)


class IndexReader:
    """Serves searchers from the current generation; reopens when it changes.

    Each thread gets its own searcher, because Whoosh searchers share file positions and
    are not safe to use from several threads at once.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Searcher] = []
        self._shared: dict[tuple[str, object], object] = {}

    def searcher(self) -> Searcher:
        """A searcher over the newest complete index (owned by this reader; do not close)."""
        generation = _read_pointer(self.index_dir)
        if generation is None:
            raise IndexUnavailableError(f"no search index in {self.index_dir}")
        current: tuple[str, Searcher] | None = getattr(self._local, "current", None)
        if current is not None and current[0] == generation:
            return current[1]
        try:
            opened = whoosh_index.open_dir(str(self.index_dir / generation)).searcher()
        except Exception as error:  # a missing or corrupt folder means "unavailable"
            raise IndexUnavailableError(str(error)) from error
        with self._lock:
            if current is not None:
                current[1].close()
                self._opened.remove(current[1])
            self._opened.append(opened)
        self._local.current = (generation, opened)
        logger.info("opened search index %s", generation)
        return opened

    def shared(self, build: Callable[[Searcher], T]) -> T:
        """A value derived from the current generation, built once and shared by all threads."""
        searcher = self.searcher()
        generation: str = self._local.current[0]
        with self._lock:
            cached = self._shared.get((generation, build))
            if cached is None:
                cached = build(searcher)
                self._shared = {
                    key: value for key, value in self._shared.items() if key[0] == generation
                }
                self._shared[(generation, build)] = cached
        return cast(T, cached)

    def status(self) -> IndexStatus:
        """Generation, document count and build time of the current index."""
        searcher = self.searcher()
        generation: str = self._local.current[0]
        built_at = (self.index_dir / generation).stat().st_mtime
        return IndexStatus(generation, searcher.doc_count(), built_at)

    def close(self) -> None:
        """Release every searcher this reader opened."""
        with self._lock:
            for searcher in self._opened:
                searcher.close()
            self._opened.clear()
        self._local = threading.local()
