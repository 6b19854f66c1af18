"""Bounded HTTP load generators (wrk, or asyncio + httpx), worker RSS sampling, the mixed load test.

`run_load` keeps N connections busy for a fixed time against one loopback server and
measures every request's latency. It uses wrk (Debian package `wrk`, written in C) when it
is installed, else an asyncio + httpx generator: on a 2-core machine the Python generator
takes most of a core from the servers it measures, wrk a few per cent. The mixed load test
serves pages, search, API and the questionnaire from Polku with 2 workers on PostgreSQL
and samples the workers' RSS:

    .venv/bin/python bench/load.py --size 10000 --duration 60 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import percentile  # noqa: E402

WRK_SCRIPT = ROOT / "bench" / "wrk_paths.lua"
GENERATORS = ("wrk", "httpx")


@dataclass
class LoadResult:
    """What one load run measured: successful requests are counted and timed."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    generator: str
    error_samples: list[str] = field(default_factory=list)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    def summary(self) -> str:
        return (
            f"{self.requests_per_s:7.1f} req/s, p50 {self.p50_ms:6.1f} ms, "
            f"p95 {self.p95_ms:6.1f} ms, {self.requests} requests, {self.errors} errors "
            f"({self.generator})"
        )


def default_generator() -> str:
    """wrk when it is installed (`apt-get install wrk`), else the Python generator."""
    return "wrk" if shutil.which("wrk") else "httpx"


async def _load(
    base_url: str, paths: Sequence[str], connections: int, duration_s: float, seed: int,
    requests_per_connection: int,
) -> LoadResult:  # fmt: skip
    latencies: list[float] = []
    errors: list[str] = []
    # Timeout well below the run time so that a stuck server cannot stretch the run.
    timeout = httpx.Timeout(min(10.0, duration_s))
    started = time.perf_counter()
    deadline = started + duration_s

    async def worker(number: int) -> None:
        # Each connection walks the path list from its own random offset, so that the
        # same mix is requested but not in lockstep.
        rng = random.Random(seed * 1000 + number)
        position = rng.randrange(len(paths))
        while time.perf_counter() < deadline:
            # A fresh connection every few requests, like a new visitor. With connections
            # kept for the whole run, the kernel may hand all of them to one uvicorn worker
            # and the other idles (seen in the RSS samples of the first runs).
            limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            async with httpx.AsyncClient(
                base_url=base_url, limits=limits, timeout=timeout
            ) as client:
                for _ in range(requests_per_connection):
                    if time.perf_counter() >= deadline:
                        return
                    path = paths[position % len(paths)]
                    position += 1
                    sent = time.perf_counter()
                    try:
                        response = await client.get(path)
                        await response.aread()
                    except httpx.HTTPError as error:
                        errors.append(f"{type(error).__name__} {path}")
                        break  # the connection may be broken: open a new one
                    if response.status_code >= 400:
                        errors.append(f"{response.status_code} {path}")
                        continue
                    latencies.append((time.perf_counter() - sent) * 1000)

    await asyncio.gather(*(worker(number) for number in range(connections)))
    seconds = time.perf_counter() - started
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = percentile(latencies, 0.95) if latencies else float("nan")
    return LoadResult(len(latencies), len(errors), seconds, p50, p95, "httpx", errors[:10])


def _load_with_wrk(
    base_url: str, paths: Sequence[str], connections: int, duration_s: float,
    requests_per_connection: int,
) -> LoadResult:  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as path_file:
        # wrk sends the path as it is: non-ASCII letters must be percent-encoded first.
        path_file.write("".join(f"{quote(path, safe='/?&=%+')}\n" for path in paths))
        path_file.flush()
        completed = subprocess.run(
            [shutil.which("wrk") or "wrk", "--threads", "1", "--connections", str(connections),
             "--duration", f"{max(1, round(duration_s))}s", "--timeout", "10s",
             "--script", str(WRK_SCRIPT), base_url],
            env={**os.environ, "POLKU_WRK_PATHS": path_file.name,
                 "POLKU_WRK_REQUESTS_PER_CONNECTION": str(requests_per_connection)},
            capture_output=True, text=True, timeout=duration_s + 60, check=True,
        )  # fmt: skip
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    errors = figures["status_errors"] + figures["socket_errors"]
    samples = [f"{figures['status_errors']} HTTP errors"] if figures["status_errors"] else []
    if figures["socket_errors"]:
        samples.append(f"{figures['socket_errors']} connect/read/write/timeout errors")
    return LoadResult(
        figures["requests"] - figures["status_errors"], errors, figures["seconds"],
        figures["p50_ms"], figures["p95_ms"], "wrk", samples,
    )  # fmt: skip


def run_load(
    base_url: str, paths: Sequence[str], connections: int, duration_s: float, seed: int = 1,
    requests_per_connection: int = 20, generator: str | None = None,
) -> LoadResult:  # fmt: skip
    """Keep `connections` requests in flight for `duration_s` seconds; successes are timed."""
    generator = generator or default_generator()
    if generator == "wrk":
        return _load_with_wrk(base_url, paths, connections, duration_s, requests_per_connection)
    load = _load(base_url, paths, connections, duration_s, seed, requests_per_connection)
    try:
        import uvloop  # from uvicorn[standard]; a cheaper event loop leaves more CPU to servers
    except ImportError:  # pragma: no cover – uvicorn[standard] is a dependency
        return asyncio.run(load)
    return uvloop.run(load)


# --- memory of server processes -------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command may contain spaces and brackets: the ppid follows the last ')'.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _rss_kib(pid: int) -> int:
    """Resident set size; see also _anon_kib."""
    return _status_kib(pid, "VmRSS:")


