"""Polku's own CSV format: the import reader and the public download rows."""
