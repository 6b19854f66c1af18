"""Search latency of two source trees, alternately, on one built site (before/after a change).

On a shared, busy machine two benchmark runs minutes apart are not comparable. This script
builds one site (bundled data + N SYNTHETIC providers, `bench/synthetic.py`) with this
tree's code, then serves it in turns from this tree and from another checkout (for
example `git worktree add /tmp/polku-before main`, or `git archive main | tar -x -C DIR`)
and times the API and the search page with `bench/search_bench.py`'s query mix, A B A B
…, so that both see the same load. Both trees must read the same index format
(`DOCUMENT_FORMAT`); the script refuses otherwise. Loopback only, bounded in time.

    .venv/bin/python bench/search_ab.py --other /tmp/polku-before [--size 10000]
        [--rounds 4] [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.site_setup import initialise_site, reindex_site  # noqa: E402
from bench.search_bench import QUERY_MIX, free_port, measure, wait_until_healthy  # noqa: E402
from bench.synthetic import add_synthetic_providers  # noqa: E402

_FORMAT = re.compile(r"^DOCUMENT_FORMAT = (\d+)", re.M)


def document_format(tree: Path) -> str:
    """The index format a source tree reads and writes."""
    source = (tree / "app" / "search" / "documents.py").read_text(encoding="utf-8")
    found = _FORMAT.search(source)
    return found.group(1) if found else "?"


def serve_and_time(tree: Path, var_dir: Path, requests: int) -> dict[str, float]:
    """Start one worker from `tree` on the site, warm it, time the API and the page."""
    port = free_port()
    env = {**os.environ, "VAR_DIR": str(var_dir), "PYTHONPATH": str(tree)}
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "1"],
        cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            wait_until_healthy(client, 60)
            measure(client, "/api/v1/providers", len(QUERY_MIX))  # warm caches
            measure(client, "/palveluntuottajat", len(QUERY_MIX))
            api = measure(client, "/api/v1/providers", requests)
            page = measure(client, "/palveluntuottajat", requests)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {"api_p50": api[0], "api_p95": api[1], "page_p50": page[0], "page_p95": page[1]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--other", type=Path, required=True, help="the other source tree")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    # stopped with SIGTERM: unwind, so that the server running and the site are cleaned up
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(1))
    other = args.other.resolve()
    if document_format(other) != document_format(ROOT):
        print("The trees read different index formats; build a site for each instead.")
        return 2
    trees = {"other": other, "this": ROOT}
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix=f"polku-ab-{args.size}-") as temporary:
        var_dir = Path(temporary)
        settings = Settings(var_dir=var_dir)
        initialise_site(settings)
        engine = make_engine(settings.database_url)
        with Session(engine) as session:
            add_synthetic_providers(session, args.size)
        engine.dispose()
        reindex_site(settings)
        print("| round | tree | API p50 | API p95 | page p50 | page p95 |")
        print("|---:|---|---:|---:|---:|---:|")
        for number in range(1, args.rounds + 1):
            for name, tree in trees.items():
                row = serve_and_time(tree, var_dir, args.requests)
                rows[name].append(row)
                cells = " | ".join(f"{row[key]:.1f} ms" for key in row)
                print(f"| {number} | {name} | {cells} |", flush=True)
    print("\nMedians over the rounds:")
    for name, measured in rows.items():
        medians = {key: statistics.median(r[key] for r in measured) for key in measured[0]}
        print(
            f"  {name:5} ({trees[name]}): "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in medians.items())
        )
    ratios = [t["api_p95"] / o["api_p95"] for t, o in zip(rows["this"], rows["other"], strict=True)]
    print(f"API p95 this ÷ other per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
