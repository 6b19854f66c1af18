"""One description of a provider's fields: the form model, the API models, the text of empty."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalogue.fields import ProviderFull, ProviderItem, ProviderUpdate
from app.catalogue.maintenance import TEXT_FIELDS, validate_provider_form
from app.catalogue.providers import provider_path
from app.catalogue.values import text_or_none
from app.catalogue.vocabularies import Vocabularies, load_vocabularies
from app.guide.content import SERVICE_CODES
from app.models import ProviderBase
from app.search.hits import INDEXED_FIELDS, SUMMARY_FIELDS, SUMMARY_PROVIDER_FIELDS, SearchHit

VOCABULARIES = load_vocabularies()
MUNICIPALITIES = {"285", "286", "489"}


def legacy_validate_provider_form(
    form: Mapping[str, Sequence[str]], *, vocabularies: Vocabularies, service_codes: set[str],
    municipalities: set[str],
) -> tuple[dict[str, object], dict[str, str]]:  # fmt: skip
    """The hand-written validation `ProviderUpdate` replaced (commit 2a43d12), as the oracle,
    with the security review's rule that numbers and postal codes are ASCII digits (BI-05)."""
    text_fields = {
        "waiting_time": 100, "name": 200, "street_address": 200, "postal_code": 5,
        "post_office": 100, "phone": 40, "email": 200, "website": 500, "accessibility": 2000,
        "opening_hours": 500, "description": 4000,
    }  # fmt: skip
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name, max_length in text_fields.items():
        raw = (form.get(name) or [""])[0]
        value = " ".join(raw.split()) if name != "description" else raw.strip()
        if len(value) > max_length:
            errors[name] = "too-long"
        values[name] = value or None
    if not values["name"]:
        errors["name"] = "required"
    checks = {
        "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
        "phone": re.compile(r"^\+?[0-9 ()-]{5,40}$"),
        "postal_code": re.compile(r"^[0-9]{5}$"),
        "website": re.compile(r"^https?://[^\s]+$"),
    }
    for name, pattern in checks.items():
        if values[name] and name not in errors and not pattern.match(str(values[name])):
            errors[name] = "invalid"
    free_places = (form.get("free_places") or [""])[0].strip()
    whole_number = free_places.isascii() and free_places.isdigit()
    if free_places and (not whole_number or int(free_places) > 10_000):
        errors["free_places"] = "invalid"
    values["free_places"] = int(free_places) if whole_number else None
    municipality = (form.get("municipality_code") or [""])[0]
    if municipality and municipality not in municipalities:
        errors["municipality_code"] = "invalid"
    values["municipality_code"] = municipality or None
    allowed = {
        "services": service_codes,
        "activities": set(vocabularies.activity_types),
        "target_groups": set(vocabularies.target_groups),
        "languages": set(vocabularies.languages),
    }
    for name, codes in allowed.items():
        chosen = list(dict.fromkeys(form.get(name) or []))
        if set(chosen) - codes:
            errors[name] = "invalid"
        values[name] = sorted(chosen)
    return values, errors


Checked = tuple[dict[str, object], dict[str, str]]


def both(form: Mapping[str, Sequence[str]]) -> tuple[Checked, Checked]:
    """The form checked by the model and by the hand-written code it replaced."""
    services = set(SERVICE_CODES)
    return (
        validate_provider_form(
            form, vocabularies=VOCABULARIES, service_codes=services, municipalities=MUNICIPALITIES
        ),
        legacy_validate_provider_form(
            form, vocabularies=VOCABULARIES, service_codes=services, municipalities=MUNICIPALITIES
        ),
    )


TEXTS = st.sampled_from(
    ["", "  ", "Paja", " Paja  Kotka ", "a" * 5, "x" * 41, "y" * 201, "z" * 4001, "12345",
     "1234", "00100 ", "+358 40 123 4567", "040-123 (4)", "abc", "nimi@example.fi",
     "nimi@example", "a b@c.d", "https://example.fi/x", "http://a", "ftp://a", "https://a b",
     "rivi 1\n\nrivi 2 ", "\t", "１２３４５"]
)  # fmt: skip
NUMBERS = st.sampled_from(["", " ", "0", "7", " 12 ", "10000", "10001", "-1", "+5", "1.5", "x"])
CODES = st.lists(
    st.sampled_from([*SERVICE_CODES[:3], *list(VOCABULARIES.activity_types)[:2], "fi", "sv", "xx"]),
    max_size=4,
)
FORMS = st.fixed_dictionaries(
    {name: st.lists(TEXTS, min_size=1, max_size=1) for name in TEXT_FIELDS}
    | {
        "free_places": st.lists(NUMBERS, min_size=1, max_size=1),
        "municipality_code": st.lists(st.sampled_from(["", "285", "999", " 285"]), max_size=1),
        **{name: CODES for name in ("services", "activities", "target_groups", "languages")},
    }
)


@settings(max_examples=400, deadline=None)
@given(form=FORMS)
def test_the_form_model_accepts_and_rejects_what_the_hand_written_checks_did(
    form: dict[str, list[str]],
) -> None:
    (values, errors), (legacy_values, legacy_errors) = both(form)
    assert list(errors.items()) == list(legacy_errors.items())  # same keys, same order
    assert values == legacy_values


