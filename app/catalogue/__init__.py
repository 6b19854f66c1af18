"""The catalogue: search index and queries (no web framework imports)."""
