"""A national catalogue on PostgreSQL: downloads, admin home, cold start, search under edits.

SYNTHETIC providers only (bench/synthetic.py), in a schema of TEST_DATABASE_URL that is
kept between runs (building 100 000 providers and their index takes minutes):

    .venv/bin/python bench/catalogue_scale.py prepare --size 100000
    .venv/bin/python bench/catalogue_scale.py downloads --size 100000
    .venv/bin/python bench/catalogue_scale.py cold-start --size 100000
    .venv/bin/python bench/catalogue_scale.py edits --size 100000 [--window 15] [--rounds 3]
    .venv/bin/python bench/catalogue_scale.py drop --size 100000

`downloads` runs each request in a fresh process with a real uvicorn server and a client
that throws the bytes away, and reports the time and the peak memory the request added
(Linux: VmHWM after resetting it through /proc/self/clear_refs). `/hsds/datapackage.zip` is
written into the site's `VAR_DIR/cache` by its first request and sent from there after
that: remove that folder to measure the build again. `cold-start` times
`python -m app serve` from its start until it answers a search. `edits` measures search
throughput against one node, alternating windows without edits and with one edit a second
(the node's index keeper applies them), and prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.catalogue import journal  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.models import Provider  # noqa: E402
from app.site_setup import reindex_site  # noqa: E402
from bench.compare import load_catalogue  # noqa: E402
from bench.search_bench import QUERY_MIX, free_port  # noqa: E402

DOWNLOADS = (
    "/palveluntuottajat.csv",
    "/palveluntuottajat.json",
    "/hsds/export.json",
    "/hsds/datapackage.zip",
)


def _schema(size: int) -> str:
    return f"bench_scale_{size}"


def _site(size: int) -> tuple[Settings, Path]:
    base = os.environ["TEST_DATABASE_URL"]
    var_dir = Path(f"/tmp/polku-scale-{size}")  # noqa: S108 – a benchmark's scratch folder
    url = f"{base}?options=-csearch_path%3D{_schema(size)}"
    return Settings(var_dir=var_dir, database_url=url), var_dir


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "VAR_DIR": str(settings.var_dir),
            "DATABASE_URL": settings.database_url}  # fmt: skip


def prepare(size: int) -> None:
    """Create the schema, load the bundled data and `size` synthetic providers, index."""
    settings, var_dir = _site(size)
    engine = make_engine(os.environ["TEST_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {_schema(size)} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {_schema(size)}"))
    engine.dispose()
    started = time.perf_counter()
    load_catalogue(settings, size)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    reindex_site(settings)
    indexed = time.perf_counter() - started
    print(f"loaded {size} providers in {loaded:.0f} s, full index in {indexed:.0f} s "
          f"({var_dir})")  # fmt: skip


def drop(size: int) -> None:
    """Remove the schema and the folder."""
    import shutil

    _, var_dir = _site(size)
    engine = make_engine(os.environ["TEST_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {_schema(size)} CASCADE"))
    engine.dispose()
    shutil.rmtree(var_dir, ignore_errors=True)


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


MEMORY_CAP_BYTES = 8 << 30  # a download that needs more fails here instead of the machine


def measure_one(size: int, path: str) -> dict[str, float]:
    """(In a child process.) Serve the app in a thread, fetch `path`, report time and memory."""
    import resource

    import uvicorn

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))

    from app.web.main import create_app

    settings, _ = _site(size)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=600) as client:
        client.get(f"{url}/palveluntuottajat", params={"q": "kahvila"}).raise_for_status()
        _reset_peak_rss()
        before = _peak_rss_mb()
        started = time.perf_counter()
        first_byte = None
        received = 0
        plain = {"Accept-Encoding": "identity"}  # the size of the text, not of its gzip
        with client.stream("GET", f"{url}{path}", headers=plain) as response:
            status = response.status_code
            for chunk in response.iter_raw():
                first_byte = first_byte or time.perf_counter()
                received += len(chunk)
        seconds = time.perf_counter() - started
    peak = _peak_rss_mb()
    server.should_exit = True
    thread.join(timeout=30)
    return {
        "status": status, "seconds": seconds, "first_byte_s": (first_byte or 0) - started,
        "megabytes": received / 1e6, "rss_before_mb": before, "peak_added_mb": peak - before,
    }  # fmt: skip


def measure_admin_home(size: int) -> dict[str, float]:
    """(In a child process.) The admin home's list for an admin (every region), page 1."""
    import datetime as dt

    from app.catalogue import maintenance

    settings, _ = _site(size)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        maintenance.review_list(session=session, regions={"01"}, today=dt.date.today())
        _reset_peak_rss()
        before = _peak_rss_mb()
        started = time.perf_counter()
        review = maintenance.review_list(session=session, regions=None, today=dt.date.today())
        seconds = time.perf_counter() - started
    engine.dispose()
    return {"status": 200, "seconds": seconds, "entries": review.total,
            "rss_before_mb": before, "peak_added_mb": _peak_rss_mb() - before}  # fmt: skip