def test_every_problem_is_named_in_the_order_the_page_always_listed_them() -> None:
    form = {
        "name": [""], "phone": ["9" * 41], "email": ["not-an-address"], "postal_code": ["123"],
        "free_places": ["many"], "municipality_code": ["999"], "languages": ["xx"],
    }  # fmt: skip
    values, errors = validate_provider_form(
        form, vocabularies=VOCABULARIES, service_codes=set(SERVICE_CODES),
        municipalities=MUNICIPALITIES,
    )  # fmt: skip
    assert list(errors.items()) == [
        ("phone", "too-long"),
        ("name", "required"),
        ("email", "invalid"),
        ("postal_code", "invalid"),
        ("free_places", "invalid"),
        ("municipality_code", "invalid"),
        ("languages", "invalid"),
    ]
    assert values["free_places"] is None and values["phone"] == "9" * 41


def test_a_valid_form_gives_the_models_clean_values() -> None:
    form = {
        "name": ["  Työpaja   Verstas "], "description": [" Rivi 1\n\nRivi 2 "],
        "free_places": ["3"], "municipality_code": ["285"], "languages": ["sv", "fi", "sv"],
    }  # fmt: skip
    values, errors = validate_provider_form(
        form, vocabularies=VOCABULARIES, service_codes=set(SERVICE_CODES),
        municipalities=MUNICIPALITIES,
    )  # fmt: skip
    assert errors == {}
    assert values["name"] == "Työpaja Verstas"
    assert values["description"] == "Rivi 1\n\nRivi 2"
    assert values["free_places"] == 3
    assert values["languages"] == ["fi", "sv"]
    assert values["email"] is None


def test_form_lengths_live_in_the_form_model_not_in_the_table() -> None:
    assert TEXT_FIELDS["name"] == 200 and TEXT_FIELDS["description"] == 4000
    assert set(TEXT_FIELDS) <= set(ProviderBase.model_fields)
    edited = set(ProviderUpdate.model_fields) - set(ProviderUpdate.code_fields())
    assert edited <= set(ProviderBase.model_fields)


@pytest.mark.parametrize(
    "name", sorted(set(ProviderFull.model_fields) & set(ProviderBase.model_fields))
)
def test_the_api_publishes_a_field_with_the_models_type_and_description(name: str) -> None:
    published, declared = ProviderFull.model_fields[name], ProviderBase.model_fields[name]
    assert published.annotation == declared.annotation
    assert published.description == declared.description


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None), ("", None), ("  \n", None), ([], None), ((), None),
        (["a", "b"], "a; b"), (("fi",), "fi"), (" Kotka ", "Kotka"), (0, "0"), (12, "12"),
    ],
)  # fmt: skip
def test_text_or_none_has_one_meaning_of_empty(value: object, text: str | None) -> None:
    assert text_or_none(value) == text


def test_a_search_hit_is_built_from_the_index_fields_and_the_stored_summary() -> None:
    stored = {
        "provider_id": 7, "region": "10", "municipality": "", "status": "verify",
        "service": "kuntouttava-tyotoiminta,sosiaalinen-kuntoutus", "activity": "",
        "target_group": "pitkaaikaistyottomat", "language": "fi,sv",
        "summary": {
            "name": "Paja", "organization": "Yhdistys", "municipality_fi": None,
            "municipality_sv": None, "source_date": "2015", "source_year": 2015,
            "assured_date": dt.date(2026, 3, 4), "free_places": 2, "waiting_time": None,
            "availability_date": dt.date(2026, 11, 30),
        },
    }  # fmt: skip
    hit = SearchHit.from_stored(stored)
    assert hit.id == 7 and hit.name == "Paja" and hit.organization == "Yhdistys"
    assert hit.region_code == "10" and hit.municipality_code is None and hit.status == "verify"
    assert hit.services == ("kuntouttava-tyotoiminta", "sosiaalinen-kuntoutus")
    assert hit.activities == () and hit.languages == ("fi", "sv")
    assert hit.assured_date == dt.date(2026, 3, 4) and hit.free_places == 2


def test_the_index_summary_holds_every_hit_field_the_index_fields_do_not() -> None:
    hit_fields = {field.name for field in dataclasses.fields(SearchHit)}
    assert set(SUMMARY_FIELDS) == hit_fields - {"id"} - set(INDEXED_FIELDS)
    assert {"name", "free_places", "assured_date"} <= set(SUMMARY_PROVIDER_FIELDS)


def test_an_api_item_takes_every_field_but_its_url_from_the_search_hit() -> None:
    assert set(ProviderItem.model_fields) - {"url"} <= {
        field.name for field in dataclasses.fields(SearchHit)
    }


def test_provider_pages_have_one_address_builder() -> None:
    assert provider_path(12) == "/palveluntuottajat/12"
    assert provider_path(12, "sv") == "/sv/tjansteproducenter/12"
    assert provider_path(12, "en") == "/en/providers/12"
