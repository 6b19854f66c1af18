"""The bundled provider data: loaded as the source says, mapped by the reviewed table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.catalogue.vocabularies import Mappings, load_mappings, load_vocabularies, split_terms
from app.guide.content import SERVICE_CODES
from app.interop.bundled import PROVIDERS_CSV, ProviderDataError, load_bundled_providers
from app.models import Provider, ProviderService
from tests.fixtures.catalogue import provider_ids_by_record


@pytest.fixture(scope="module")
def mappings() -> Mappings:
    return load_mappings(load_vocabularies(), set(SERVICE_CODES))


def csv_rows() -> list[dict[str, str]]:
    with PROVIDERS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_all_83_providers_are_loaded(db_session: Session) -> None:
    assert db_session.exec(select(func.count()).select_from(Provider)).one() == 83


def test_every_source_term_has_been_reviewed(mappings) -> None:  # type: ignore[no-untyped-def]
    for row in csv_rows():
        for column in ("services", "workshop_types", "target_groups"):
            for term in split_terms(row[column]):
                assert mappings.lookup(column, term) is not None, (row["record_id"], term)


def test_semicolons_inside_parentheses_do_not_split_terms() -> None:
    assert split_terms("kierrätys (Patina; Kujala); puutyö") == [
        "kierrätys (patina; kujala)",
        "puutyö",
    ]


def test_bundled_data_with_an_unreviewed_term_is_refused(
    mappings: Mappings, db_session: Session, tmp_path: Path
) -> None:
    rows = csv_rows()
    rows[0]["services"] = "aivan uusi palvelu"
    path = tmp_path / "providers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ProviderDataError, match="aivan uusi palvelu"):
        load_bundled_providers(session=db_session, mappings=mappings, csv_path=path)
    db_session.rollback()


def test_original_texts_and_empty_fields_are_kept_as_the_source_has_them(
    db_session: Session,
) -> None:
    ids = provider_ids_by_record(db_session)
    porvoo = db_session.get(Provider, ids["P019"])
    assert porvoo is not None
    assert porvoo.name.startswith("Sotek Porvoo")
    assert porvoo.street_address == "Ratsumestarinkatu 9"
    assert porvoo.phone is None, "no phone in the source, none invented"
    assert "kierrätysmyymälä" in (porvoo.activities_text or "")
    kotka = db_session.get(Provider, ids["P001"])
    assert kotka is not None and kotka.status == "verify" and kotka.source_year == 2015


def test_closed_providers_are_marked_closed(db_session: Session) -> None:
    ids = provider_ids_by_record(db_session)
    for record in ("P020", "P082"):
        provider = db_session.get(Provider, ids[record])
        assert provider is not None and provider.status == "closed"


def test_services_are_mapped_to_guide_codes(db_session: Session) -> None:
    ids = provider_ids_by_record(db_session)
    codes = set(
        db_session.exec(
            select(ProviderService.code).where(ProviderService.provider_id == ids["P019"])
        )
    )
    assert {"kuntouttava-tyotoiminta", "palkkatuki", "tyokokeilu"} <= codes


def test_loading_again_changes_nothing(db_session: Session, mappings) -> None:  # type: ignore[no-untyped-def]
    before = {p.external_id: (p.name, p.updated_at) for p in db_session.exec(select(Provider))}
    assert load_bundled_providers(session=db_session, mappings=mappings) == 83
    after = {p.external_id: (p.name, p.updated_at) for p in db_session.exec(select(Provider))}
    assert before == after
