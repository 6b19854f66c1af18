"""Validation against the released HSDS 3.0 schemas vendored beside this file.

The specification publishes per-table schemas that refer to each other by file name, and
builds "compiled" schemas from them for its API (`schema/compiled/*.json`, referenced by
`schema/openapi.json`). Those compiled files are not in the tag's copy we vendor, so they
are built here the way the specification's own tool builds them (openreferral/
hsds_schema_tools `_compile_schemas`): every `$ref` inlined; the `*_list` variants keep only
one-to-one fields (`remove_one_to_many`); an organization may nest its `services`; a
service_at_location nests its `service` without that service's `service_at_locations`.

Strict mode sets `additionalProperties: false` on every object, as the specification's CI does
for its examples (`compiletojsonschema --set-additional-properties-false-everywhere`): a
property HSDS does not define is an error. Formats (`uri`, `uuid`, `email`, `date-time`) are
checked; `rfc3986-validator` and `rfc3339-validator` (pinned in the dev extra) make the
first and last of these real checks.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

HSDS_DIR = Path(__file__).parent
SCHEMA_DIR = HSDS_DIR / "schema"
EXAMPLES_DIR = HSDS_DIR / "examples"
COMPILED_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
Json = dict[str, Any]

# Formats HSDS uses that must really be checked (a missing package silently turns one off).
CHECKED_FORMATS = ("uri", "uuid", "email", "date-time", "date")


def raw_schema(name: str) -> Json:
    """One vendored schema file, unchanged."""
    loaded: Json = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def openapi() -> Json:
    """The official API description (`schema/openapi.json` of the tag)."""
    return raw_schema("openapi")


def datapackage() -> Json:
    """The official tabular data package descriptor."""
    loaded: Json = json.loads((HSDS_DIR / "datapackage.json").read_text(encoding="utf-8"))
    return loaded


def _inline(schema: Any, depth: int = 0) -> Any:
    """`schema` with every file `$ref` replaced by the (inlined) file it names."""
    if depth > 20:
        raise RecursionError("the HSDS schemas refer to each other in a cycle")
    if isinstance(schema, list):
        return [_inline(item, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.endswith(".json") and not ref.startswith("#"):
        inlined = _inline(raw_schema(ref.removesuffix(".json")), depth + 1)
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        return {**inlined, **siblings}
    return {key: _inline(value, depth) for key, value in schema.items()}


def _remove_one_to_many(properties: Json) -> None:
    """What hsds_schema_tools does for the `*_list` schemas."""
    for key, value in list(properties.items()):
        if value.get("type") == "array" and "items" in value:
            properties.pop(key)
        if value.get("type") == "object" and "properties" in value:
            _remove_one_to_many(value["properties"])


@cache
def _compiled(name: str) -> Json:
    """The compiled schema `name` (`service`, `service_list`, `organization` …)."""
    if name == "service_minimal":
        # `minimal`: "Return array of just service 'id' and 'modified_date'" (openapi.json);
        # HSDS's own name of the second is last_modified
        service = raw_schema("service")
        kept = ("id", "last_modified")
        return {
            "type": "object",
            "properties": {key: service["properties"][key] for key in kept},
            "required": list(kept),
        }
    base = name.removesuffix("_list")
    if base == "organization":
        source = raw_schema("organization")
        source["properties"]["services"] = {"type": "array", "items": {"$ref": "service.json"}}
        compiled: Json = _inline(source)
    elif base == "service_at_location":
        source = raw_schema("service_at_location")
        source["properties"]["service"] = {"name": "service", "$ref": "service.json"}
        compiled = _inline(source)
        compiled["properties"]["service"]["properties"].pop("service_at_locations")
    else:
        compiled = _inline(raw_schema(base))
    if name.endswith("_list"):
        _remove_one_to_many(compiled["properties"])
    return compiled


def _strict(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if "properties" in strict and strict.get("type", "object") == "object":
        strict["additionalProperties"] = False
    return strict


@cache
def validator(name: str, *, strict: bool = True) -> Draft202012Validator:
    """A validator for the compiled schema `name`, strict unless asked otherwise."""
    schema = _compiled(name)
    return Draft202012Validator(
        _strict(schema) if strict else copy.deepcopy(schema), format_checker=FormatChecker()
    )


def errors(name: str, instance: object, *, strict: bool = True) -> list[str]:
    """Why `instance` is not valid against the compiled schema `name` (empty when it is)."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator(name, strict=strict).iter_errors(instance)
    ]


def page_errors(page: object, item_schema: str, *, strict: bool = True) -> list[str]:
    """Errors of a list answer: the official `Page` envelope and every item."""
    page_schema = copy.deepcopy(openapi()["components"]["schemas"]["Page"])
    page_schema["required"] = list(page_schema["properties"])
    page_schema["properties"]["contents"] = {"type": "array"}
    if strict:
        page_schema["additionalProperties"] = False
    found = [
        f"page: {error.message}" for error in Draft202012Validator(page_schema).iter_errors(page)
    ]
    if isinstance(page, dict) and isinstance(page.get("contents"), list):
        for index, item in enumerate(page["contents"]):
            found += [
                f"contents/{index}/{error}" for error in errors(item_schema, item, strict=strict)
            ]
    return found


# The schema of an answer asked for with `full`, `full_service` or `minimal`: the
# description gives these lists the one-to-one `*_list` schemas, which nested lists break.
NESTED_ANSWERS = {
    ("/services", "full"): "service",
    ("/services", "minimal"): "service_minimal",
    ("/service_at_locations", "full"): "service_at_location",
    ("/organizations", "full"): "organization",
    ("/organizations", "full_service"): "organization",
}


def response_schema_name(path: str) -> tuple[str, bool]:
    """The compiled schema the official API description names for a GET path, and whether
    the answer is a page.

    One correction: the description gives `/service_at_locations/{id}` the *service* schema,
    which even the specification's own service_at_location example fails; the intended
    compiled service_at_location schema is used (a specification defect, see docs/hsds.md).
    """
    if path == "/service_at_locations/{id}":
        return "service_at_location", False
    response = openapi()["paths"][path]["get"]["responses"]["200"]
    schema = response["content"]["application/json"]["schema"]
    items = schema.get("properties", {}).get("contents", {}).get("items")
    ref = (items or schema)["$ref"]
    return ref.removeprefix(COMPILED_URL).removeprefix("compiled/").removesuffix(".json"), (
        items is not None
    )