def downloads(size: int, only: list[str]) -> None:
    """Each download and the admin home in a fresh process; a table."""
    print(f"\n{size} synthetic providers on PostgreSQL, {os.cpu_count()} cores (busy machine)")
    print("| request | status | time | first byte | size | peak memory added |")
    print("|---|---|---|---|---|---|")
    for path in only or (*DOWNLOADS, "admin-home"):
        result = subprocess.run(
            [sys.executable, __file__, "measure", "--size", str(size), "--path", path],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["?"])[-1][:80]
            print(f"| {path} | failed: {reason} | | | | |")
            continue
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        shown = "admin home list (all regions, page 1)" if path == "admin-home" else path
        size_text = f"{figures['megabytes']:.1f} MB" if "megabytes" in figures else ""
        first = f"{figures['first_byte_s']:.2f} s" if "first_byte_s" in figures else ""
        print(f"| {shown} | {figures['status']:.0f} | {figures['seconds']:.2f} s | {first} | "
              f"{size_text} | {figures['peak_added_mb']:.0f} MB |")  # fmt: skip


def _wait_for_search(url: str, process: subprocess.Popen[bytes], started: float) -> float:
    while True:
        if process.poll() is not None:
            raise RuntimeError("serve stopped")
        try:
            response = httpx.get(f"{url}/api/v1/providers", params={"q": "kahvila"}, timeout=5)
            if response.status_code == 200 and response.json()["total"] > 0:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)


def _serve(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT, env=_env(settings), stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip


def cold_start(size: int, runs: int) -> None:
    """From `python -m app serve` to the first answered search, with a current index."""
    settings, var_dir = _site(size)
    timings = []
    for _ in range(runs):
        port = free_port()
        started = time.perf_counter()
        process = _serve(settings, port, var_dir / "cold-start.log")
        try:
            timings.append(_wait_for_search(f"http://127.0.0.1:{port}", process, started))
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"\ncold start, {size} providers, current index: "
          + ", ".join(f"{t:.2f} s" for t in timings)
          + f" (median {statistics.median(timings):.2f} s)")  # fmt: skip


