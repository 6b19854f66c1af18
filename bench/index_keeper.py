"""How fast an edit reaches another node's search: the index keeper, measured.

Builds a site with `--size` SYNTHETIC providers (bench/synthetic.py), gives a second
"node" its own copy of the index, then:

1. full rebuild time (what every edit cost before the keeper);
2. one incremental catch-up after one edit, `--edits` times (what an edit costs now);
3. edit-to-searchable with the keeper running as it does beside `serve`: from the commit
   on "node A" until node B's index serves the new status (polling every INDEX_POLL_S on
   SQLite; on PostgreSQL the commit's NOTIFY wakes the keeper at once).

    .venv/bin/python bench/index_keeper.py [--size 10000] [--edits 20] [--postgresql]

--postgresql uses TEST_DATABASE_URL (a throw-away schema). Prints a table.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.models import Provider  # noqa: E402
from app.search.store import IndexReader  # noqa: E402
from app.site_setup import index_keeper, reindex_site  # noqa: E402
from bench.compare import load_catalogue  # noqa: E402
from bench.search_bench import percentile  # noqa: E402


def _database_url(var_dir: Path, postgresql: bool) -> str:
    if not postgresql:
        return f"sqlite:///{var_dir / 'polku.sqlite3'}"
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"bench_keeper_{os.getpid()}"
    engine = make_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{schema}"


def _toggle(session: Session, provider: Provider) -> str:
    provider.status = "verify" if provider.status == "current" else "current"
    session.add(provider)
    session.commit()
    return provider.status


def _indexed_status(reader: IndexReader, provider_id: int) -> str | None:
    found = reader.searcher().document(kind="provider", provider_id=provider_id)
    return None if found is None else str(found["status"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="polku-keeper-bench-"))
    var_a, var_b = work / "a", work / "b"
    url = _database_url(var_a, args.postgresql)
    node_a = Settings(var_dir=var_a, database_url=url)
    print(f"• loading {args.size} synthetic providers", file=sys.stderr)
    load_catalogue(node_a, args.size)
    started = time.perf_counter()
    reindex_site(node_a)
    full_s = time.perf_counter() - started
    shutil.copytree(var_a / "index", var_b / "index")
    node_b = Settings(var_dir=var_b, database_url=url, index_poll_s=1.0)
    keeper = index_keeper(node_b)
    keeper.catch_up()
    engine = make_engine(url)
    rng = random.Random(5)
    incremental_ms: list[float] = []
    latency_ms: list[float] = []
    with Session(engine) as session:
        ids = [pk for pk in session.exec(select(Provider.id)).all() if pk is not None]
        for _ in range(args.edits):
            _toggle(session, session.get(Provider, rng.choice(ids)))  # type: ignore[arg-type]
            started = time.perf_counter()
            keeper.catch_up()
            incremental_ms.append((time.perf_counter() - started) * 1000)
        stop = threading.Event()
        runner = threading.Thread(target=keeper.run, args=(stop,), daemon=True)
        runner.start()
        reader = IndexReader(node_b.search_index_dir)
        for _ in range(args.edits):
            provider_id = rng.choice(ids)
            wanted = _toggle(session, session.get(Provider, provider_id))  # type: ignore[arg-type]
            committed = time.perf_counter()
            while _indexed_status(reader, provider_id) != wanted:
                time.sleep(0.01)
            latency_ms.append((time.perf_counter() - committed) * 1000)
        stop.set()
        runner.join(timeout=60)
        reader.close()
    engine.dispose()
    keeper.engine.dispose()
    shutil.rmtree(work, ignore_errors=True)
    database = "PostgreSQL (NOTIFY)" if args.postgresql else "SQLite (polling every 1 s)"
    print(f"\n{args.size} providers, {database}, {os.cpu_count()} cores")
    print("| measure | p50 | p95 | max |\n|---|---|---|---|")
    print(f"| full rebuild (before: every edit) | {full_s * 1000:.0f} ms | | |")
    for name, values in (
        ("incremental catch-up after one edit", incremental_ms),
        ("edit to searchable on the other node", latency_ms),
    ):
        print(
            f"| {name} | {statistics.median(values):.0f} ms | "
            f"{percentile(values, 0.95):.0f} ms | {max(values):.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
