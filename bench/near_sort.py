"""Cost of ordering search matches nearest-first ("near me"), at 10 000 and 100 000 matches.

The search sorts its filtered matches by distance after the requested order
(`app.geography.nearest_first`, keyed by each document's municipality). This times that step
alone over real municipality codes spread like a large catalogue (a tenth naming no
municipality), with the distances from one origin cached as in a running worker. Prints a
table; figures vary on a busy machine.

    .venv/bin/python bench/near_sort.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.geography import distances_from, municipality_centroids, nearest_first  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    codes = sorted(municipality_centroids())
    rng = random.Random(16)
    started = time.perf_counter()
    distances_from.cache_clear()
    distances_from("286")
    first_origin_ms = (time.perf_counter() - started) * 1000
    print(f"distances from one origin to {len(codes)} municipalities: {first_origin_ms:.2f} ms")
    print("matches  | p50 ms | p95 ms")
    for size in (10_000, 100_000):
        municipality = {d: (rng.choice(codes) if rng.random() > 0.1 else None) for d in range(size)}
        docnums = list(range(size))
        rng.shuffle(docnums)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            nearest_first(docnums, "286", municipality)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
        print(f"{size:>8} | {statistics.median(timings):6.2f} | {p95:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
