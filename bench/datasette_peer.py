"""The peer: the same catalogue published with Datasette and sqlite-utils full-text search.

This is what a data team would do to publish a searchable provider table: flatten the
providers into one table with readable labels (Finnish, like the source data), enable FTS
on the text columns with sqlite-utils' defaults (FTS5, unicode61 tokenizer: no stemming),
index the filter columns, and serve the file read-only with `datasette serve -i`
(immutable mode, as `datasette publish` does).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx

DATABASE_NAME = "peer"  # Datasette names the database after the file: /peer/providers
TEXT_COLUMNS = ["name", "organization", "municipality", "region", "description",
                "services", "activities", "target_groups"]  # fmt: skip


def _labels(connection: sqlite3.Connection, table: str, names: dict[str, str]) -> dict[int, str]:
    grouped: dict[int, list[str]] = {}
    for provider_id, code in connection.execute(
        f"SELECT provider_id, code FROM {table} ORDER BY provider_id, code"  # noqa: S608 – fixed names
    ):
        grouped.setdefault(provider_id, []).append(names.get(code, code))
    return {provider_id: ", ".join(labels) for provider_id, labels in grouped.items()}


def export_catalogue(polku_sqlite: Path, out_dir: Path) -> Path:
    """One flat `providers` table from Polku's database, with FTS; rebuilt every time."""
    import sqlite_utils

    from app.catalogue.resources import load_catalogue_resources
    from app.guide.content import load_guide

    resources = load_catalogue_resources(load_guide())
    vocab = resources.vocabularies
    activity_names = {
        code: vocab.label("activity_types", code, "fi") for code in vocab.activity_types
    }
    group_names = {code: vocab.label("target_groups", code, "fi") for code in vocab.target_groups}
    service_names = {code: titles["fi"] for code, titles in resources.service_titles.items()}

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{DATABASE_NAME}.db"
    target.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{polku_sqlite}?mode=ro", uri=True)
    try:
        services = _labels(source, "providerservice", service_names)
        activities = _labels(source, "provideractivity", activity_names)
        groups = _labels(source, "providertargetgroup", group_names)
        cursor = source.execute(
            "SELECT p.id, p.name, o.name, p.region_code, r.name_fi, p.municipality_code,"
            " m.name_fi, p.status, p.description, p.street_address, p.postal_code,"
            " p.post_office, p.phone, p.email, p.website, p.source_date"
            " FROM provider p JOIN organization o ON o.id = p.organization_id"
            " JOIN region r ON r.code = p.region_code"
            " LEFT JOIN municipality m ON m.code = p.municipality_code ORDER BY p.id"
        )
        columns = ["id", "name", "organization", "region_code", "region", "municipality_code",
                   "municipality", "status", "description", "street_address", "postal_code",
                   "post_office", "phone", "email", "website", "source_date"]  # fmt: skip
        rows = (
            {
                **dict(zip(columns, row, strict=True)),
                "services": services.get(row[0], ""),
                "activities": activities.get(row[0], ""),
                "target_groups": groups.get(row[0], ""),
            }
            for row in cursor
        )
        database = sqlite_utils.Database(target)
        table = database.table("providers")
        table.insert_all(rows, pk="id", batch_size=5000)
        table.enable_fts(TEXT_COLUMNS)
        table.create_index(["region_code"])
        table.create_index(["status"])
        database.vacuum()
        database.close()
    finally:
        source.close()
    return target


# --- serving --------------------------------------------------------------------------------


@dataclass
class PeerServer:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def serve(database: Path) -> Iterator[PeerServer]:
    """`datasette serve -i FILE` on a free loopback port; stopped on exit."""
    from bench.compare import stop, wait_until_up

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    datasette = Path(sys.executable).parent / "datasette"
    process = subprocess.Popen(
        [str(datasette), "serve", "-i", str(database), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url, "/-/versions.json")
        yield PeerServer("Datasette", base_url, process)
    finally:
        stop(process)


# --- page weight ------------------------------------------------------------------------------


class _Assets(HTMLParser):
    """The stylesheets and scripts a page links to (inline ones are part of the HTML)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "stylesheet" in (values.get("rel") or "") and values.get("href"):
            self.urls.append(values["href"] or "")
        elif tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")


@dataclass
class PageWeight:
    """Bytes of a page with its CSS and JS: as the server sent them, and each gzip -6."""

    served: int = 0
    gzip: int = 0
    parts: dict[str, int] = field(default_factory=dict)  # name -> gzip bytes


def page_weight(base_url: str, path: str) -> PageWeight:
    """Fetch the page and every linked stylesheet and script, with Accept-Encoding: gzip.

    `served` counts the body bytes on the wire (compressed when the server compresses);
    `gzip` compresses every part at level 6, so both systems are weighed the same way.
    """
    weight = PageWeight()
    with httpx.Client(base_url=base_url, timeout=30) as client:
        page = client.get(path).raise_for_status()
        parser = _Assets()
        parser.feed(page.text)
        for name, response in [("html", page)] + [
            (url.split("?")[0].rsplit("/", 1)[-1], client.get(urljoin(base_url + path, url)))
            for url in dict.fromkeys(parser.urls)
        ]:
            response.raise_for_status()
            weight.served += response.num_bytes_downloaded
            compressed = len(gzip.compress(response.content, compresslevel=6))
            weight.gzip += compressed
            weight.parts[name] = compressed
    return weight
