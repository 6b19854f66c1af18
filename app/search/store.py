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

Readers and swaps: a replaced generation is kept for a grace period (`grace_s`, the
`INDEX_GENERATION_GRACE_S` setting) before a later swap removes it, so that a worker still
opening or reading it is not cut off; a worker that nevertheless fails on a generation the
pointer has moved past opens the current one instead (it is not "damaged"). A worker's
searchers are counted while in use (`IndexReader.lease`): switching to a new generation
closes the old searcher only when its last user has released it.
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
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from app.search.derived_files import DERIVED_FILE_PREFIX
from app.search.ranking import Weightings

logger = logging.getLogger(__name__)
T = TypeVar("T")

POINTER_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"
BUILDING_PREFIX = ".building-"
POINTER_TMP_PREFIX = f".{POINTER_FILE}."
BUILD_LOCK_FILE = ".build.lock"
MANIFEST_FILE = "MANIFEST.json"
DAMAGED_MARKER = "DAMAGED"  # left in a generation whose files failed their manifest while served
REPLACED_MARKER = "REPLACED"  # touched in a generation when another replaces it (its mtime)
GENERATION_GRACE_S = 60.0  # how long a replaced generation stays for readers still using it
OPEN_ATTEMPTS = 3  # a reader whose generation is replaced meanwhile tries the current one
WRITER_MEMORY_MB = 128  # postings kept in memory before spilling sorted runs to disk
SEGMENT_SUFFIX = ".seg"  # a Whoosh segment in one compound file, written once
# What a generation being updated does not take over from the one it copies.
_NOT_COPIED = frozenset({MANIFEST_FILE, DAMAGED_MARKER, REPLACED_MARKER})


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


def open_whoosh_index(directory: Path) -> whoosh_index.Index:
    """A generation's Whoosh index, read through files, not memory maps.

    Whoosh copies each memory-mapped segment part it opens into a private buffer, for every
    reader: a node's eight searchers at 100 000 providers held 2.6 GB and took 45 ms each to
    open, against 25 MB and 2 ms (bench/searcher_open.py), and the keeper spent ~0.2 s of
    each update copying. A search that runs in Whoosh costs ~18 % more CPU (the page cache
    serves the reads); most searches are answered from caches.
    """
    return FileStorage(str(directory), supports_mmap=False).open_index()


# Writes a generation's derived files once its Whoosh files are complete; told the
# generation it was updated from (None for a full build), to carry over what still holds.
Finish = Callable[[Path, Path | None], None]


def build_index(
    index_dir: Path,
    schema: Schema,
    documents: Iterable[dict[str, Any]],
    *,
    progress: Callable[[int], None] | None = None,
    revision: int | None = None,
    schema_version: str | None = None,
    grace_s: float = GENERATION_GRACE_S,
    finish: Finish | None = None,
) -> Path:
    """Write all documents into a new generation and make it current atomically.

    On any error nothing of the new generation is left behind and the old one keeps serving.
    Builds of one folder run one at a time; `documents` is read only once the lock is held,
    so a build started later also indexes the later data.
    """

    def write(build_dir: Path, _current: str | None) -> None:
        build_dir.mkdir()
        storage = FileStorage(str(build_dir), supports_mmap=False)  # see open_whoosh_index
        writer = storage.create_index(schema).writer(limitmb=WRITER_MEMORY_MB, procs=1)
        count = 0
        for count, document in enumerate(documents, start=1):
            writer.add_document(**document)
            if progress and count % 500 == 0:
                progress(count)
        writer.commit()
        if progress:
            progress(count)
        if finish is not None:
            finish(build_dir, None)

    index_dir.mkdir(parents=True, exist_ok=True)
    return _publish_generation(index_dir, write, revision, schema_version, grace_s)


