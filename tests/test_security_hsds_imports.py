"""Security review 2026-12-05: HSDS imports are bounded (IM-08: zip bombs, sizes, entry
paths; IM-11: the join of tables is linear). No database is needed."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.__main__ import import_limits
from app.config import Settings
from app.interop.hsds.objects import TAXONOMY_URN
from app.interop.hsds.parse import join_tables, parse_hsds
from app.interop.hsds.tables import TABLES, WHERE, Tables
from app.interop.records import DEFAULT_LIMITS, InputLimits, ParsedSource

REGIONS = {"179": "15"}  # Jyväskylä is in Keski-Suomi (15)
GIB = 1 << 30
DESCRIPTOR = json.dumps(
    {"resources": [{"name": "service", "path": "services.csv"}]}
).encode()  # fmt: skip


def _zeros_deflated(size_mib: int) -> bytes:
    """A raw deflate stream that inflates to `size_mib` MiB of zeros, made in milliseconds:
    after a full flush the compressor starts afresh, so one compressed MiB repeats."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * size_mib + compressor.flush()


def _write_zip(path: Path, entries: list[tuple[str, int, bytes, int, int]]) -> Path:
    """A zip written byte by byte: (name, method, data, declared size, crc) per entry, so that
    an entry can declare what it inflates to without anything being inflated here."""
    local, central = b"", b""
    for name, method, data, size, crc in entries:
        encoded = name.encode()
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size,
            len(encoded), 0,
        )  # fmt: skip
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), size,
            len(encoded), 0, 0, 0, 0, 0, len(local),
        ) + encoded  # fmt: skip
        local += header + encoded + data
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0
    )
    path.write_bytes(local + central + end)
    return path


def _bomb(path: Path) -> Path:
    """A 1 MB data package whose services.csv inflates to 1 GiB (its crc is not computed:
    nothing may get as far as checking it)."""
    stream = _zeros_deflated(1024)
    assert len(stream) < 2_000_000
    return _write_zip(
        path,
        [
            ("datapackage.json", 0, DESCRIPTOR, len(DESCRIPTOR), zlib.crc32(DESCRIPTOR)),
            ("services.csv", 8, stream, GIB, 0),
        ],
    )


@pytest.fixture
def nothing_extracted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fails any attempt to open a zip entry; yields the names tried."""
    tried: list[str] = []
    original = zipfile.ZipFile.open

    def refuse(self: zipfile.ZipFile, name: Any, mode: Any = "r", **kwargs: Any) -> Any:
        entry = str(getattr(name, "filename", name))
        if mode == "r" and entry != "datapackage.json":
            tried.append(entry)
            raise AssertionError(f"{entry} was extracted")
        return original(self, name, mode, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    yield tried


def _errors(paths: list[Path], limits: InputLimits = DEFAULT_LIMITS) -> list[str]:
    parsed = parse_hsds(paths, municipality_regions=REGIONS, limits=limits)
    assert not parsed.records
    return [str(problem) for problem in parsed.errors]


def test_im08_a_zip_inflating_to_1_gib_is_refused_before_anything_is_extracted(
    tmp_path: Path, nothing_extracted: list[str]
) -> None:
    errors = _errors([_bomb(tmp_path / "pommi.zip")])
    assert len(errors) == 1
    assert errors[0].startswith("pommi.zip: services.csv would unpack 1011 times")
    assert "IMPORT_MAX_ZIP_RATIO" in errors[0] and "not extracted" in errors[0]
    assert nothing_extracted == []


def test_im08_the_total_unpacked_size_is_bounded_whatever_the_ratio(
    tmp_path: Path, nothing_extracted: list[str]
) -> None:
    limits = InputLimits(max_zip_ratio=1_000_000)
    errors = _errors([_bomb(tmp_path / "pommi.zip")], limits)
    assert len(errors) == 1
    assert errors[0].startswith("pommi.zip: the zip would unpack to more than IMPORT_MAX_UNPACKED")
    assert f"services.csv alone is {GIB}" in errors[0]
    assert nothing_extracted == []


def test_im08_an_entry_that_inflates_beyond_its_declared_size_is_cut_at_it(
    tmp_path: Path,
) -> None:
    # the directory says 10 kB; the stream holds 1 GiB: never more than 10 kB is inflated
    path = _write_zip(
        tmp_path / "valehtelija.zip",
        [
            ("datapackage.json", 0, DESCRIPTOR, len(DESCRIPTOR), zlib.crc32(DESCRIPTOR)),
            ("services.csv", 8, _zeros_deflated(1024), 10_000, 0),
        ],
    )
    errors = _errors([path])
    assert errors == ["valehtelija.zip: cannot read the file: Bad CRC-32 for file 'services.csv'"]


@pytest.mark.parametrize(
    "entry", ["../services.csv", "/etc/services.csv", "a/../../b.csv", "C:/x.csv", "..\\x.csv"]
)
def test_im08_entries_outside_the_package_are_refused(
    tmp_path: Path, entry: str, nothing_extracted: list[str]
) -> None:
    path = tmp_path / "polut.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("datapackage.json", DESCRIPTOR)
        archive.writestr("services.csv", "id,name\n")
        archive.writestr(entry, "x")
    errors = _errors([path])
    assert errors == [f"polut.zip: entry {entry!r} points outside the package; "
                      "not extracted"]  # fmt: skip
    assert nothing_extracted == []


def test_im08_too_many_entries_are_refused(tmp_path: Path, nothing_extracted: list[str]) -> None:
    path = tmp_path / "monta.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("datapackage.json", DESCRIPTOR)
        for number in range(5):
            archive.writestr(f"extra-{number}.csv", "")
    errors = _errors([path], InputLimits(max_zip_entries=5))
    assert errors == [
        "monta.zip: the zip has 6 entries, more than IMPORT_MAX_ZIP_ENTRIES (5); not extracted"
    ]
    assert nothing_extracted == []


def test_im08_files_over_the_size_limit_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "iso.json"
    big.write_text(json.dumps({"services": [{"id": "s", "name": "x" * 5000}]}))
    package = tmp_path / "paketti"
    package.mkdir()
    (package / "datapackage.json").write_bytes(DESCRIPTOR)
    (package / "services.csv").write_text("id,name\n" + "s1,Työpaja\n" * 500)
    read_texts: list[Path] = []
    original = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        read_texts.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    errors = _errors([big, package], InputLimits(max_file_bytes=4096))
    assert errors[0].startswith("iso.json: the file is ")
    assert "more than IMPORT_MAX_FILE_BYTES (4096); not read" in errors[0]
    assert errors[1].startswith("paketti: services.csv is ")
    assert big not in read_texts and package / "services.csv" not in read_texts


def test_im08_import_limits_are_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IMPORT_MAX_FILE_BYTES", "5000000")
    monkeypatch.setenv("IMPORT_MAX_UNPACKED_BYTES", "9000000")
    monkeypatch.setenv("IMPORT_MAX_ZIP_RATIO", "50")
    monkeypatch.setenv("IMPORT_MAX_ZIP_ENTRIES", "20")
    assert import_limits(Settings(var_dir=tmp_path)) == InputLimits(
        max_file_bytes=5_000_000, max_unpacked_bytes=9_000_000, max_zip_ratio=50,
        max_zip_entries=20,
    )  # fmt: skip
    for name in ("FILE_BYTES", "UNPACKED_BYTES", "ZIP_RATIO", "ZIP_ENTRIES"):
        monkeypatch.delenv(f"IMPORT_MAX_{name}")
    assert import_limits(Settings(var_dir=tmp_path)) == InputLimits()  # one set of defaults


# --- IM-11: the join -------------------------------------------------------------------


class _CountedRows(list[dict[str, Any]]):
    """A table that counts how often it is read from the start."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(rows)
        self.reads = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self.reads += 1
        return super().__iter__()


