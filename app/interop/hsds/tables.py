"""HSDS in tabular form: nested objects flattened into tables, and the CSV data package.

The exporter writes the tables from its nested JSON; the importer flattens whatever JSON it is
given the same way, so both sides agree on one tabular view of HSDS.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, TextIO

from app.interop.csv.cells import spreadsheet_safe

Json = dict[str, Any]
Tables = dict[str, list[Json]]  # HSDS table name (`service`, `address` …) -> flat rows

# The tables Polku writes: file name and columns exactly as the HSDS 3.0 `datapackage.json`
# names them, in its order.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organization": ("organizations.csv", (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status",
        "tax_id", "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id")),
    "service": ("services.csv", (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url",
        "email", "status", "interpretation_services", "application_process", "fees_description",
        "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age",
        "maximum_age", "assured_date", "assurer_email", "licenses", "alert", "last_modified")),
    "attribute": ("attributes.csv", (
        "id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value")),
    "service_at_location": ("service_at_location.csv", (
        "id", "service_id", "location_id", "description")),
    "location": ("locations.csv", (
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
        "transportation", "latitude", "longitude", "external_identifier",
        "external_identifier_type")),
    "phone": ("phones.csv", (
        "id", "location_id", "service_id", "organization_id", "contact_id",
        "service_at_location_id", "number", "extension", "type", "description")),
    "address": ("addresses.csv", (
        "id", "location_id", "attention", "address_1", "address_2", "city", "region",
        "state_province", "postal_code", "country", "address_type")),
    "language": ("languages.csv", (
        "id", "service_id", "location_id", "phone_id", "name", "code", "note")),
    "accessibility": ("accessibility.csv", ("id", "location_id", "description", "details", "url")),
    "taxonomy_term": ("taxonomy_terms.csv", (
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
        "term_uri")),
    "taxonomy": ("taxonomies.csv", ("id", "name", "description", "uri", "version")),
    "schedule": ("schedules.csv", (
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to",
        "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday",
        "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at",
        "schedule_link", "attending_type", "notes")),
}  # fmt: skip
# Column types other than string, as the HSDS 3.0 datapackage.json gives them.
FIELD_TYPES = {
    "year_incorporated": "number", "minimum_age": "number", "maximum_age": "number",
    "latitude": "number", "longitude": "number", "extension": "number", "assured_date": "date",
    "last_modified": "datetime", "valid_from": "date", "valid_to": "date", "dtstart": "date",
    "until": "date", "timezone": "number", "count": "number", "interval": "number",
    "opens_at": "time", "closes_at": "time",
}  # fmt: skip
# Top-level list names a JSON document may use for each table (HSDS's plural, its file stem);
# `addresss` and `accessibilitys` are the names of pre-release HSDS 3.0 drafts, still read.
TABLE_KEYS = {
    "organization": ("organizations",), "service": ("services",),
    "attribute": ("attributes",), "service_at_location": ("service_at_locations",),
    "location": ("locations",), "phone": ("phones",), "address": ("addresses", "addresss"),
    "language": ("languages",), "accessibility": ("accessibility", "accessibilitys"),
    "taxonomy_term": ("taxonomy_terms",), "taxonomy": ("taxonomies",),
    "schedule": ("schedules",),
}  # fmt: skip
# Nested arrays: parent table -> property -> (child table, the child's field naming the parent).
CHILD_ARRAYS = {
    "service": {"languages": ("language", "service_id"), "phones": ("phone", "service_id"),
                "attributes": ("attribute", "link_id"),
                "service_at_locations": ("service_at_location", "service_id")},
    "service_at_location": {"phones": ("phone", "service_at_location_id"),
                            "schedules": ("schedule", "service_at_location_id"),
                            "attributes": ("attribute", "link_id")},
    "location": {"addresses": ("address", "location_id"),
                 "accessibility": ("accessibility", "location_id"),
                 "addresss": ("address", "location_id"),
                 "accessibilitys": ("accessibility", "location_id"),
                 "phones": ("phone", "location_id"), "languages": ("language", "location_id"),
                 "attributes": ("attribute", "link_id")},
    "organization": {"locations": ("location", "organization_id"),
                     "phones": ("phone", "organization_id"),
                     "attributes": ("attribute", "link_id")},
    "phone": {"languages": ("language", "phone_id"), "attributes": ("attribute", "link_id")},
    "address": {"attributes": ("attribute", "link_id")},
}  # fmt: skip
# Nested single objects: parent table -> property -> (child table, the parent's field for it).
CHILD_OBJECTS = {
    "service": {"organization": ("organization", "organization_id")},
    "service_at_location": {"location": ("location", "location_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    # HSDS 3.0 nests the taxonomy as `taxonomy_detail` (`taxonomy` is text); drafts used `taxonomy`
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id"),
                      "taxonomy": ("taxonomy", "taxonomy_id")},
}  # fmt: skip
WHERE = "_where"  # a flat row's position in the input, for error messages
# Tables whose rows many objects of one export share (every service names the same taxonomy
# terms); the other rows belong to one provider, and their ids are made from its unique
# external id, so they never repeat between providers.
SHARED_TABLES = frozenset({"organization", "taxonomy_term", "taxonomy"})
DESCRIPTOR_FILE = "datapackage.json"


class TableFlattener:
    """Collects flat rows from nested HSDS objects; the first row with an id wins."""

    def __init__(self) -> None:
        self.tables: Tables = {name: [] for name in TABLES}
        self.problems: list[tuple[str, str]] = []  # (where, message)
        # ids already added: of the shared tables, and of the others (see `take_rows`)
        self._seen_shared: set[tuple[str, str]] = set()
        self._seen_own: set[tuple[str, str]] = set()

    def add(self, table: str, item: object, where: str) -> str | None:
        """Add one object and its nested objects; return its id."""
        if not isinstance(item, dict):
            self.problems.append((where, f"expected a {table} object, found {type(item).__name__}"))
            return None
        row: Json = {
            key: value for key, value in item.items() if not isinstance(value, list | dict)
        }
        row[WHERE] = where
        for name, (child_table, parent_field) in CHILD_OBJECTS.get(table, {}).items():
            if name in item and not (isinstance(item[name], str) and name in TABLES[table][1]):
                child_id = self.add(child_table, item[name], f"{where}.{name}")
                row.setdefault(parent_field, child_id)
        for name, (child_table, link_field) in CHILD_ARRAYS.get(table, {}).items():
            children = item.get(name, [])
            if not isinstance(children, list):
                self.problems.append((f"{where}.{name}", "expected a list"))
                continue
            for index, child in enumerate(children):
                if isinstance(child, dict):
                    child = {link_field: item.get("id"), **child}
                    if child_table == "attribute":
                        child.setdefault("link_entity", table)
                self.add(child_table, child, f"{where}.{name}[{index}]")
        row_id = row.get("id")
        if not isinstance(row_id, str) or not row_id:
            self.problems.append((where, f"the {table} has no id"))
            return None
        seen = self._seen_shared if table in SHARED_TABLES else self._seen_own
        if (table, row_id) not in seen:
            seen.add((table, row_id))
            self.tables[table].append(row)
        return row_id

    def take_rows(self) -> Tables:
        """The rows collected so far, handed over and forgotten, so that a writer streaming a
        whole catalogue holds one object's rows at a time. Only the ids of `SHARED_TABLES`
        are remembered for the first-wins rule: the others never repeat between objects."""
        tables, self.tables = self.tables, {name: [] for name in TABLES}
        self._seen_own = set()
        return tables

    def add_document(self, document: Json, where: str) -> None:
        """Add every table list of a JSON document (`services`, `locations` …)."""
        for table, keys in TABLE_KEYS.items():
            for key in keys:
                items = document.get(key)
                if items is None:
                    continue
                if not isinstance(items, list):
                    self.problems.append((f"{where}: {key}", "expected a list"))
                    continue
                for index, item in enumerate(items):
                    self.add(table, item, f"{where}: {key}[{index}]")


def flatten(document: Json) -> Tables:
    """The tables of an HSDS JSON document (the exporter's own output never has problems)."""
    flattener = TableFlattener()
    flattener.add_document(document, "export")
    return flattener.tables


def _csv_value(value: object, column: str) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value)
    return spreadsheet_safe(text, numeric=FIELD_TYPES.get(column) == "number")