def _load(
    url: str, stop: threading.Event, counts: list[int], clients: int,
    failures: Counter[str] | None = None,
) -> None:  # fmt: skip
    def one(slot: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for params in cycle(QUERY_MIX[slot:] + QUERY_MIX[:slot]):
                if stop.is_set():
                    return
                try:
                    status = client.get("/api/v1/providers", params=params).status_code
                except httpx.HTTPError as error:  # no answer; the client goes on
                    if failures is not None:
                        failures[type(error).__name__] += 1
                    continue
                if status == 200:
                    counts[slot] += 1
                elif failures is not None:
                    failures[str(status)] += 1

    threads = [threading.Thread(target=one, args=(slot,)) for slot in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _edit_every_second(
    settings: Settings, stop: threading.Event, made: list[tuple[int, float]]
) -> None:
    """A committed status change a second; each edit's catalogue revision and commit time."""
    engine = make_engine(settings.database_url)
    rng = random.Random(3)
    with Session(engine) as session:
        ids = [pk for pk in session.exec(select(Provider.id)).all() if pk is not None]
        next_at = time.monotonic()
        while not stop.is_set():
            provider = session.get(Provider, rng.choice(ids))
            if provider is None:
                continue
            provider.status = "verify" if provider.status == "current" else "current"
            session.add(provider)
            session.commit()
            made.append((journal.catalogue_revision(session=session), time.monotonic()))
            next_at += 1.0
            stop.wait(max(0.0, next_at - time.monotonic()))
    engine.dispose()


def _watch_index(url: str, stop: threading.Event, seen: list[tuple[float, int]]) -> None:
    """The node's index revision (from /healthz) five times a second."""
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            try:
                revision = client.get("/healthz").json().get("index_revision")
            except (httpx.HTTPError, ValueError):
                revision = None
            if isinstance(revision, int):
                seen.append((time.monotonic(), revision))
            stop.wait(0.2)


def _edit_to_searchable(
    made: list[tuple[int, float]], seen: list[tuple[float, int]]
) -> list[float]:
    """Seconds from each edit's commit until the node's index held it (as /healthz saw it)."""
    delays = []
    for revision, committed in made:
        held = next((at for at, index_revision in seen if index_revision >= revision), None)
        if held is not None:
            delays.append(max(held - committed, 0.0))
    return delays


def edits(size: int, window: float, rounds: int, clients: int) -> None:
    """Search throughput in alternating windows: no edits, then one edit a second."""
    settings, var_dir = _site(size)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _serve(settings, port, var_dir / "edits.log")
    try:
        _wait_for_search(url, process, time.perf_counter())
        _run_window(url, 5, clients, settings, with_edits=False)  # warm-up, not counted
        quiet, busy, delays = [], [], []
        failures: dict[str, Counter[str]] = {"no edits": Counter(), "1 edit/s": Counter()}
        for _ in range(rounds):
            quiet.append(_run_window(url, window, clients, settings, with_edits=False,
                                     failures=failures["no edits"])[0])  # fmt: skip
            rate, delayed = _run_window(url, window, clients, settings, with_edits=True,
                                        failures=failures["1 edit/s"])  # fmt: skip
            busy.append(rate)
            delays += delayed
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"\nsearch throughput, {size} providers, 1 worker + index keeper, {clients} clients, "
          f"{window:.0f} s windows alternating")  # fmt: skip
    print("| windows | req/s each | mean |\n|---|---|---|")
    for name, values in (("no edits", quiet), ("1 edit/s", busy)):
        listed = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {name} | {listed} | {statistics.mean(values):.1f} |")
    print(f"1 edit/s keeps {statistics.mean(busy) / statistics.mean(quiet):.0%} of the throughput")
    if delays:
        ordered = sorted(delays)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        median = statistics.median(delays)
        print(f"edit to searchable on this node, {len(delays)} edits: median {median:.2f} s, "
              f"p95 {p95:.2f} s, max {ordered[-1]:.2f} s")  # fmt: skip
    for name, counted in failures.items():
        listed = ", ".join(f"{count} × {what}" for what, count in sorted(counted.items()))
        print(f"answers other than 200, {name}: {listed or 'none'}")


def _run_window(url: str, seconds: float, clients: int, settings: Settings, *,
                with_edits: bool, failures: Counter[str] | None = None,
                ) -> tuple[float, list[float]]:  # fmt: skip
    """Requests a second in the window, and (with edits) each edit's delay until indexed.

    The node's /healthz is read five times a second in every window, edits or not, so that
    both kinds of window carry the same extra load."""
    stop = threading.Event()
    counts = [0] * clients
    made: list[tuple[int, float]] = []
    seen: list[tuple[float, int]] = []
    editor = threading.Thread(target=_edit_every_second, args=(settings, stop, made))
    watcher = threading.Thread(target=_watch_index, args=(url, stop, seen))
    if with_edits:
        editor.start()
    watcher.start()
    loader = threading.Thread(target=_load, args=(url, stop, counts, clients, failures))
    started = time.perf_counter()
    loader.start()
    time.sleep(seconds)
    stop.set()
    loader.join()
    elapsed = time.perf_counter() - started
    if with_edits:
        editor.join()
    # edits of the window's last seconds: watch until the index holds them
    until = time.monotonic() + 10
    while made and time.monotonic() < until and (not seen or seen[-1][1] < made[-1][0]):
        _watch_once(url, seen)
        time.sleep(0.2)
    watcher.join()
    return sum(counts) / elapsed, _edit_to_searchable(made, seen)


def _watch_once(url: str, seen: list[tuple[float, int]]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        revision = client.get("/healthz").json().get("index_revision")
    if isinstance(revision, int):
        seen.append((time.monotonic(), revision))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["prepare", "downloads", "cold-start", "edits",
                                            "drop", "measure"])  # fmt: skip
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--path", default="")
    parser.add_argument("--only", action="append", default=[], help="downloads: these paths")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.size)
    elif args.command == "drop":
        drop(args.size)
    elif args.command == "downloads":
        downloads(args.size, args.only)
    elif args.command == "measure":
        if args.path == "admin-home":
            figures = measure_admin_home(args.size)
        else:
            figures = measure_one(args.size, args.path)
        print(json.dumps(figures))
    elif args.command == "cold-start":
        cold_start(args.size, args.runs)
    else:
        edits(args.size, args.window, args.rounds, args.clients)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
