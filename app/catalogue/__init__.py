"""The catalogue: providers, maintenance, public submissions, policy rules (no Whoosh, no web)."""