def _tables(services: int) -> dict[str, _CountedRows]:
    """`services` services of one organisation, each at its own location with an address,
    a phone, a language, a schedule and a region attribute."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    rows["organization"].append({"id": "o", "name": "Yhdistys ry", WHERE: "o"})
    rows["taxonomy_term"].append(
        {"id": "t15", "code": "15", "taxonomy": f"{TAXONOMY_URN}regions", WHERE: "t"}
    )
    for n in range(services):
        s, sal, loc = f"s{n}", f"sal{n}", f"l{n}"
        rows["service"].append({"id": s, "organization_id": "o", "name": f"Paja {n}", WHERE: s})
        rows["service_at_location"].append(
            {"id": sal, "service_id": s, "location_id": loc, WHERE: sal}
        )
        rows["location"].append({"id": loc, WHERE: loc})
        rows["address"].append({"id": f"a{n}", "location_id": loc, "city": "Jyväskylä", WHERE: n})
        rows["phone"].append({"id": f"p{n}", "service_id": s, "number": f"040 {n}", WHERE: n})
        rows["language"].append({"id": f"k{n}", "service_id": s, "code": "fi", WHERE: n})
        rows["schedule"].append({"id": f"h{n}", "service_id": s, "description": "ma", WHERE: n})
        rows["attribute"].append({"id": f"r{n}", "link_id": s, "taxonomy_term_id": "t15", WHERE: n})
    return {name: _CountedRows(table) for name, table in rows.items()}


@pytest.mark.parametrize("services", [10, 200])
def test_im11_the_join_reads_each_table_a_fixed_number_of_times(services: int) -> None:
    tables = _tables(services)
    parsed = ParsedSource("hsds")
    join_tables(Tables(tables), REGIONS, None, parsed)
    assert not parsed.errors
    assert len(parsed.records) == services
    record = parsed.records[-1]
    assert (record.region_code, record.phone, record.post_office) == (
        "15", f"040 {services - 1}", "Jyväskylä"
    )  # fmt: skip
    assert record.languages == ["fi"] and record.opening_hours == "ma"
    reads = {name: table.reads for name, table in tables.items()}
    # a scan per parent would read service_at_location, attribute, address … once per service
    assert max(reads.values()) <= 3, reads
