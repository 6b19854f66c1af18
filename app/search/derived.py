"""The files a generation carries beside Whoosh's own, derived from its documents.

Whoever builds a generation (the node's index keeper, `init`, `reindex`) writes them, off
the request path, before the generation's manifest covers them; every worker then loads
them instead of reading all documents again (see facet_table and vocabulary).
"""

from __future__ import annotations

from pathlib import Path

from app.search import facet_table, ranking, vocabulary


def write_derived_files(generation_dir: Path, previous_dir: Path | None) -> None:
    """Write the facet table's, the query vocabulary's and the ranking figures' snapshots
    into a new generation, carrying over from `previous_dir` (the generation it was updated
    from) what still holds."""
    facet_table.write_snapshot(generation_dir, previous_dir)
    vocabulary.write_snapshot(generation_dir, previous_dir)
    ranking.write_snapshot(generation_dir, previous_dir)
