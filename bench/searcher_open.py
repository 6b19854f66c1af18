"""What opening a node's searchers costs, with Whoosh reading memory maps or files.

Each thread that searches opens its own searcher on each new index generation. Whoosh copies
every memory-mapped segment part it opens into a private buffer; read through files, a
searcher holds only file handles. For each way: the resident memory and wall time of opening
`--searchers` searchers on the index `bench/catalogue_scale.py prepare --size N` built, and
the CPU time of Whoosh searches (ten texts, three rounds, with stored fields read as a page
of hits does). One process per way, so that each starts from the same memory.

    .venv/bin/python bench/searcher_open.py --size 100000 [--searchers 8]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh.filedb.filestore import FileStorage  # noqa: E402

from app.search.service import Synonyms, query_words, text_query  # noqa: E402
from app.search.store import _read_pointer  # noqa: E402
from app.search.vocabulary import QueryVocabulary  # noqa: E402

TEXTS = ["kierrätys", "puutöitä", "työpaja", "verhoomo", "nuoret", "kahvila", "ompelimo",
         "keittiö", "siivous", "puutyö"]  # fmt: skip


def _resident_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * 4096 / 2**20


def measure(index_dir: Path, memory_maps: bool, searchers: int) -> str:
    generation = index_dir / str(_read_pointer(index_dir))
    before = _resident_mb()
    started = time.perf_counter()
    opened = [
        FileStorage(str(generation), supports_mmap=memory_maps).open_index().searcher()
        for _ in range(searchers)
    ]
    opening = time.perf_counter() - started
    searcher = opened[0]
    vocabulary = QueryVocabulary.for_generation(searcher, generation)
    synonyms = Synonyms()
    started = time.process_time()
    for _round in range(3):
        for text in TEXTS:
            query = text_query(query_words(text), synonyms, searcher, vocabulary)
            searcher.search(query, limit=None)
            for docnum in range(0, 2000, 20):
                searcher.stored_fields(docnum)
    per_search = (time.process_time() - started) / (3 * len(TEXTS))
    grown = _resident_mb() - before
    for each in opened:
        each.close()
    way = "memory maps" if memory_maps else "files"
    return (f"| {way} | {opening * 1000:.0f} ms | +{grown:.0f} MB | "
            f"{per_search * 1000:.1f} ms |")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--searchers", type=int, default=8)
    parser.add_argument("--way", choices=["maps", "files"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    index_dir = Path(f"/tmp/polku-scale-{args.size}/index")  # noqa: S108 – the bench's site
    if args.way:
        print(measure(index_dir, args.way == "maps", args.searchers))
        return 0
    print(f"\n{args.size} providers, {args.searchers} searchers")
    print("| reading | opening them | resident memory | Whoosh search (CPU) |\n|---|---|---|---|")
    for way in ("maps", "files"):
        command = [sys.executable, __file__, "--size", str(args.size),
                   "--searchers", str(args.searchers), "--way", way]  # fmt: skip
        subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
