"""Relevance of the provider search on the bundled real data: recall@10 and MRR.

The public relevance set `tests/relevance/queries.yaml` lists queries a person would type
(inflected forms, compounds, place words, words without ä/ö/å, lay words, typos, Swedish
and English) and, for each, the bundled providers (CSV record ids, P001 …) that answer
it, judged by reading the providers' own texts. This script builds a site from the
bundled data in a temporary folder (or uses `--var-dir`), runs every query and prints
recall@10 and MRR per query and overall. `tests/test_relevance.py` fails when either
drops below the figures recorded in `tests/relevance/recorded.yaml`.

    .venv/bin/python bench/relevance.py [--show] [--var-dir DIR]

- recall@10 of a query: the share of its expected providers among the first ten results
  (of at most ten expected: a query expecting more needs only ten of them); overall, the
  mean over queries.
- MRR: the mean over queries of 1 / the rank of the first expected provider (0 when none
  is in the first 100).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.models import Provider  # noqa: E402
from app.search.facet_table import FacetTable  # noqa: E402
from app.search.service import (  # noqa: E402
    MatchPoolCache,
    ProviderQuery,
    SearchResults,
    Synonyms,
    search_providers,
)
from app.search.store import IndexReader  # noqa: E402
from app.site_setup import initialise_site  # noqa: E402

RELEVANCE_DIR = ROOT / "tests" / "relevance"
QUERIES_FILE = RELEVANCE_DIR / "queries.yaml"
RECORDED_FILE = RELEVANCE_DIR / "recorded.yaml"
CUT_OFF = 10
RANKED = 100  # results read per query for the reciprocal rank


@dataclass(frozen=True)
class RelevanceQuery:
    """One query of the set: the text as typed, why it is there, the expected providers."""

    text: str
    kind: str
    expected: frozenset[str]  # CSV record ids
    suggestion: str | None = None  # for a typo: the correction the page should offer


@dataclass(frozen=True)
class QueryScore:
    """How one query did: its recall@10, reciprocal rank and first ten record ids."""

    query: RelevanceQuery
    recall: float
    reciprocal_rank: float
    top: tuple[str, ...]
    suggestion: str | None  # what the search suggested instead


@dataclass(frozen=True)
class Figures:
    """The overall figures of a run."""

    recall_at_10: float
    mrr: float
    scores: tuple[QueryScore, ...]


def load_relevance_set(path: Path = QUERIES_FILE) -> list[RelevanceQuery]:
    """The queries with their expected providers."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        RelevanceQuery(
            str(item["q"]),
            str(item["kind"]),
            frozenset(map(str, item["expected"])),
            item.get("suggestion"),
        )
        for item in raw["queries"]
    ]


def recorded_figures(path: Path = RECORDED_FILE) -> dict[str, float]:
    """The figures the search must not fall below (`recall_at_10`, `mrr`)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {"recall_at_10": float(raw["recall_at_10"]), "mrr": float(raw["mrr"])}


Outcome = tuple[list[str], str | None]  # ranked record ids, spelling suggestion


def score(query: RelevanceQuery, outcome: Outcome) -> QueryScore:
    """Recall@10 and reciprocal rank of one query's ranked record ids."""
    ranked, suggestion = outcome
    top = tuple(ranked[:CUT_OFF])
    found = len(query.expected.intersection(top))
    recall = found / min(len(query.expected), CUT_OFF)
    rank = next((i for i, record in enumerate(ranked, 1) if record in query.expected), None)
    return QueryScore(query, recall, 1 / rank if rank else 0.0, top, suggestion)


def evaluate(
    queries: list[RelevanceQuery],
    search: Callable[[str], Outcome],
) -> Figures:
    """Run every query through `search` (text → ranked record ids, suggestion), score it."""
    scores = tuple(score(query, search(query.text)) for query in queries)
    return Figures(
        statistics.fmean(s.recall for s in scores),
        statistics.fmean(s.reciprocal_rank for s in scores),
        scores,
    )


def record_searcher(settings: Settings) -> tuple[Callable[[str], Outcome], Callable[[], None]]:
    """A function from a query text to the ranked record ids on the site, and a closer."""
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        rows = session.exec(select(Provider.id, Provider.external_id)).all()
    engine.dispose()
    record_of = {int(pk): external.removeprefix("csv:") for pk, external in rows if pk}
    reader = IndexReader(settings.search_index_dir)
    searcher = reader.searcher()
    table = FacetTable.from_searcher(searcher)
    cache = MatchPoolCache()
    synonyms = Synonyms()

    def search(text: str) -> Outcome:
        request = ProviderQuery(text=text, per_page=RANKED)
        results: SearchResults = search_providers(searcher, table, cache, request, synonyms)
        return [record_of.get(hit.id, "?") for hit in results.hits], results.suggestion

    return search, reader.close


def print_figures(figures: Figures, *, show: bool) -> None:
    """A line per query (with its first ten when `show`), then the overall figures."""
    for item in figures.scores:
        missing = sorted(item.query.expected.difference(item.top))
        line = f"{item.recall:5.2f} {item.reciprocal_rank:5.2f}  {item.query.text!r:40} "
        line += f"[{item.query.kind}]"
        if missing:
            line += f" missing {','.join(missing)}"
        if item.query.suggestion:
            line += f" suggested {item.suggestion!r} (wanted {item.query.suggestion!r})"
        print(line)
        if show:
            print("      top:", " ".join(item.top))
    typos = [item for item in figures.scores if item.query.suggestion]
    offered = sum(item.suggestion == item.query.suggestion for item in typos)
    print(f"\nqueries: {len(figures.scores)}")
    print(f"typos offered the intended word: {offered}/{len(typos)}")
    print(f"recall@10: {figures.recall_at_10:.3f}")
    print(f"MRR:       {figures.mrr:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", action="store_true", help="print each query's first ten")
    parser.add_argument("--var-dir", type=Path, help="an initialised site to reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="polku-relevance-") as temporary:
        var_dir = args.var_dir or Path(temporary)
        settings = Settings(var_dir=var_dir)
        if not (settings.search_index_dir.exists() and any(settings.search_index_dir.iterdir())):
            initialise_site(settings)
        search, close = record_searcher(settings)
        try:
            figures = evaluate(load_relevance_set(), search)
        finally:
            close()
    print_figures(figures, show=args.show)
    recorded = recorded_figures()
    print(f"recorded:  recall@10 {recorded['recall_at_10']:.3f}, MRR {recorded['mrr']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