def update_index(
    index_dir: Path,
    *,
    upserts: Iterable[dict[str, Any]],
    deletions: Iterable[str],
    revision: int,
    schema_version: str,
    grace_s: float = GENERATION_GRACE_S,
    finish: Finish | None = None,
) -> Path:
    """Copy the current generation, replace or delete the given documents, swap it in.

    Documents are matched by their unique `doc_id`. Seconds instead of a full rebuild's
    minutes; the same guarantees: under the build lock, all or nothing, atomic swap.
    Segment files are linked, not copied (see `_copy_generation`).
    """

    def write(build_dir: Path, current: str | None) -> None:
        if current is None:
            raise IndexUnavailableError(f"no search index in {index_dir} to update")
        _copy_generation(index_dir / current, build_dir)
        writer = open_whoosh_index(build_dir).writer(limitmb=WRITER_MEMORY_MB, procs=1)
        for doc_id in deletions:
            writer.delete_by_term("doc_id", doc_id)
        for document in upserts:
            writer.update_document(**document)
        writer.commit()
        if finish is not None:
            finish(build_dir, index_dir / current)

    return _publish_generation(index_dir, write, revision, schema_version, grace_s)


def _copy_generation(source: Path, target: Path) -> None:
    """Start a new generation from a copy of `source`'s Whoosh files.

    Whoosh never writes into a segment file again once written (deletions go to the new
    table of contents), so segment files are hard links: an update writes only its new
    segment instead of copying the whole index (23 MB at 10 000 providers, every second
    under steady edits). Markers, the manifest and derived files describe `source` only.
    """
    target.mkdir()
    for path in source.iterdir():
        if (
            not path.is_file()
            or path.name in _NOT_COPIED
            or path.name.startswith(DERIVED_FILE_PREFIX)
        ):
            continue
        if path.suffix == SEGMENT_SUFFIX:
            try:
                os.link(path, target / path.name)
                continue
            except OSError as error:  # a file system without hard links (some network shares)
                logger.info("copying %s instead of linking it (%s)", path.name, error)
        shutil.copy2(path, target / path.name)


