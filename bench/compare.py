"""Polku side by side with Datasette on the same SYNTHETIC catalogue. Run on demand, not a test.

For every size: build Polku's site once on SQLite (bundled data + N synthetic providers +
search index), load the identical rows into PostgreSQL, export the same rows to a SQLite
file that Datasette serves with full-text search, then measure in one run, alternating
Polku and Datasette (A B A B …):

- requests/s and p50/p95 latency of a search with a region filter (JSON API and HTML page),
  from an asyncio + httpx load generator with N connections for a fixed time (bench/load.py);
- bytes of the search page: HTML + the CSS and JS it links, as served and gzip -6;
- recall and precision on inflected Finnish queries against a ground truth from the
  generator's known attributes (bench/recall.py).

Polku runs on SQLite and PostgreSQL with 1 and 2 uvicorn workers. Loopback only; every
server and load run is bounded in time. Built sites are kept in --work-dir and reused.

    .venv/bin/python bench/compare.py                       # 10 000 providers
    .venv/bin/python bench/compare.py --sizes 10000 100000 --duration 10 --rounds 2
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db import make_engine, migrate  # noqa: E402
from app.models import (  # noqa: E402
    Provider,
    ProviderActivity,
    ProviderService,
    ProviderTargetGroup,
)
from app.site_setup import initialise_site, reindex_site  # noqa: E402
from bench import datasette_peer, recall  # noqa: E402
from bench.load import GENERATORS, LoadResult, default_generator, run_load  # noqa: E402
from bench.search_bench import free_port  # noqa: E402
from bench.synthetic import add_synthetic_providers  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "polku_bench"  # our own database; created and dropped here, never `test`
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"
SERVER_START_TIMEOUT_S = 120
# Built sites are kept between runs: the 100 000 index takes minutes to build.
DEFAULT_WORK_DIR = Path(tempfile.gettempdir()) / "polku-compare"


# --- building the sites -------------------------------------------------------------------


@dataclass
class PolkuSite:
    """A built Polku site: its var folder (SQLite file, index) and the data's digest."""

    size: int
    var_dir: Path
    digest: str
    index_build_s: float

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / "polku.sqlite3"


def catalogue_digest(database_url: str) -> str:
    """A hash of every provider row (but its timestamp) and its codes, in id order.

    Equal digests mean SQLite and PostgreSQL hold the same catalogue, so the PostgreSQL
    server can use the index built from SQLite instead of spending minutes rebuilding it.
    """
    engine = make_engine(database_url)
    digest = hashlib.sha256()
    columns = [c for c in Provider.__table__.columns if c.name != "updated_at"]  # type: ignore[attr-defined]
    try:
        with engine.connect() as connection:
            for row in connection.execute(select(*columns).order_by(col(Provider.id))):
                digest.update(repr(tuple(row)).encode())
            for table in (ProviderService, ProviderActivity, ProviderTargetGroup):
                provider_id, code = col(table.provider_id), col(table.code)
                ordered = select(provider_id, code).order_by(provider_id, code)
                for row in connection.execute(ordered):
                    digest.update(repr(tuple(row)).encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


def load_catalogue(settings: Settings, size: int) -> None:
    """Migrate, load the bundled data and then `size` synthetic providers."""
    initialise_site(settings)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            add_synthetic_providers(session, size)
    finally:
        engine.dispose()


def build_polku_site(size: int, work_dir: Path) -> PolkuSite:
    """Build (or reuse) the SQLite site for `size` providers; the index takes the time."""
    site_dir = work_dir / f"polku-{size}"
    marker = site_dir / "site.json"
    if marker.exists():
        saved = json.loads(marker.read_text())
        # The code may have moved on since the build (a new column, say): migrate, and
        # reuse the site only when its rows are still what they were when it was indexed.
        database_url = f"sqlite:///{site_dir / 'var' / 'polku.sqlite3'}"
        migrate(database_url)
        try:
            digest = catalogue_digest(database_url)
        except OperationalError:  # the model has a column the old file lacks
            digest = ""
        if digest == saved.get("digest"):
            print(f"• reusing the built site in {site_dir}", file=sys.stderr)
            return PolkuSite(size, site_dir / "var", digest, saved["index_build_s"])
        print(f"• the built site in {site_dir} is out of date", file=sys.stderr)
    shutil.rmtree(site_dir, ignore_errors=True)
    var_dir = site_dir / "var"
    settings = Settings(var_dir=var_dir, database_url="", index_dir=None)
    print(f"• building Polku with {size} synthetic providers in {site_dir}", file=sys.stderr)
    load_catalogue(settings, size)
    started = time.perf_counter()
    reindex_site(settings)
    build_s = time.perf_counter() - started
    digest = catalogue_digest(settings.database_url)
    marker.write_text(json.dumps({"digest": digest, "index_build_s": build_s}))
    print(f"  index built in {build_s:.1f} s", file=sys.stderr)
    return PolkuSite(size, var_dir, digest, build_s)


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as connection:
        connection.execute(statement)


@contextlib.contextmanager
def postgres_copy(site: PolkuSite, work_dir: Path) -> Iterator[str]:
    """Our own PostgreSQL database with the same catalogue as `site`; dropped afterwards."""
    _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
    try:
        # The small index that `init` builds goes to a scratch folder: the server reads
        # the SQLite site's index, which is valid because the rows are identical.
        scratch = work_dir / "pg-scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        settings = Settings(var_dir=scratch, database_url=PG_URL, index_dir=scratch / "index")
        print(f"• loading the same {site.size} providers into PostgreSQL", file=sys.stderr)
        load_catalogue(settings, site.size)
        if catalogue_digest(PG_URL) != site.digest:
            raise RuntimeError("PostgreSQL and SQLite catalogues differ; cannot share the index")
        yield PG_URL
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


# --- servers ---------------------------------------------------------------------------------


class HttpServer(Protocol):
    """What a load run needs of a server (Polku's or the peer's): where it answers."""

    @property
    def base_url(self) -> str: ...


@dataclass
class Server:
    """A server process on a loopback port."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]


def wait_until_up(base_url: str, path: str, deadline_s: float = SERVER_START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + deadline_s
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while True:
            try:
                client.get(path).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


@contextlib.contextmanager
def polku_server(site: PolkuSite, database_url: str, workers: int) -> Iterator[Server]:
    """`python -m app serve --workers N` on the built site; stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(site.var_dir),
        "INDEX_DIR": str(site.index_dir),
        "DATABASE_URL": database_url,
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url, "/healthz")
        yield Server(f"Polku {workers}w", base_url, process)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn stops its workers), then SIGKILL if it hangs."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- one measured configuration ----------------------------------------------------------


