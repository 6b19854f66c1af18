"""The bundled geography: 22 organisers, 292 mainland municipalities, Åland outside."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from app.geography import finnish_sort_key, list_organisers, load_geography
from app.models import OUTSIDE_SYSTEM_REGION_CODE, Municipality, Region


def test_there_are_22_organisers_incl_helsinki(db_session: Session) -> None:
    organisers = list_organisers(session=db_session)
    assert len(organisers) == 22
    assert "90" in {region.code for region in organisers}
    assert OUTSIDE_SYSTEM_REGION_CODE not in {region.code for region in organisers}


def test_292_mainland_municipalities_belong_to_organisers(db_session: Session) -> None:
    mainland = db_session.exec(
        select(func.count()).select_from(Municipality).join(Region).where(col(Region.is_organiser))
    ).one()
    assert mainland == 292


def test_aland_is_marked_outside_the_system(db_session: Session) -> None:
    aland = db_session.get(Region, OUTSIDE_SYSTEM_REGION_CODE)
    assert aland is not None and not aland.is_organiser
    mariehamn = db_session.get(Municipality, "478")
    assert mariehamn is not None and mariehamn.region_code == OUTSIDE_SYSTEM_REGION_CODE


def test_every_organiser_has_an_official_website(db_session: Session) -> None:
    for region in list_organisers(session=db_session):
        assert region.website and region.website.startswith("https://"), region.code
        assert region.website_evidence_url


def test_pertunmaa_is_merged_into_mantyharju(db_session: Session) -> None:
    assert db_session.get(Municipality, "588") is None
    mantyharju = db_session.get(Municipality, "507")
    assert mantyharju is not None and mantyharju.region_code == "12"


def test_loading_again_changes_nothing(db_session: Session) -> None:
    before = db_session.exec(select(func.count()).select_from(Municipality)).one()
    assert load_geography(session=db_session) == (23, 308)
    after = db_session.exec(select(func.count()).select_from(Municipality)).one()
    assert before == after == 308


def test_finnish_sort_puts_a_with_dots_after_z() -> None:
    names = ["Äänekoski", "Ylöjärvi", "Alajärvi", "Övertorneå", "Åbo"]
    assert sorted(names, key=finnish_sort_key) == [
        "Alajärvi",
        "Ylöjärvi",
        "Åbo",
        "Äänekoski",
        "Övertorneå",
    ]
