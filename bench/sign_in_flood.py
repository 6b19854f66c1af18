"""Anonymous sign-in flood (review findings RE-01, RE-02): worker memory and public pages.

160 sign-ins with unknown usernames from 80 parallel clients, each from an address of its
own (X-Forwarded-For from the trusted loopback proxy, so the per-address throttle does not
stop them early), against `serve --workers 2` on SQLite; meanwhile a public provider page
is requested again and again. Reports the workers' largest RSS growth (sampled every
50 ms) and the public page's p50/p95, and the sign-in answers by status:

    .venv/bin/python bench/sign_in_flood.py

The site is the bundled catalogue (`python -m app init`): the cost measured is the
sign-in's, which does not depend on the catalogue's size.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import compare  # noqa: E402
from bench.load import RssSampler  # noqa: E402
from bench.search_bench import percentile  # noqa: E402

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


async def _sign_in(transport: httpx.AsyncHTTPTransport, base_url: str, number: int) -> int:
    """One browser: its own cookie jar, since the form's token is bound to its pre-session
    cookie (CS-04). The connections are shared: a client of its own each would build an
    SSL context each, which stalls this process's event loop for seconds on a busy machine."""
    headers = {"X-Forwarded-For": f"10.{number // 250}.{number % 250}.7"}
    client = httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=60, transport=transport, trust_env=False
    )  # not closed: that would close the shared transport
    page = await client.get("/admin/login")
    token = TOKEN.search(page.text)
    fields = {"username": f"flood{number}", "password": f"guess {number} " * 3,
              "form_token": token.group(1) if token else ""}  # fmt: skip
    response = await client.post("/admin/login", data=fields)
    return response.status_code


async def _flood(base_url: str, total: int, parallel: int) -> collections.Counter[int]:
    gate = asyncio.Semaphore(parallel)
    limits = httpx.Limits(max_connections=parallel, max_keepalive_connections=parallel)
    transport = httpx.AsyncHTTPTransport(limits=limits)

    async def one(number: int) -> int:
        async with gate:
            try:
                return await _sign_in(transport, base_url, number)
            except httpx.TransportError:  # counted as status 0: the connection broke
                return 0

    statuses = await asyncio.gather(*(one(n) for n in range(total)))
    await transport.aclose()
    return collections.Counter(statuses)


class PublicSampler(threading.Thread):
    """Requests the public page again and again from a thread of its own (not the flood's
    event loop): (seconds since the start, latency in ms) of each 200, and every status."""

    def __init__(self, base_url: str, path: str) -> None:
        super().__init__(daemon=True)
        self.base_url, self.path = base_url, path
        self.latencies: list[tuple[float, float]] = []
        self.statuses: collections.Counter[int] = collections.Counter()
        self.done = threading.Event()

    def run(self) -> None:
        began = time.perf_counter()
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            while not self.done.is_set():
                started = time.perf_counter()
                try:
                    status = client.get(self.path).status_code
                except httpx.TransportError:
                    status = 0
                self.statuses[status] += 1
                if status == 200:
                    elapsed = (time.perf_counter() - started) * 1000
                    self.latencies.append((started - began, elapsed))
                self.done.wait(0.02)


async def _warm(base_url: str, path: str) -> None:
    """Requests on fresh connections in parallel, so that every worker has loaded its
    catalogue and opened the index before the measurement (not only the first one)."""

    async def one() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
            await client.get(path)
            await client.get("/admin/login")

    for _ in range(3):
        await asyncio.gather(*(one() for _ in range(8)))


def _run(
    base_url: str, path: str, total: int, parallel: int
) -> tuple[collections.Counter[int], PublicSampler]:
    sampler = PublicSampler(base_url, path)
    sampler.start()
    try:
        statuses = asyncio.run(_flood(base_url, total, parallel))
    finally:
        sampler.done.set()
        sampler.join(timeout=70)
    return statuses, sampler


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--total", type=int, default=160)
    parser.add_argument("--parallel", type=int, default=80)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--baseline-s", type=float, default=15,
        help="first sample the public page this long without a flood (the machine's own load)",
    )  # fmt: skip
    parser.add_argument("--work-dir", type=Path, default=compare.DEFAULT_WORK_DIR)
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    var_dir = args.work_dir / "sign-in-flood"
    if not (var_dir / "polku.sqlite3").exists():
        environment = {**os.environ, "VAR_DIR": str(var_dir), "DATABASE_URL": ""}
        subprocess.run([sys.executable, "-m", "app", "init"], cwd=ROOT, env=environment, check=True)
    site = compare.PolkuSite(size=0, var_dir=var_dir, digest="", index_build_s=0)
    url = f"sqlite:///{site.sqlite_path}"
    with compare.polku_server(site, url, args.workers) as server:
        path = "/palveluntuottajat/1"
        asyncio.run(_warm(server.base_url, path))
        baseline = PublicSampler(server.base_url, path)
        baseline.start()
        time.sleep(args.baseline_s)
        baseline.done.set()
        baseline.join(timeout=70)
        with RssSampler(server.process.pid, interval_s=0.05) as sampler:
            time.sleep(0.5)
            statuses, public = _run(server.base_url, path, args.total, args.parallel)
    first = sampler.samples[0][1]
    growth = {
        pid: max(sample[1].get(pid, 0) for sample in sampler.samples) - rss
        for pid, rss in first.items()
    }
    print(f"{args.total} anonymous sign-ins from {args.parallel} parallel clients, "
          f"{args.workers} workers on SQLite, the bundled catalogue:")  # fmt: skip
    print(f"  sign-in answers: {dict(sorted(statuses.items()))}")
    print("  largest worker RSS growth, MiB: "
          + ", ".join(f"{kib / 1024:+.1f}" for kib in growth.values()))  # fmt: skip
    latencies = public.latencies
    times = [latency for _, latency in latencies]
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    print(f"  public page during the flood: {dict(sorted(public.statuses.items()))}; "
          f"the {len(times)} answered 200: p50 {p50:.1f} ms, p95 {p95:.1f} ms")  # fmt: skip
    quiet = [latency for _, latency in baseline.latencies]
    print(f"  public page before the flood ({args.baseline_s:.0f} s, the machine's own load): "
          f"{dict(sorted(baseline.statuses.items()))}; p50 {percentile(quiet, 0.5):.1f} ms, "
          f"p95 {percentile(quiet, 0.95):.1f} ms")  # fmt: skip
    slowest = sorted(latencies, key=lambda item: -item[1])[:3]
    print("  slowest (s into the flood: ms): "
          + ", ".join(f"{at:.1f}: {ms:.0f}" for at, ms in slowest))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
