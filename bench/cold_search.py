"""What a search costs when its text is not in the pool cache, against a cached text.

Runs in-process, one thread, on the sites `bench/compare.py` built (reusing them, or
building them first): for each of the comparison's 12 region-filtered load queries, the
search with an empty `MatchPoolCache` (cold: the text query runs in Whoosh and the pool
is counted) and then again with the filled cache (warm). The facet table and the
searcher are built once before timing, as in a running server. Prints a table.

    .venv/bin/python bench/cold_search.py [--sizes 10000 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.search.facet_table import FacetTable  # noqa: E402
from app.search.service import MatchPoolCache, ProviderQuery, Synonyms, search_providers  # noqa: E402
from app.search.store import IndexReader  # noqa: E402
from bench import compare  # noqa: E402
from bench.recall import LOAD_QUERIES  # noqa: E402
from bench.search_bench import percentile  # noqa: E402


def measure(size: int, repeats: int, work_dir: Path) -> tuple[list[float], list[float]]:
    """Milliseconds per search: cold (empty cache) and warm (cached text)."""
    site = compare.build_polku_site(size, work_dir)
    reader = IndexReader(site.index_dir)
    searcher = reader.searcher()
    table = FacetTable.from_searcher(searcher)
    synonyms = Synonyms()
    queries = [ProviderQuery(text=text, region=[region]) for text, region in LOAD_QUERIES]
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(repeats):
        cache = MatchPoolCache()
        cache.vocabulary(searcher)  # place names etc.: read once per generation at start-up
        for query in queries:
            started = time.perf_counter()
            search_providers(searcher, table, cache, query, synonyms)
            cold.append((time.perf_counter() - started) * 1000)
        for query in queries:
            started = time.perf_counter()
            search_providers(searcher, table, cache, query, synonyms)
            warm.append((time.perf_counter() - started) * 1000)
    reader.close()
    return cold, warm


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work-dir", type=Path, default=compare.DEFAULT_WORK_DIR)
    args = parser.parse_args()
    print("| providers | search | p50 | p95 | max |\n|---:|---|---:|---:|---:|")
    for size in args.sizes:
        cold, warm = measure(size, args.repeats, args.work_dir)
        for label, times in (("cold", cold), ("warm", warm)):
            figures = [statistics.median(times), percentile(times, 0.95), max(times)]
            cells = " | ".join(f"{value:.2f} ms" for value in figures)
            print(f"| {size:,} | {label} | {cells} |".replace(",", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
