"""Search benchmark: index build time, p50/p95 latency of the search page and the API, and
the gzip weight of the search page with its CSS and JS, at 10 000 and 100 000 SYNTHETIC
providers. Loopback only, bounded in time. Prints a table.

    .venv/bin/python bench/search_bench.py [--sizes 10000 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.site_setup import initialise_site, reindex_site  # noqa: E402
from bench.synthetic import add_synthetic_providers  # noqa: E402

QUERY_MIX = [
    {"q": "kierrätys", "region": "15"},
    {"q": "puutöitä"},
    {"q": "työpaja Tampere"},
    {"service": "kuntouttava-tyotoiminta", "region": "10"},
    {"q": "verhoomo", "sort": "name"},
    {"q": "nuoret", "activity": "keittio"},
    {"region": "90", "sort": "municipality"},
    {"q": "Jyväskylässä kahvila"},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(client: httpx.Client, seconds: float) -> None:
    """Wait until the server answers /healthz; raise its last error after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.get("/healthz").raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    timings = []
    for number in range(requests):
        params = QUERY_MIX[number % len(QUERY_MIX)]
        started = time.perf_counter()
        response = client.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return statistics.median(timings), percentile(timings, 0.95)


def page_weight(client: httpx.Client) -> int:
    html = client.get("/palveluntuottajat", params={"q": "kierrätys"}).text
    total = len(gzip.compress(html.encode()))
    for static in ("css/polku.css", "js/htmx.min.js"):
        total += len(gzip.compress((ROOT / "static" / static).read_bytes()))
    return total


def run(size: int, requests: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"polku-bench-{size}-") as var_dir:
        settings = Settings(var_dir=Path(var_dir))
        initialise_site(settings)
        engine = make_engine(settings.database_url)
        with Session(engine) as session:
            add_synthetic_providers(session, size)
        engine.dispose()
        started = time.perf_counter()
        reindex_site(settings)
        build_s = time.perf_counter() - started
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "1"],
            cwd=ROOT, env={**os.environ, "VAR_DIR": var_dir},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                wait_until_healthy(client, 30)
                measure(client, "/api/v1/providers", len(QUERY_MIX))  # warm caches
                api = measure(client, "/api/v1/providers", requests)
                page = measure(client, "/palveluntuottajat", requests)
                weight = page_weight(client)
        finally:
            server.terminate()
            server.wait(timeout=20)
    return {"size": size, "build_s": build_s, "api_p50": api[0], "api_p95": api[1],
            "page_p50": page[0], "page_p95": page[1], "weight_kb": weight / 1024}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rows = [run(size, args.requests) for size in args.sizes]
    print(f"\n{'providers':>10} {'build s':>8} {'API p50':>8} {'API p95':>8} "
          f"{'page p50':>9} {'page p95':>9} {'page+css+js gzip':>17}")  # fmt: skip
    for row in rows:
        api = f"{row['api_p50']:>6.1f}ms {row['api_p95']:>6.1f}ms"
        page = f"{row['page_p50']:>7.1f}ms {row['page_p95']:>7.1f}ms"
        print(f"{row['size']:>10} {row['build_s']:>8.1f} {api} {page} {row['weight_kb']:>14.1f} kB")
    print("Targets: API p95 < 20 ms at 10 000 providers; search page < 30 kB gzip with CSS and JS.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
