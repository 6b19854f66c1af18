"""Importers: each source format becomes `ProviderRecord`s, which `merge` applies."""
