"""HSDS import join (review finding IM-11): time to join tables of N services into records.

Each service has its own service_at_location, location, address, phone, language, schedule
and a region attribute (synthetic rows, never stored). A linear join takes about twice as
long for twice the services; the old scan per parent took four times as long:

    .venv/bin/python bench/hsds_join.py [--sizes 5000 10000 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.interop.hsds.objects import TAXONOMY_URN  # noqa: E402
from app.interop.hsds.parse import join_tables  # noqa: E402
from app.interop.hsds.tables import TABLES, WHERE  # noqa: E402
from app.interop.records import ParsedSource  # noqa: E402


def synthetic_tables(services: int) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    rows["organization"].append({"id": "o", "name": "Synthetic org", WHERE: "o"})
    rows["taxonomy_term"].append(
        {"id": "t", "code": "15", "taxonomy": f"{TAXONOMY_URN}regions", WHERE: "t"}
    )
    for n in range(services):
        s, sal, loc = f"s{n}", f"sal{n}", f"l{n}"
        rows["service"].append({"id": s, "organization_id": "o", "name": f"S {n}", WHERE: s})
        rows["service_at_location"].append(
            {"id": sal, "service_id": s, "location_id": loc, WHERE: sal}
        )
        rows["location"].append({"id": loc, WHERE: loc})
        rows["address"].append({"id": f"a{n}", "location_id": loc, "city": "X", WHERE: n})
        rows["phone"].append({"id": f"p{n}", "service_id": s, "number": "040 1", WHERE: n})
        rows["language"].append({"id": f"k{n}", "service_id": s, "code": "fi", WHERE: n})
        rows["schedule"].append({"id": f"h{n}", "service_id": s, "description": "ma", WHERE: n})
        rows["attribute"].append({"id": f"r{n}", "link_id": s, "taxonomy_term_id": "t", WHERE: n})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    args = parser.parse_args()
    previous: float | None = None
    for size in args.sizes:
        tables = synthetic_tables(size)
        parsed = ParsedSource("hsds")
        start = time.perf_counter()
        join_tables(tables, {"179": "15"}, None, parsed)
        elapsed = time.perf_counter() - start
        if len(parsed.records) != size or parsed.errors:
            raise SystemExit(f"the join went wrong: {parsed.errors[:3]}")
        growth = f"  ×{elapsed / previous:.1f}" if previous else ""
        print(f"{size:>7} services: {elapsed:6.2f} s{growth}")
        previous = elapsed


if __name__ == "__main__":
    main()
