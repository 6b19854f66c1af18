"""Saving and loading the files a generation carries beside Whoosh's own.

Derived from its documents (the facet table's snapshot, the query vocabulary, the ranking
statistics), they are written by whoever builds the generation before its manifest, so they
are checked like the index files; an updated generation never inherits them from the one it
copies unless its writer links them in on purpose.
"""

from __future__ import annotations

import gc
import logging
import pickle
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DERIVED_FILE_PREFIX = "derived-"


def write_derived_file(path: Path, file_format: int, *contents: object) -> None:
    """Save a derived file into a generation being built: its format number, then contents."""
    with path.open("wb") as handle:
        pickle.dump((file_format, *contents), handle, protocol=pickle.HIGHEST_PROTOCOL)


def read_derived_file(path: Path, file_format: int, parts: int) -> tuple[Any, ...] | None:
    """The contents of a derived file, or None when it is missing, unreadable, or of
    another format (written by another version of the code: the reader reads the index)."""
    collecting = gc.isenabled()
    try:
        with path.open("rb") as handle:
            # Without the cyclic garbage collector running over the objects as they are
            # made, a large table loads a third faster (it holds no cycles to find).
            gc.disable()
            # a file this code wrote into a generation, checked by its manifest on opening
            saved = pickle.load(handle)  # noqa: S301
    except FileNotFoundError:
        return None
    except Exception as error:  # unpickling raises whatever a changed class's state makes it
        logger.warning("derived file %s unreadable (%s); reading the index", path, error)
        return None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(saved, tuple) or len(saved) != parts + 1 or saved[0] != file_format:
        return None
    return saved[1:]
