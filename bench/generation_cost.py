"""CPU time a new index generation costs one node under steady edits.

Two parts, in one process, one after the other, on a copy of the index that
`bench/catalogue_scale.py prepare --size N` built (its PostgreSQL schema is only read):

- the keeper: one incremental update of a few providers (their documents written into a new
  generation, its derived files and manifest);
- a worker: the search API's query mix (bench/search_bench.py) from `threads` threads on the
  new generation – each thread opens the generation, the first search builds or loads its
  facet table and query vocabulary, each text is searched in Whoosh once – less the same
  searches once they are answered from the caches.

CPU time (time.process_time) depends less on what else the machine runs than wall time, so
figures taken on a busy machine can be compared; they are not req/s.

    TEST_DATABASE_URL=... .venv/bin/python bench/generation_cost.py --size 10000 [--rounds 10]
"""

from __future__ import annotations

import argparse
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

from sqlmodel import Session, select  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.models import Provider  # noqa: E402
from app.search.documents import update_providers_in_index  # noqa: E402
from app.search.service import ProviderQuery, ProviderSearch, Synonyms  # noqa: E402
from app.search.store import IndexReader, index_state  # noqa: E402
from app.site_setup import index_keeper  # noqa: E402
from bench.catalogue_scale import _site  # noqa: E402
from bench.search_bench import QUERY_MIX  # noqa: E402

LIST_FIELDS = ("region", "municipality", "service", "activity", "target_group", "language")


def _query(params: dict[str, str]) -> ProviderQuery:
    listed = {name: [value] for name, value in params.items() if name in LIST_FIELDS}
    sort = params.get("sort", "relevance")
    return ProviderQuery(text=params.get("q", ""), sort=sort, **listed)  # type: ignore[arg-type]


def _searches_cpu(search: ProviderSearch, threads: int) -> float:
    """CPU seconds for the query mix, once from each of `threads` threads (one at a time, so
    that each thread's own searcher is opened and no time is spent waiting)."""
    queries = [_query(params) for params in QUERY_MIX]
    started = time.process_time()
    for _ in range(threads):
        worker = threading.Thread(target=lambda: [search.search(q) for q in queries])
        worker.start()
        worker.join()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--providers", type=int, default=2, help="providers per update")
    args = parser.parse_args()
    settings, var_dir = _site(args.size)
    work = Path(tempfile.mkdtemp(prefix="polku-generation-cost-"))
    index_dir = work / "index"
    shutil.copytree(var_dir / "index", index_dir)
    engine = make_engine(settings.database_url)
    labels = index_keeper(settings).labels
    rng = random.Random(11)  # choosing synthetic providers, not secrets
    reader = IndexReader(index_dir)
    search = ProviderSearch(reader, Synonyms())
    keeper_cpu: list[float] = []
    worker_extra: list[float] = []
    cached: list[float] = []
    try:
        with Session(engine) as session:
            ids = [pk for pk in session.exec(select(Provider.id)) if pk is not None]
            state = index_state(index_dir)
            revision = (state.revision if state is not None else None) or 0
            # one update first: the bench's index may come from an older version of the code
            for round_number in range(args.rounds + 1):
                started = time.process_time()
                revision += 1
                update_providers_in_index(
                    session=session, index_dir=index_dir, labels=labels,
                    provider_ids=set(rng.sample(ids, args.providers)), revision=revision,
                )  # fmt: skip
                spent = time.process_time() - started
                first = _searches_cpu(search, args.threads)
                again = _searches_cpu(search, args.threads)
                if round_number:
                    keeper_cpu.append(spent)
                    worker_extra.append(first - again)
                    cached.append(again)
    finally:
        reader.close()
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
    requests = len(QUERY_MIX) * args.threads
    ms = 1000
    print(f"\n{args.size} providers, {args.rounds} updates of {args.providers} providers, "
          f"query mix from {args.threads} threads ({requests} searches)")  # fmt: skip
    print("| CPU per generation | median | max |\n|---|---|---|")
    for name, values in (("keeper: the update", keeper_cpu),
                         ("worker: first searches less cached ones", worker_extra)):  # fmt: skip
        print(f"| {name} | {statistics.median(values) * ms:.0f} ms | {max(values) * ms:.0f} ms |")
    per_request = statistics.median(cached) / requests
    print(f"cached search: {per_request * ms:.2f} ms CPU each; a generation costs a worker "
          f"{statistics.median(worker_extra) / per_request:.0f} cached searches")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
