"""Atomic, multi-process-safe storage of the Whoosh search index.

The index folder holds numbered generations (`gen-000001/`, …) and a `CURRENT` file naming
the one to serve. A rebuild writes a new generation, then replaces `CURRENT` with
`os.replace`, which is atomic: a reader sees either the old complete index or the new one,
never a half-built one. Each process re-reads `CURRENT` (a cheap stat) before a search, so
every worker picks up a new index without a restart.

Faults: a build that fails (disk full, database gone) removes everything it wrote; one that
was killed outright leaves a `.building-*` folder, which the next build removes. Builds take
a lock, so the builder knows such folders are leftovers, not another process's work. Each
generation carries a manifest of its files' sizes and checksums, checked before a process
first serves it: a truncated or damaged index reports "unavailable" instead of failing or
quietly returning wrong results. The manifest also records the catalogue revision the
generation was built from, so that each node's index keeper knows what it still has to apply
(`update_index` writes only the changed documents into the next generation).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
BUILDING_PREFIX = ".building-"
POINTER_TMP_PREFIX = f".{POINTER_FILE}."
BUILD_LOCK_FILE = ".build.lock"
MANIFEST_FILE = "MANIFEST.json"
DAMAGED_MARKER = "DAMAGED"  # left in a generation whose files failed their manifest while served
WRITER_MEMORY_MB = 128  # postings kept in memory before spilling sorted runs to disk


class IndexUnavailableError(RuntimeError):
    """No complete index has been built yet, or the current one cannot be opened."""


@dataclass(frozen=True)
class IndexStatus:
    """What the health check reports about the index."""

    generation: str
    document_count: int
    built_at: float
    revision: int | None = None  # the catalogue revision it was built from


@dataclass(frozen=True)
class IndexState:
    """What the current generation's manifest says it holds."""

    generation: str
    revision: int | None  # None: built before revisions existed
    schema_version: str | None
    damaged: bool = False  # a worker found its files changed since they were written