def _publish_generation(
    index_dir: Path,
    write: Callable[[Path, str | None], None],
    revision: int | None,
    schema_version: str | None,
    grace_s: float = GENERATION_GRACE_S,
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
            known = _known_digests(index_dir / previous) if previous is not None else {}
            _write_manifest(
                build_dir, revision=revision, schema_version=schema_version, known=known
            )
            build_dir.rename(final_dir)
            _swap_pointer(index_dir, generation)
        except BaseException:
            # CURRENT still names the old generation, so everything new can go.
            shutil.rmtree(build_dir, ignore_errors=True)
            shutil.rmtree(final_dir, ignore_errors=True)
            (index_dir / f"{POINTER_TMP_PREFIX}{generation}").unlink(missing_ok=True)
            raise
        if previous is not None and previous != generation:
            with contextlib.suppress(OSError):  # gone already: nothing to keep
                (index_dir / previous / REPLACED_MARKER).touch()
        _remove_old_generations(index_dir, keep={generation, previous}, grace_s=grace_s)
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


def _remove_old_generations(
    index_dir: Path, *, keep: set[str | None], grace_s: float = GENERATION_GRACE_S
) -> None:
    """Remove generations replaced more than `grace_s` ago; never the new one or the one it
    replaced.

    Replaced generations stay a while for workers that are still opening or reading them
    (with an edit a second, "the previous one" alone was gone two swaps later, under a
    worker still checking it). A generation's replacement time is its REPLACED marker's;
    one without (replaced by an older version, or a complete generation whose build was
    killed before it became current) counts from its folder's last change.
    """
    now = time.time()
    for path in index_dir.iterdir():
        if not path.name.startswith(GENERATION_PREFIX) or path.name in keep:
            continue
        try:
            marker = path / REPLACED_MARKER
            replaced_at = (marker if marker.exists() else path).stat().st_mtime
        except OSError:
            replaced_at = 0.0
        if now - replaced_at >= grace_s:
            shutil.rmtree(path, ignore_errors=True)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# A file's identity on disk: a linked segment file has the same in every generation.
FileIdentity = tuple[int, int, int]  # device, inode, size


def _identity(path: Path) -> FileIdentity:
    facts = path.stat()
    return facts.st_dev, facts.st_ino, facts.st_size


def _known_digests(generation_dir: Path) -> dict[FileIdentity, str]:
    """The checksums a generation's manifest gives, by the identity of its files now."""
    try:
        manifest = json.loads((generation_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    known = {}
    for name, facts in files.items():
        try:
            identity = _identity(generation_dir / name)
        except OSError:
            continue
        if identity[2] == facts.get("size") and isinstance(facts.get("sha256"), str):
            known[identity] = facts["sha256"]
    return known


def _write_manifest(
    generation_dir: Path,
    *,
    revision: int | None,
    schema_version: str | None,
    known: dict[FileIdentity, str] | None = None,
) -> None:
    """Record the size and checksum of every file of a finished generation, and what it holds.

    A file linked from the previous generation keeps the checksum recorded there (`known`):
    only the files an update wrote are read.
    """
    known = known or {}
    files = {}
    for path in sorted(generation_dir.iterdir()):
        if path.is_file():
            identity = _identity(path)
            digest = known.get(identity) or _file_digest(path)
            files[path.name] = {"size": identity[2], "sha256": digest}
    facts: dict[str, object] = {"files": files}
    if revision is not None:
        facts["revision"] = revision
    if schema_version is not None:
        facts["schema_version"] = schema_version
    manifest = json.dumps(facts, indent=1)
    (generation_dir / MANIFEST_FILE).write_text(manifest, encoding="utf-8")


def verify_generation(
    generation_dir: Path, checked: dict[FileIdentity, str] | None = None
) -> dict[FileIdentity, str]:
    """Raise IndexUnavailableError unless the generation's files match its manifest.

    Files found in `checked` (identity and checksum, as returned for an earlier generation
    by this function) are not read again: an update links the segment files it did not
    change. Returns the identities and checksums of this generation's files.
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
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IndexUnavailableError(f"unreadable manifest in {generation_dir}") from error
    checked = checked or {}
    found: dict[FileIdentity, str] = {}
    for name, facts in expected.items():
        path = generation_dir / name
        try:
            identity = _identity(path)
            if identity[2] != facts["size"]:
                intact = False
            elif checked.get(identity) == facts["sha256"]:
                intact = True  # the same file, read and found intact before
            else:
                intact = _file_digest(path) == facts["sha256"]
        except OSError:
            intact = False
        if not intact:
            raise IndexUnavailableError(f"index file {path} is missing or damaged")
        found[identity] = facts["sha256"]
    return found


@dataclass(eq=False)
class _Handle:
    """One thread's searcher over one generation, and how many pieces of work use it."""

    generation: str
    searcher: Searcher
    thread: threading.Thread
    users: int = 0
    retired: bool = False  # replaced by a newer one (or its thread ended): close when unused


class Lease:
    """A generation pinned for one piece of work (a search): its searcher stays open, and the
    values derived from it (`shared`) are that generation's, until the lease is released."""

    def __init__(self, reader: IndexReader, handle: _Handle) -> None:
        self._reader = reader
        self._handle = handle

    @property
    def generation(self) -> str:
        """The generation this lease reads."""
        return self._handle.generation

    @property
    def searcher(self) -> Searcher:
        """The leased searcher (owned by the reader; do not close)."""
        return self._handle.searcher

    @property
    def directory(self) -> Path:
        """The leased generation's folder (for files derived from it, such as a snapshot)."""
        return self._reader.index_dir / self._handle.generation

    def shared(self, build: Callable[[Searcher], T]) -> T:
        """A value derived from the leased generation, built once and shared by all threads."""
        return self._reader._shared_value(self._handle, build, lambda: build(self.searcher))

    def shared_with(self, build: Callable[[Lease], T]) -> T:
        """As `shared`, for a value built from the lease itself (its generation, folder
        and what the reader keeps across generations)."""
        return self._reader._shared_value(self._handle, build, lambda: build(self))

    def lasting(self, make: Callable[[], T]) -> T:
        """A value the reader keeps across generations (made once by `make`, its key): what
        one generation's work hands on to the next (see `ranking`, `facet_table`)."""
        return self._reader.lasting(make)


class IndexReader:
    """Serves searchers from the current generation; reopens when it changes.

    Each thread gets its own searcher, because Whoosh searchers share file positions and
    are not safe to use from several threads at once. Work takes a `lease`, which counts as
    a user of the searcher: when the thread moves to a newer generation, or the thread has
    ended (the server's thread pool retires idle threads and starts new ones), the old
    searcher is closed once its last user has released it, never under a running search.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._local = threading.local()
        self._lock = threading.Lock()
        self._handles: list[_Handle] = []  # every searcher open, current or still in use
        self._shared: dict[tuple[str, object], object] = {}
        self._building: dict[tuple[str, object], threading.Lock] = {}
        self._verified: set[str] = set()  # generations whose files matched their manifest
        self._checked_files: dict[FileIdentity, str] = {}  # the last verified one's files
        self._damaged: set[str] = set()  # generations whose files failed it while served
        # The pointer file's identity when last read, and what it named: a stat per search
        # instead of an open and a read. A swap renames a new file over it (new inode).
        self._pointer: tuple[tuple[int, int, int], str | None] | None = None
        self._weightings = Weightings()  # ranking figures per generation
        self._lasting: dict[object, object] = {}  # values kept across generations

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

    def _replaced(self, generation: str) -> bool:
        """True when the pointer has moved past `generation` (it is no longer served)."""
        try:
            return self._current_generation() != generation
        except OSError:
            return False

    def _serving(self) -> str:
        """The generation to serve now, or IndexUnavailableError."""
        try:
            generation = self._current_generation()
        except OSError as error:  # e.g. the folder replaced by a file, or unreadable
            raise IndexUnavailableError(str(error)) from error
        if generation is None:
            raise IndexUnavailableError(f"no search index in {self.index_dir}")
        if generation in self._damaged:
            raise IndexUnavailableError(f"index generation {generation} is damaged")
        return generation

    def _open(self, generation: str) -> Searcher:
        if generation not in self._verified:
            # Checked once per process: hashing costs about a second per 500 MB, so files
            # linked from a generation checked before are not read again.
            checked = verify_generation(self.index_dir / generation, self._checked_files)
            with self._lock:
                self._verified.add(generation)
                self._checked_files = checked
        try:
            directory = self.index_dir / generation
            weighting = self._weightings.for_generation(directory)
            return open_whoosh_index(directory).searcher(weighting=weighting)
        except Exception as error:  # a missing or corrupt folder means "unavailable"
            raise IndexUnavailableError(str(error)) from error

    def _acquire(self) -> _Handle:
        """This thread's searcher over the current generation, counted as one more user.

        A generation that cannot be opened because it was replaced meanwhile (the pointer
        moved on, its folder removed after the grace period) is not an error: the current
        one is opened instead."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            generation = self._serving()
            current: _Handle | None = getattr(self._local, "current", None)
            if current is not None and current.generation == generation:
                with self._lock:
                    current.users += 1
                return current
            try:
                searcher = self._open(generation)
            except IndexUnavailableError:
                if attempt < OPEN_ATTEMPTS and self._replaced(generation):
                    logger.info("index generation %s was replaced while opening it", generation)
                    continue
                raise
            handle = _Handle(generation, searcher, threading.current_thread(), users=1)
            with self._lock:
                kept = []
                for other in self._handles:
                    if other is current or not other.thread.is_alive():
                        other.retired = True  # this thread's older one, or an ended thread's
                    if other.retired and other.users == 0:
                        other.searcher.close()
                    else:
                        kept.append(other)
                kept.append(handle)
                self._handles = kept
            self._local.current = handle
            logger.info("opened search index %s", generation)
            return handle
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _release(self, handle: _Handle) -> None:
        with self._lock:
            handle.users -= 1
            if handle.retired and handle.users == 0 and handle in self._handles:
                handle.searcher.close()
                self._handles.remove(handle)

    @contextmanager
    def lease(self) -> Iterator[Lease]:
        """Pin the current generation for a piece of work (see `Lease`)."""
        handle = self._acquire()
        try:
            yield Lease(self, handle)
        finally:
            self._release(handle)

    def searcher(self) -> Searcher:
        """A searcher over the newest complete index (owned by this reader; do not close).

        It stays open until this thread moves to a newer generation; work that must not
        see it closed meanwhile takes a `lease` (or `run`s) instead."""
        handle = self._acquire()
        self._release(handle)
        return handle.searcher

    def run(self, work: Callable[[Lease], T]) -> T:
        """Run a search on a leased generation.

        When Whoosh fails on a file damaged after it was first checked (zlib, struct or
        short-read errors), the generation's files are checked again and the search says
        "unavailable" (503) instead of crashing; the node's index keeper sees the DAMAGED
        marker and rebuilds. A generation that failed because it was replaced meanwhile is
        not damaged: the work runs again on the current one. A failure with intact files is
        raised as is."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            with self.lease() as lease:
                try:
                    return work(lease)
                except IndexUnavailableError:
                    raise
                except Exception:
                    if attempt < OPEN_ATTEMPTS and self._replaced(lease.generation):
                        logger.info("generation %s replaced during a search", lease.generation)
                        continue
                    self._check_again(lease.generation)
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _check_again(self, generation: str) -> None:
        try:
            verify_generation(self.index_dir / generation)
        except IndexUnavailableError:
            if self._replaced(generation) or not (self.index_dir / generation).is_dir():
                raise  # replaced and removed meanwhile, or a current one gone: not damaged
            logger.error("search index generation %s is damaged; searches answer 503", generation)
            with self._lock:
                self._verified.discard(generation)
                self._damaged.add(generation)
                self._checked_files = {}  # its files may be linked into the next one
            with contextlib.suppress(OSError):  # a read-only folder: the keeper checks too
                (self.index_dir / generation / DAMAGED_MARKER).touch()
            raise

    def shared(self, build: Callable[[Searcher], T]) -> T:
        """A value derived from the current generation, built once and shared by all threads."""
        with self.lease() as lease:
            return lease.shared(build)

    def _shared_value(self, handle: _Handle, build: object, make: Callable[[], T]) -> T:
        """The value `make` builds for the handle's generation, cached under `build`."""
        key = (handle.generation, build)
        with self._lock:
            if key in self._shared:
                return cast(T, self._shared[key])
            building = self._building.setdefault(key, threading.Lock())
        # Built outside the reader's lock (the facet table takes seconds at 100 000
        # providers): other threads keep opening and searching; those wanting the same
        # value wait for it here.
        with building:
            with self._lock:
                if key in self._shared:
                    return cast(T, self._shared[key])
            value = make()
            with self._lock:
                # kept: the served generation's values and those of generations a search is
                # still using; not those of threads idling on an older one (memory)
                served = self._pointer[1] if self._pointer is not None else None
                in_use: set[str | None] = {h.generation for h in self._handles if h.users > 0}
                in_use |= {handle.generation, served}
                self._shared = {k: v for k, v in self._shared.items() if k[0] in in_use}
                self._shared[key] = value
                self._building.pop(key, None)
        return value

    def lasting(self, make: Callable[[], T]) -> T:
        """A value kept across generations, made once by `make` (its key)."""
        with self._lock:
            if make not in self._lasting:
                self._lasting[make] = make()
            return cast(T, self._lasting[make])

    def status(self) -> IndexStatus:
        """Generation, document count and build time of the current index."""
        with self.lease() as lease:
            generation = lease.generation
            count = lease.searcher.doc_count()
        built_at = (self.index_dir / generation).stat().st_mtime
        state = index_state(self.index_dir)
        revision = state.revision if state is not None and state.generation == generation else None
        return IndexStatus(generation, count, built_at, revision)

    def close(self) -> None:
        """Release every searcher this reader opened."""
        with self._lock:
            for handle in self._handles:
                handle.searcher.close()
            self._handles.clear()
        self._local = threading.local()