@dataclass
class Row:
    """The figures of one system at one size (one line of the table)."""

    system: str
    size: int
    database: str
    workers: int | str
    loads: dict[str, list[LoadResult]] = field(default_factory=dict)
    # Datasette's runs that alternated with this row's: the ratio compares runs made in
    # the same minutes, which matters on a machine whose load changes.
    paired: dict[str, list[LoadResult]] = field(default_factory=dict)
    weight: datasette_peer.PageWeight | None = None
    scores: recall.Scores | None = None

    def median(self, endpoint: str, attribute: str, *, paired: bool = False) -> float:
        runs = (self.paired if paired else self.loads)[endpoint]
        values: list[float] = [getattr(run, attribute) for run in runs]
        return statistics.median(values)

    def errors(self) -> int:
        return sum(run.errors for runs in self.loads.values() for run in runs)


def alternate(
    polku: HttpServer, peer: HttpServer, polku_row: Row, peer_row: Row, args: argparse.Namespace,
    seed: int,
) -> None:  # fmt: skip
    """A B A B …: each round runs every endpoint on Polku, then on Datasette."""
    for endpoint in args.endpoints:
        polku_paths = recall.load_paths("polku", endpoint)
        peer_paths = recall.load_paths("datasette", endpoint)
        # A warm-up so that both serve from warm caches (SQLite pages, searchers, Polku's
        # pools of the 12 texts in every worker: at 100 000 providers they take 3 s).
        for server, paths in ((polku, polku_paths), (peer, peer_paths)):
            run_load(server.base_url, paths, args.connections, args.warm_up,
                     generator=args.generator)  # fmt: skip
        for number in range(args.rounds):
            pairs = ((polku, polku_paths, polku_row), (peer, peer_paths, peer_row))
            for server, paths, row in pairs:
                result = run_load(
                    server.base_url, paths, args.connections, args.duration,
                    seed=seed + number, generator=args.generator,
                )  # fmt: skip
                row.loads.setdefault(endpoint, []).append(result)
                if row is peer_row:
                    polku_row.paired.setdefault(endpoint, []).append(result)
                print(f"  {row.system:<10} {row.database:<10} {endpoint:<4} round {number + 1}: "
                      f"{result.summary()}", file=sys.stderr)  # fmt: skip