def csv_cells(table: str, row: Json) -> list[str]:
    """A flat row's cells in the table's column order."""
    return [_csv_value(row.get(column), column) for column in TABLES[table][1]]


def table_csv(table: str, rows: list[Json]) -> str:
    """One table as CSV text (UTF-8 without a byte-order mark, as data packages expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = TABLES[table][1]
    writer.writerow(columns)
    writer.writerows(csv_cells(table, row) for row in rows)
    return buffer.getvalue()


class TableFiles:
    """The data package's CSV tables written row by row, each into its file in `folder`
    (text as `table_csv` gives it), so that no table is ever held whole in memory."""

    def __init__(self, folder: Path) -> None:
        self._files: dict[str, TextIO] = {}
        self._writers: dict[str, Any] = {}
        try:
            for table, (path, columns) in TABLES.items():
                # newline="": the CSV writer's CRLF line ends go to the file as they are
                handle = (folder / path).open("w", encoding="utf-8", newline="")
                self._files[table] = handle
                self._writers[table] = csv.writer(handle, lineterminator="\r\n")
                self._writers[table].writerow(columns)
        except BaseException:
            self.close()
            raise

    def write(self, tables: Tables) -> None:
        """Append flat rows to their tables."""
        for table, rows in tables.items():
            if rows:
                self._writers[table].writerows(csv_cells(table, row) for row in rows)

    def close(self) -> None:
        """Close every file."""
        for handle in self._files.values():
            handle.close()

    def __enter__(self) -> TableFiles:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def datapackage_descriptor(*, base_url: str, hsds_version: str) -> Json:
    """datapackage.json: one tabular resource per HSDS table, fields as the CSV headers."""
    return {
        "profile": "tabular-data-package",
        "name": "polku-hsds",
        "title": "Polku provider catalogue (Open Referral HSDS 3.0)",
        "homepage": base_url,
        "hsds_version": hsds_version,
        "resources": [
            {
                "name": table,
                "path": path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": name, "type": FIELD_TYPES.get(name, "string")} for name in columns
                    ],
                    "primaryKey": "id",
                },
            }
            for table, (path, columns) in TABLES.items()
        ],
    }


def descriptor_text(*, base_url: str, hsds_version: str) -> str:
    """The text of datapackage.json."""
    descriptor = datapackage_descriptor(base_url=base_url, hsds_version=hsds_version)
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


# The files of a data package, in the order the zip holds them.
DATAPACKAGE_FILES = (*(path for path, _ in TABLES.values()), DESCRIPTOR_FILE)
