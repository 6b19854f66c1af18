"""The Whoosh segments a generation is made of, to carry derived values between generations.

An index update writes the changed documents into a new segment and marks their old
versions deleted; it may merge small segments into a new one. A segment never changes once
written, except for deletions, so a value derived from a segment's documents holds in every
generation that still has the segment – at the same document numbers unless a segment
before it was merged away.
"""

from __future__ import annotations

from whoosh.reading import IndexReader

# Per Whoosh segment, in order: its id, its first document number and its documents
# (deleted ones included).
Layout = tuple[tuple[str, int, int], ...]


def layout_of(reader: IndexReader) -> Layout:
    """The segments a reader reads, in document order."""
    return tuple(
        (leaf.segment().segment_id(), first, leaf.doc_count_all())
        for leaf, first in reader.leaf_readers()
    )
