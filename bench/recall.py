"""Queries for the comparison, and search recall against a ground truth.

The ground truth comes from what the synthetic generator (bench/synthetic.py) knows about
every provider: its activity, service and target-group codes, its municipality, and the
workshop words in its name and description. A provider is relevant to a query when one of
those attributes says it is what the query asks for; "kierrätyksessä" (in recycling) is
relevant to every provider with the activity `kierratys` or a "kierrätyskeskus" word. The
queries are inflected, as people type them. Only synthetic providers that are not closed
and lie in the query's region count, for both systems.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.datasette_peer import DATABASE_NAME


@dataclass(frozen=True)
class Query:
    """An inflected query, its region filter, and the attributes that make a hit relevant."""

    text: str
    region: str
    activities: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    municipalities: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()  # workshop words from synthetic.WORDS


def _q(text: str, region: str, **attributes: set[str]) -> Query:
    return Query(text, region, **{name: frozenset(v) for name, v in attributes.items()})


QUERIES = [
    _q("kierrätyksessä", "10", activities={"kierratys"}, words={"kierrätyskeskus"}),
    _q("puutöitä", "06", activities={"puutyot"}, words={"puupaja"}),
    _q("Jyväskylässä", "15", municipalities={"179"}),
    _q("Tampereella", "08", municipalities={"837"}),
    _q("keittiössä", "02", activities={"keittio"}, words={"keittiö"}),
    _q("kahvilassa", "11", activities={"kahvila"}, words={"kahvila"}),
    _q("pesulassa", "05", activities={"pesula"}, words={"pesula"}),
    _q("nuorille", "13", groups={"nuoret"}),
    _q("maahanmuuttajille", "90", groups={"maahanmuuttajat"}),
    _q("verhoilua", "04", activities={"kunnostus"}, words={"verhoomo"}),
    _q("ompelimoissa", "12", words={"ompelimo"}),
    _q("sosiaalista kuntoutusta", "19", services={"sosiaalinen-kuntoutus"}),
]

# The load test's filtered searches: base forms, so that Datasette's exact-token search
# finds something too and both systems do comparable work. The list rotates, so neither
# system answers one query from a warm cache only.
LOAD_QUERIES = [
    ("kierrätys", "10"), ("kahvila", "11"), ("pesula", "05"), ("Jyväskylä", "15"),
    ("nuoret", "13"), ("keittiö", "02"), ("puutyöt", "06"), ("verhoomo", "04"),
    ("Tampere", "08"), ("ompelimo", "12"), ("maahanmuuttajat", "90"), ("kuntoutus", "19"),
]  # fmt: skip
PAGE_SIZE = 20  # Polku's default; Datasette is asked for the same (its default is 100)


def search_path(system: str, endpoint: str, text: str, region: str) -> str:
    """A filtered search on either system; closed providers excluded on both."""
    if system == "polku":
        base = "/api/v1/providers" if endpoint == "api" else "/palveluntuottajat"
        return f"{base}?{urlencode({'q': text, 'region': region})}"
    suffix = ".json" if endpoint == "api" else ""
    params = {"_search": text, "region_code": region, "status__not": "closed", "_size": PAGE_SIZE}
    return f"/{DATABASE_NAME}/providers{suffix}?{urlencode(params)}"


def load_paths(system: str, endpoint: str) -> list[str]:
    return [search_path(system, endpoint, text, region) for text, region in LOAD_QUERIES]


def page_path(system: str) -> str:
    """The search page whose weight is compared."""
    return search_path(system, "page", *LOAD_QUERIES[0])


# --- ground truth --------------------------------------------------------------------------


@dataclass
class Truth:
    """Relevant providers per query, and the providers each query is judged on."""

    relevant: dict[str, set[int]]
    judged: dict[str, set[int]]  # synthetic, not closed, in the query's region


def ground_truth(sqlite_path: Path) -> Truth:
    """Relevance from the generator's attributes, read from Polku's SQLite file."""
    connection = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        providers = connection.execute(
            "SELECT id, region_code, municipality_code, description FROM provider "
            "WHERE external_id LIKE 'synthetic:%' AND status != 'closed'"
        ).fetchall()
        codes: dict[str, dict[int, set[str]]] = {}
        for table in ("provideractivity", "providerservice", "providertargetgroup"):
            grouped: dict[int, set[str]] = {}
            for provider_id, code in connection.execute(
                f"SELECT provider_id, code FROM {table}"  # noqa: S608 – fixed table names
            ):
                grouped.setdefault(provider_id, set()).add(code)
            codes[table] = grouped
    finally:
        connection.close()
    relevant: dict[str, set[int]] = {query.text: set() for query in QUERIES}
    judged: dict[str, set[int]] = {query.text: set() for query in QUERIES}
    for provider_id, region, municipality, description in providers:
        # synthetic.py writes "Synteettinen testirivi: <word>, <word>"; the first word is
        # also the one in the name.
        words = set(description.split(": ", 1)[1].split(", "))
        for query in QUERIES:
            if region != query.region:
                continue
            judged[query.text].add(provider_id)
            if (
                query.activities & codes["provideractivity"].get(provider_id, set())
                or query.services & codes["providerservice"].get(provider_id, set())
                or query.groups & codes["providertargetgroup"].get(provider_id, set())
                or municipality in query.municipalities
                or query.words & words
            ):
                relevant[query.text].add(provider_id)
    return Truth(relevant, judged)


# --- scoring -------------------------------------------------------------------------------


@dataclass
class QueryScore:
    relevant: int
    retrieved: int  # among the judged providers
    hits: int

    @property
    def recall(self) -> float:
        return self.hits / self.relevant if self.relevant else 1.0


@dataclass
class Scores:
    """Per-query counts; overall figures are micro-averages (sums over all queries)."""

    queries: dict[str, QueryScore] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        relevant = sum(score.relevant for score in self.queries.values())
        return sum(score.hits for score in self.queries.values()) / relevant

    @property
    def precision(self) -> float:
        retrieved = sum(score.retrieved for score in self.queries.values())
        hits = sum(score.hits for score in self.queries.values())
        return hits / retrieved if retrieved else float("nan")


def _all_results_polku(client: httpx.Client, query: Query) -> set[int]:
    found: set[int] = set()
    page = 1
    while True:
        params: dict[str, str | int] = {
            "q": query.text,
            "region": query.region,
            "per_page": 100,
            "page": page,
        }
        body = client.get("/api/v1/providers", params=params).raise_for_status().json()
        found.update(item["id"] for item in body["items"])
        if page * body["per_page"] >= body["total"]:
            return found
        page += 1


def _all_results_datasette(client: httpx.Client, query: Query) -> set[int]:
    found: set[int] = set()
    params = {
        "_search": query.text, "region_code": query.region, "status__not": "closed",
        "_size": "max", "_shape": "objects", "_col": "name",
    }  # fmt: skip
    url: str | None = f"/{DATABASE_NAME}/providers.json?{urlencode(params)}"
    while url:
        body = client.get(url).raise_for_status().json()
        found.update(int(row["id"]) for row in body["rows"])
        url = body.get("next_url")
    return found


def evaluate(system: str, base_url: str, truth: Truth) -> Scores:
    """Every result of every query (all pages), scored against the ground truth."""
    fetch = _all_results_polku if system == "polku" else _all_results_datasette
    scores = Scores()
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for query in QUERIES:
            retrieved = fetch(client, query) & truth.judged[query.text]
            relevant = truth.relevant[query.text]
            scores.queries[query.text] = QueryScore(
                len(relevant), len(retrieved), len(retrieved & relevant)
            )
    return scores


def per_query(ours: Scores, theirs: Scores) -> dict[str, tuple[float, float]]:
    return {
        f"{text} (n={score.relevant})": (score.recall, theirs.queries[text].recall)
        for text, score in ours.queries.items()
    }
