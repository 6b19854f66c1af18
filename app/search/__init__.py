"""Finnish full-text search over the catalogue: the only package that imports Whoosh."""