def measure_size(size: int, args: argparse.Namespace) -> list[Row]:
    site = build_polku_site(size, args.work_dir)
    peer_db = datasette_peer.export_catalogue(site.sqlite_path, args.work_dir / f"peer-{size}")
    truth = recall.ground_truth(site.sqlite_path)
    peer_row = Row("Datasette", size, "SQLite", "1 proc")
    rows: list[Row] = []
    with datasette_peer.serve(peer_db) as peer:
        peer_row.weight = datasette_peer.page_weight(peer.base_url, recall.page_path("datasette"))
        # Also Datasette's page as its users get it by default: 100 rows per page.
        default_page = recall.page_path("datasette").replace(f"&_size={recall.PAGE_SIZE}", "")
        peer_default_weight = datasette_peer.page_weight(peer.base_url, default_page)
        peer_row.scores = recall.evaluate("datasette", peer.base_url, truth)
        for database in args.databases:
            with contextlib.ExitStack() as stack:
                url = (
                    f"sqlite:///{site.sqlite_path}"
                    if database == "SQLite"
                    else stack.enter_context(postgres_copy(site, args.work_dir))
                )
                for workers in args.workers:
                    with polku_server(site, url, workers) as polku:
                        row = Row("Polku", size, database, workers)
                        row.weight = datasette_peer.page_weight(
                            polku.base_url, recall.page_path("polku")
                        )
                        row.scores = recall.evaluate("polku", polku.base_url, truth)
                        alternate(polku, peer, row, peer_row, args, seed=size + workers)
                        rows.append(row)
    rows.append(peer_row)
    print(f"\nDatasette's search page at its default 100 rows, {size} providers: "
          f"{peer_default_weight.served / 1024:.1f} kB as served, "
          f"{peer_default_weight.gzip / 1024:.1f} kB gzip", file=sys.stderr)  # fmt: skip
    return rows


# --- report ------------------------------------------------------------------------------------


def machine() -> str:
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs, {memory_kib / 1024**2:.0f} GiB RAM, "
        f"{platform.platform()}, Python {platform.python_version()}, "
        f"load average at the end {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}"
    )


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    peers = {row.size: row for row in rows if row.system == "Datasette"}
    head = "| system | providers | database | workers |"
    rule = "|---|---:|---|---:|"
    for endpoint in args.endpoints:
        head += f" {endpoint} req/s | {endpoint} p50 ms | {endpoint} p95 ms | {endpoint} × peer |"
        rule += "---:|---:|---:|---:|"
    head += " errors | page as served kB | page gzip kB | recall | precision |"
    rule += "---:|---:|---:|---:|---:|"
    print(f"\n{head}\n{rule}")
    for row in rows:
        peer = peers[row.size]
        cells = [row.system, f"{row.size:,}".replace(",", " "), row.database, str(row.workers)]
        for endpoint in args.endpoints:
            rps = row.median(endpoint, "requests_per_s")
            ratio = rps / row.median(endpoint, "requests_per_s", paired=True) if row.paired else 0
            cells += [
                f"{rps:.0f}", f"{row.median(endpoint, 'p50_ms'):.1f}",
                f"{row.median(endpoint, 'p95_ms'):.1f}",
                "–" if row is peer else f"{ratio:.1f}×",
            ]  # fmt: skip
        assert row.weight is not None and row.scores is not None  # noqa: S101 – set above
        cells += [
            str(row.errors()), f"{row.weight.served / 1024:.1f}", f"{row.weight.gzip / 1024:.1f}",
            f"{row.scores.recall:.2f}", f"{row.scores.precision:.2f}",
        ]  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    print("\nPer-query recall (Polku / Datasette):")
    for size, peer in peers.items():
        polku_row = next(row for row in rows if row.size == size and row.system == "Polku")
        assert polku_row.scores is not None and peer.scores is not None  # noqa: S101
        for query, (ours, theirs) in recall.per_query(polku_row.scores, peer.scores).items():
            print(f"  {size:>7} {query:<40} {ours:.2f} / {theirs:.2f}")
    for size, peer in peers.items():
        assert peer.weight is not None  # noqa: S101
        print(f"\nPage parts at {size} (bytes, gzip -6): Datasette {peer.weight.parts}")
        polku_row = next(row for row in rows if row.size == size and row.system == "Polku")
        assert polku_row.weight is not None  # noqa: S101
        print(f"Page parts at {size} (bytes, gzip -6): Polku {polku_row.weight.parts}")
    print(
        f"\nLoad: {args.generator}, {args.connections} connections, {args.duration:.0f} s per run, "
        f"{args.rounds} alternating rounds; medians of the rounds. × peer: against the "
        "median of the Datasette runs that alternated with that row."
    )
    print("Targets: ≥ 10× Datasette's req/s on the filtered search, ≤ 1/5 of its page weight "
          "(gzip), higher recall.")  # fmt: skip
    print(f"Machine: {machine()}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--databases", nargs="+", default=["SQLite", "PostgreSQL"],
                        choices=["SQLite", "PostgreSQL"])  # fmt: skip
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--endpoints", nargs="+", default=["api", "page"], choices=["api", "page"])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--generator", choices=GENERATORS, default=default_generator(),
                        help="load generator (default: wrk if installed)")  # fmt: skip
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    parser.add_argument(
        "--warm-up", type=float, default=5.0, help="seconds per system and endpoint"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs per system")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--build-only", action="store_true", help="only build the sites")
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        for size in args.sizes:
            build_polku_site(size, args.work_dir)
        return 0
    rows = [row for size in args.sizes for row in measure_size(size, args)]
    print_table(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
