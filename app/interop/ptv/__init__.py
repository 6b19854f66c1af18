"""Suomi.fi PTV (open API v11): fetcher, service mapping and parser."""