def _anon_kib(pid: int) -> int:
    """The anonymous part of the RSS: heap, not file pages (Whoosh reads its files mapped)."""
    return _status_kib(pid, "RssAnon:")


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def worker_pids(server_pid: int) -> list[int]:
    """uvicorn's worker processes; with one worker the server process itself serves."""
    workers = []
    for child in _children(server_pid):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"resource_tracker" not in command:  # multiprocessing's helper, not a worker
                workers.append(child)
    return workers or [server_pid]


class RssSampler:
    """Samples the RSS of each worker process every `interval_s` in a background thread."""

    def __init__(self, server_pid: int, interval_s: float = 2.0) -> None:
        self.server_pid = server_pid
        self.interval_s = interval_s
        # (seconds, pid -> RSS KiB, pid -> anonymous RSS KiB)
        self.samples: list[tuple[float, dict[int, int], dict[int, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            rss, anon = {}, {}
            for pid in worker_pids(self.server_pid):
                with contextlib.suppress(OSError):
                    rss[pid], anon[pid] = _rss_kib(pid), _anon_kib(pid)
            self.samples.append((time.monotonic() - started, rss, anon))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


# --- the mixed workload --------------------------------------------------------------------

PATHWAY_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=daily-activity&support=mental-health&municipality=179"
)


def mixed_paths(provider_ids: Sequence[int], seed: int = 3) -> list[str]:
    """Pages, searches, API calls and questionnaire steps in the proportions of a visit."""
    rng = random.Random(seed)
    pages = ["/", "/palvelut", "/palvelut/kuntouttava-tyotoiminta", "/alueet", "/alueet/13",
             "/saavutettavuus", "/en/services", "/sv/tjanster"]  # fmt: skip
    searches = ["/palveluntuottajat", "/palveluntuottajat?q=kierrätyksessä&region=13",
                "/palveluntuottajat?q=puutöitä", "/palveluntuottajat?region=06&sort=name",
                "/palveluntuottajat?q=Jyväskylässä&activity=kahvila",
                "/palveluntuottajat?q=nuorille&page=2"]  # fmt: skip
    api = ["/api/v1/providers?q=kierrätys&region=10", "/api/v1/regions", "/api/v1/services",
           "/api/v1/providers?service=sosiaalinen-kuntoutus&per_page=50",
           f"/api/v1/pathway?{PATHWAY_ANSWERS}"]  # fmt: skip
    questionnaire = ["/polku", "/polku/kysymys/age", "/polku/kysymys/situation?age=30-64",
                     f"/polku/tarkista?{PATHWAY_ANSWERS}",
                     f"/polku/tulos?{PATHWAY_ANSWERS}"]  # fmt: skip
    paths = pages + searches * 2 + api * 2 + questionnaire
    paths += [f"/palveluntuottajat/{rng.choice(provider_ids)}" for _ in range(10)]
    paths += [f"/api/v1/providers/{rng.choice(provider_ids)}" for _ in range(5)]
    rng.shuffle(paths)
    return paths


def main() -> int:
    from sqlalchemy import select
    from sqlmodel import col

    from app.db import make_engine
    from app.models import Provider
    from bench import compare

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--generator", choices=GENERATORS, default=default_generator())
    parser.add_argument("--database", choices=["SQLite", "PostgreSQL"], default="PostgreSQL")
    parser.add_argument("--work-dir", type=Path, default=compare.DEFAULT_WORK_DIR)
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    site = compare.build_polku_site(args.size, args.work_dir)
    engine = make_engine(f"sqlite:///{site.sqlite_path}")
    with engine.connect() as connection:
        rows = connection.execute(select(col(Provider.id)))
        ids = [
            provider_id for (provider_id,) in rows if provider_id is not None
        ]  # keys: never None
    engine.dispose()
    paths = mixed_paths(ids)
    with contextlib.ExitStack() as stack:
        url = (
            f"sqlite:///{site.sqlite_path}"
            if args.database == "SQLite"
            else stack.enter_context(compare.postgres_copy(site, args.work_dir))
        )
        server = stack.enter_context(compare.polku_server(site, url, args.workers))
        run_load(server.base_url, paths, args.connections, 5.0, generator=args.generator)
        with RssSampler(server.process.pid) as sampler:
            result = run_load(
                server.base_url, paths, args.connections, args.duration, generator=args.generator
            )
    print(f"\nMixed workload, {len(paths)} distinct paths, {args.workers} workers on "
          f"{args.database}, {args.size} providers, {args.connections} connections, "
          f"{args.duration:.0f} s:\n  {result.summary()}")  # fmt: skip
    for sample in result.error_samples:
        print(f"  error: {sample}")
    print("RSS of the worker processes over time, MiB (anonymous part in brackets):")
    shown = [*sampler.samples[:: max(1, len(sampler.samples) // 12)], sampler.samples[-1]]
    for seconds, rss, anon in shown:
        values = "  ".join(f"{rss[pid] / 1024:7.1f} ({anon[pid] / 1024:6.1f})" for pid in rss)
        print(f"  {seconds:5.1f} s  {values}")
    first, last = sampler.samples[0], sampler.samples[-1]
    growth = [
        f"{(last[1].get(pid, 0) - first[1][pid]) / 1024:+.1f} "
        f"({(last[2].get(pid, 0) - first[2][pid]) / 1024:+.1f})"
        for pid in first[1]
    ]
    print(f"Growth from first to last sample, MiB (anonymous): {', '.join(growth)}")
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