def index_state(index_dir: Path) -> IndexState | None:
    """The current generation and its revision, or None when there is no index yet."""
    generation = _read_pointer(index_dir)
    if generation is None:
        return None
    try:
        manifest = json.loads((index_dir / generation / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return IndexState(generation, None, None)
    revision = manifest.get("revision")
    schema_version = manifest.get("schema_version")
    return IndexState(
        generation,
        revision if isinstance(revision, int) else None,
        schema_version if isinstance(schema_version, str) else None,
        (index_dir / generation / DAMAGED_MARKER).exists(),
    )


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
    revision: int | None = None,
    schema_version: str | None = None,
) -> Path:
    """Write all documents into a new generation and make it current atomically.

    On any error nothing of the new generation is left behind and the old one keeps serving.
    Builds of one folder run one at a time; `documents` is read only once the lock is held,
    so a build started later also indexes the later data.
    """

    def write(build_dir: Path, _current: str | None) -> None:
        build_dir.mkdir()
        writer = whoosh_index.create_in(str(build_dir), schema).writer(
            limitmb=WRITER_MEMORY_MB, procs=1
        )
        count = 0
        for count, document in enumerate(documents, start=1):
            writer.add_document(**document)
            if progress and count % 500 == 0:
                progress(count)
        writer.commit()
        if progress:
            progress(count)

    index_dir.mkdir(parents=True, exist_ok=True)
    return _publish_generation(index_dir, write, revision, schema_version)


def update_index(
    index_dir: Path,
    *,
    upserts: Iterable[dict[str, Any]],
    deletions: Iterable[str],
    revision: int,
    schema_version: str,
) -> Path:
    """Copy the current generation, replace or delete the given documents, swap it in.

    Documents are matched by their unique `doc_id`. Seconds instead of a full rebuild's
    minutes; the same guarantees: under the build lock, all or nothing, atomic swap.
    """

    def write(build_dir: Path, current: str | None) -> None:
        if current is None:
            raise IndexUnavailableError(f"no search index in {index_dir} to update")
        shutil.copytree(index_dir / current, build_dir)
        (build_dir / MANIFEST_FILE).unlink(missing_ok=True)
        (build_dir / DAMAGED_MARKER).unlink(missing_ok=True)
        writer = whoosh_index.open_dir(str(build_dir)).writer(limitmb=WRITER_MEMORY_MB, procs=1)
        for doc_id in deletions:
            writer.delete_by_term("doc_id", doc_id)
        for document in upserts:
            writer.update_document(**document)
        writer.commit()

    return _publish_generation(index_dir, write, revision, schema_version)


def _publish_generation(
    index_dir: Path,
    write: Callable[[Path, str | None], None],
    revision: int | None,
    schema_version: str | None,
) -> Path:
    """Under the build lock, let `write` fill a new generation folder (it is told the
    current generation), record its manifest and make it current atomically."""
    with _build_lock(index_dir):
        _remove_leftovers(index_dir)
        previous = _read_pointer(index_dir)
        generation = f"{GENERATION_PREFIX}{time.time_ns()}"
        build_dir = index_dir / f"{BUILDING_PREFIX}{generation}"
        final_dir = index_dir / generation
        try:
            write(build_dir, previous)
            _write_manifest(build_dir, revision=revision, schema_version=schema_version)
            build_dir.rename(final_dir)
            _swap_pointer(index_dir, generation)
        except BaseException:
            # CURRENT still names the old generation, so everything new can go.
            shutil.rmtree(build_dir, ignore_errors=True)
            shutil.rmtree(final_dir, ignore_errors=True)
            (index_dir / f"{POINTER_TMP_PREFIX}{generation}").unlink(missing_ok=True)
            raise
        _remove_old_generations(index_dir, keep={generation, previous})
    return final_dir


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the folder's build lock; the kernel releases it even when the holder is killed."""
    with (index_dir / BUILD_LOCK_FILE).open("ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(index_dir: Path) -> None:
    """Remove what killed builds left (callers hold the build lock, so no build is running)."""
    for path in index_dir.iterdir():
        if path.name.startswith(BUILDING_PREFIX):
            logger.warning("removing %s, left by an interrupted index build", path.name)
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(POINTER_TMP_PREFIX):
            path.unlink(missing_ok=True)


def _swap_pointer(index_dir: Path, generation: str) -> None:
    """Point CURRENT at `generation`: write a temporary file, then rename it over CURRENT."""
    pointer_tmp = index_dir / f"{POINTER_TMP_PREFIX}{generation}"
    pointer_tmp.write_text(generation, encoding="utf-8")
    os.replace(pointer_tmp, index_dir / POINTER_FILE)


def _remove_old_generations(index_dir: Path, *, keep: set[str | None]) -> None:
    """Remove every generation but the new one and the one it replaced.

    The replaced one stays for readers that still hold it open; anything else is older,
    or a complete generation whose build was killed before it became current.
    """
    for path in index_dir.iterdir():
        if path.name.startswith(GENERATION_PREFIX) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(
    generation_dir: Path, *, revision: int | None, schema_version: str | None
) -> None:
    """Record the size and checksum of every file of a finished generation, and what it holds."""
    files = {
        path.name: {"size": path.stat().st_size, "sha256": _file_digest(path)}
        for path in sorted(generation_dir.iterdir())
        if path.is_file()
    }
    facts: dict[str, object] = {"files": files}
    if revision is not None:
        facts["revision"] = revision
    if schema_version is not None:
        facts["schema_version"] = schema_version
    manifest = json.dumps(facts, indent=1)
    (generation_dir / MANIFEST_FILE).write_text(manifest, encoding="utf-8")


def verify_generation(generation_dir: Path) -> None:
    """Raise IndexUnavailableError unless the generation's files match its manifest.

    Generations built before manifests existed have none and are trusted as they are.
    """
    manifest_path = generation_dir / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected: dict[str, dict[str, Any]] = manifest["files"]
    except FileNotFoundError:
        if not generation_dir.is_dir():
            raise IndexUnavailableError(f"index generation {generation_dir} is missing") from None
        logger.warning("index generation %s has no manifest; not verified", generation_dir)
        return
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IndexUnavailableError(f"unreadable manifest in {generation_dir}") from error
    for name, facts in expected.items():
        path = generation_dir / name
        try:
            intact = path.stat().st_size == facts["size"] and _file_digest(path) == facts["sha256"]
        except OSError:
            intact = False
        if not intact:
            raise IndexUnavailableError(f"index file {path} is missing or damaged")


class IndexReader:
    """Serves searchers from the current generation; reopens when it changes.

    Each thread gets its own searcher, because Whoosh searchers share file positions and
    are not safe to use from several threads at once. The server's thread pool retires idle
    threads and starts new ones, so the searchers of threads that have ended are closed
    whenever another is opened: otherwise every new thread would add one for good.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[tuple[threading.Thread, Searcher]] = []
        self._shared: dict[tuple[str, object], object] = {}
        self._verified: set[str] = set()  # generations whose files matched their manifest
        self._damaged: set[str] = set()  # generations whose files failed it while served
        # The pointer file's identity when last read, and what it named: a stat per search
        # instead of an open and a read. A swap renames a new file over it (new inode).
        self._pointer: tuple[tuple[int, int, int], str | None] | None = None

    def _current_generation(self) -> str | None:
        pointer = self.index_dir / POINTER_FILE
        try:
            facts = pointer.stat()
        except FileNotFoundError:
            return None
        identity = (facts.st_ino, facts.st_mtime_ns, facts.st_size)
        known = self._pointer
        if known is not None and known[0] == identity:
            return known[1]
        generation = _read_pointer(self.index_dir)
        self._pointer = (identity, generation)
        return generation

    def searcher(self) -> Searcher:
        """A searcher over the newest complete index (owned by this reader; do not close)."""
        try:
            generation = self._current_generation()
        except OSError as error:  # e.g. the folder replaced by a file, or unreadable
            raise IndexUnavailableError(str(error)) from error
        if generation is None:
            raise IndexUnavailableError(f"no search index in {self.index_dir}")
        if generation in self._damaged:
            raise IndexUnavailableError(f"index generation {generation} is damaged")
        current: tuple[str, Searcher] | None = getattr(self._local, "current", None)
        if current is not None and current[0] == generation:
            return current[1]
        if generation not in self._verified:
            # Checked once per process: hashing costs about a second per 500 MB.
            verify_generation(self.index_dir / generation)
            with self._lock:
                self._verified.add(generation)
        try:
            opened = whoosh_index.open_dir(str(self.index_dir / generation)).searcher()
        except Exception as error:  # a missing or corrupt folder means "unavailable"
            raise IndexUnavailableError(str(error)) from error
        replaced = current[1] if current is not None else None
        with self._lock:
            kept = []
            for thread, searcher in self._opened:
                if searcher is not replaced and thread.is_alive():
                    kept.append((thread, searcher))
                else:  # this thread's older generation, or a thread that has ended
                    searcher.close()
            kept.append((threading.current_thread(), opened))
            self._opened = kept
        self._local.current = (generation, opened)
        logger.info("opened search index %s", generation)
        return opened

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Run a search: when Whoosh fails on a file damaged after it was first checked
        (zlib, struct or short-read errors), the generation's files are checked again and
        the search says "unavailable" (503) instead of crashing; the node's index keeper
        sees the DAMAGED marker and rebuilds. A failure with intact files is raised as is."""
        try:
            yield
        except IndexUnavailableError:
            raise
        except Exception:
            self._check_again()
            raise

    def _check_again(self) -> None:
        generation = self._current_generation()
        if generation is None:
            raise IndexUnavailableError(f"no search index in {self.index_dir}") from None
        try:
            verify_generation(self.index_dir / generation)
        except IndexUnavailableError:
            logger.error("search index generation %s is damaged; searches answer 503", generation)
            with self._lock:
                self._verified.discard(generation)
                self._damaged.add(generation)
            with contextlib.suppress(OSError):  # a read-only folder: the keeper checks too
                (self.index_dir / generation / DAMAGED_MARKER).touch()
            raise

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
        state = index_state(self.index_dir)
        revision = state.revision if state is not None and state.generation == generation else None
        return IndexStatus(generation, searcher.doc_count(), built_at, revision)

    def close(self) -> None:
        """Release every searcher this reader opened."""
        with self._lock:
            for _thread, searcher in self._opened:
                searcher.close()
            self._opened.clear()
        self._local = threading.local()
