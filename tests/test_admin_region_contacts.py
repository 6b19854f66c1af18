"""Maintainers edit a region's contact channels in /admin: permissions, CSRF, validation in
the maintainer's language, the change log, and `init` keeping a maintainer's edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.contacts import (
    DATA_DIR,
    load_employment_areas,
    load_region_contacts,
    maintained_regions,
)
from app.models import (
    EmploymentArea,
    EmploymentAreaChangeLogEntry,
    RegionChangeLogEntry,
    RegionContact,
)
from tests.fixtures.admin import csrf_of, post_form
from tests.fixtures.catalogue import provider_ids_by_record
from tests.test_admin import edit_fields

KYMENLAAKSO, PIRKANMAA, ITA_UUSIMAA = "10", "08", "01"


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def form_fields(client: TestClient, url: str, **changes: str) -> list[tuple[str, str]]:
    """The region form's current values, some changed, as a browser would send them."""
    form = soup(client.get(url).text).select_one("main form.stack")
    assert form is not None
    fields = [
        (str(i["name"]), str(i.get("value", "")))
        for i in form.select("input[type=hidden], input[type=text], input[type=tel]")
    ]
    for select_element in form.select("select"):
        chosen = select_element.select_one("option[selected]") or select_element.select_one(
            "option"
        )
        assert chosen is not None
        fields.append((str(select_element["name"]), str(chosen["value"])))
    fields += [(str(c["name"]), "1") for c in form.select("input[type=checkbox][checked]")]
    sent = [(name, changes.pop(name, value)) for name, value in fields]
    return sent + list(changes.items())  # e.g. a checkbox ticked


def channels(db: Session, region: str) -> list[RegionContact]:
    db.expire_all()
    statement = (
        select(RegionContact)
        .where(RegionContact.region_code == region)
        .order_by(col(RegionContact.position))
    )
    return list(db.exec(statement).all())


def first_key(db: Session, region: str) -> str:
    return str(channels(db, region)[0].id)


@pytest.mark.parametrize(
    ("who", "own", "other"),
    [("anonymous", 303, 303), ("kymi", 200, 403), ("pirha", 403, 200), ("boss", 200, 200)],
)
def test_who_may_open_and_save_a_regions_contacts(
    signed_in: dict[str, TestClient], who: str, own: int, other: int
) -> None:
    client = signed_in[who]
    for region, expected in ((KYMENLAAKSO, own), (PIRKANMAA, other)):
        assert client.get(f"/admin/alueet/{region}").status_code == expected, (who, region)
        token = csrf_of(client, "/admin") if who != "anonymous" else "x"
        response = post_form(client, f"/admin/alueet/{region}", [("csrf", token)])
        assert response.status_code == (303 if expected == 200 else expected), (who, region)
    listing = client.get("/admin/alueet")
    assert listing.status_code == (303 if who == "anonymous" else 200)
    if who == "kymi":
        assert "/admin/alueet/10" in listing.text and "/admin/alueet/08" not in listing.text
    assert signed_in["boss"].get("/admin/alueet/91").status_code == 404  # Åland: no organiser
    assert signed_in["boss"].get("/admin/alueet/99").status_code == 404


def test_saving_without_a_valid_csrf_token_is_refused(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    client = signed_in["kymi"]
    url = f"/admin/alueet/{KYMENLAAKSO}"
    key = first_key(admin_db, KYMENLAAKSO)
    before = [c.phone for c in channels(admin_db, KYMENLAAKSO)]
    for token in ("", "forged", csrf_of(signed_in["boss"], "/admin")):
        fields = [(n, token if n == "csrf" else v) for n, v in form_fields(client, url)]
        fields = [(n, "05 111 2222" if n == f"{key}-phone" else v) for n, v in fields]
        assert post_form(client, url, fields).status_code == 403, token
    assert [c.phone for c in channels(admin_db, KYMENLAAKSO)] == before


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("phone", "javascript:alert(1)", "invalid"),
        ("phone", "12", "invalid"),
        ("web_url", "javascript:alert(1)", "invalid"),
        ("web_url", "ftp://example.org/x", "invalid"),
        ("web_url", "www.example.org", "invalid"),
        ("source_url", "data:text/html,x", "invalid"),
        ("source_date", "2026-13", "invalid"),
        ("source_date", "5.12.2026", "invalid"),
        ("channel_name_fi", "", "required"),
        ("channel_name_fi", "x" * 201, "too-long"),
        ("channel_kind", "made-up", "invalid"),
        ("channel_kind", "", "required"),  # a crafted form: the column may not be empty
    ],
)
def test_bad_values_are_shown_next_to_the_field_and_nothing_is_saved(
    signed_in: dict[str, TestClient], admin_db: Session, field: str, value: str, problem: str
) -> None:
    client = signed_in["kymi"]
    url = f"/en/admin/alueet/{KYMENLAAKSO}"
    key = first_key(admin_db, KYMENLAAKSO)
    stored = channels(admin_db, KYMENLAAKSO)
    response = post_form(client, url, form_fields(client, url, **{f"{key}-{field}": value}))
    assert response.status_code == 422
    page = soup(response.text)
    error = page.select_one(f"#error-{key}-{field}")
    messages = {"invalid": "Check the format", "required": "Fill in", "too-long": "too long"}
    assert error is not None and messages[problem] in error.get_text()
    assert page.select_one(f"#field-{key}-{field}[aria-invalid=true]") is not None
    assert page.select_one(".error-summary") is not None
    assert [(c.id, c.phone, c.web_url, c.channel_name_fi) for c in channels(
        admin_db, KYMENLAAKSO
    )] == [(c.id, c.phone, c.web_url, c.channel_name_fi) for c in stored]  # fmt: skip


def test_the_messages_are_in_the_maintainers_language(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    client = signed_in["kymi"]
    url = f"/sv/admin/alueet/{KYMENLAAKSO}"
    key = first_key(admin_db, KYMENLAAKSO)
    response = post_form(client, url, form_fields(client, url, **{f"{key}-phone": "abc"}))
    assert response.status_code == 422
    error = soup(response.text).select_one(f"#error-{key}-phone")
    assert error is not None and error.get_text() == "Kontrollera värdets format."


def test_an_edit_is_logged_shown_publicly_and_kept_when_init_reloads_the_file(
    signed_in: dict[str, TestClient], admin_db: Session, tmp_path: Path
) -> None:
    client = signed_in["kymi"]
    url = f"/admin/alueet/{KYMENLAAKSO}"
    key = first_key(admin_db, KYMENLAAKSO)
    changes = {
        f"{key}-phone": "05 234 5678",
        f"{key}-hours_fi": "ma–pe 9–15",
        f"{key}-source_url": "https://kymenhva.fi/yhteystiedot",
        f"{key}-source_date": "2026-12-05",
        "new-channel_kind": "chat",
        "new-channel_name_fi": "Sosiaalipalvelujen chat",
        "new-web_url": "https://kymenhva.fi/chat",
    }
    response = post_form(client, url, form_fields(client, url, **changes))
    assert response.status_code == 303, soup(response.text).select(".error-message")
    stored = channels(admin_db, KYMENLAAKSO)
    assert stored[0].phone == "05 234 5678" and stored[0].hours_fi == "ma–pe 9–15"
    assert stored[-1].channel_name_fi == "Sosiaalipalvelujen chat"
    assert stored[-1].web_url == "https://kymenhva.fi/chat"

    admin_db.expire_all()
    log = admin_db.exec(
        select(RegionChangeLogEntry).where(RegionChangeLogEntry.region_code == KYMENLAAKSO)
    ).all()
    entries = {(e.action, e.item, e.field, e.before, e.after) for e in log}
    assert ("edit", 1, "phone", None, "05 234 5678") in entries
    assert ("add", len(stored), "channel_name_fi", None, "Sosiaalipalvelujen chat") in entries
    assert all(e.user_id is not None and e.source == "web" for e in log)
    history = soup(client.get(url).text).select("#history ~ .table-wrap tbody tr")
    assert any("kymi" in row.get_text() and "05 234 5678" in row.get_text() for row in history)
    history = soup(client.get(f"/en{url}").text).select("#history ~ .table-wrap tbody tr")
    kinds = [row.select("td")[4].get_text() for row in history if "Kind of channel" in str(row)]
    assert kinds == ["Chat or contact request"]  # the kind's name, not its code

    public = client.get(f"/alueet/{KYMENLAAKSO}").text
    assert 'href="tel:+35852345678"' in public and "kymenhva.fi/chat" in public
    service = client.get("/palvelut/kuntouttava-tyotoiminta?kunta=286").text  # Kouvola
    assert "05 234 5678" in service

    # The bundled file changes (a new number for Kymenlaakso and for Itä-Uusimaa) and init
    # loads it again: the maintained region keeps its edit, the other one follows the file.
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "region_contacts.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("019 5600 111", "019 0000 000")
    text = text.replace(
        "10,named-service,Sosiaalihuollon asiakasneuvonta,,",
        "10,named-service,Sosiaalihuollon asiakasneuvonta,05 999 9999,",
    )
    assert "05 999 9999" in text and "019 0000 000" in text  # the file really changed
    path.write_text(text, encoding="utf-8")
    assert KYMENLAAKSO in maintained_regions(session=admin_db)
    load_region_contacts(session=admin_db, data_dir=data)
    kept = channels(admin_db, KYMENLAAKSO)
    assert [c.phone for c in kept] == [c.phone for c in stored]
    assert "05 999 9999" not in {c.phone for c in kept}
    assert channels(admin_db, ITA_UUSIMAA)[0].phone == "019 0000 000"
    load_region_contacts(session=admin_db)  # back to the bundled file for the other tests
    assert channels(admin_db, ITA_UUSIMAA)[0].phone == "019 5600 111"


def test_a_channel_is_removed_with_a_log_entry(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    client = signed_in["pirha"]
    url = f"/admin/alueet/{PIRKANMAA}"
    stored = channels(admin_db, PIRKANMAA)
    assert len(stored) >= 2
    removed = stored[-1]
    removed_id, removed_name = removed.id, removed.channel_name_fi
    response = post_form(client, url, form_fields(client, url, **{f"{removed_id}-remove": "1"}))
    assert response.status_code == 303
    kept_ids = [c.id for c in stored[:-1]]
    assert [c.id for c in channels(admin_db, PIRKANMAA)] == kept_ids
    admin_db.expire_all()
    entry = admin_db.exec(
        select(RegionChangeLogEntry).where(
            RegionChangeLogEntry.region_code == PIRKANMAA, RegionChangeLogEntry.action == "remove"
        )
    ).one()
    assert entry.before == removed_name and entry.after is None
    assert entry.item == len(kept_ids) + 1


def test_provider_form_messages_follow_the_reading_version_of_each_request(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    """The labels module was imported without context and so cached in the first language
    a worker rendered; a Swedish form then showed Finnish messages."""
    provider_id = provider_ids_by_record(admin_db)["P006"]
    client = signed_in["kymi"]
    for version, message in (("", "Tarkista arvon muoto."), ("/sv", "Kontrollera värdets format.")):
        url = f"{version}/admin/palveluntuottajat/{provider_id}"
        fields = [(n, "not-an-address" if n == "email" else v) for n, v in edit_fields(client, url)]
        response = post_form(client, url, fields)
        assert response.status_code == 422
        error = soup(response.text).select_one("#error-email")
        assert error is not None and error.get_text() == message, version


# --- Employment areas: site, phone and source, administrators only ------------------------


def area_id(db: Session, name: str) -> int:
    found = db.exec(select(EmploymentArea.id).where(EmploymentArea.name_fi == name)).one()
    assert found is not None
    return found


def area_fields(client: TestClient, url: str, **changes: str) -> list[tuple[str, str]]:
    form = soup(client.get(url).text).select_one("main form.stack")
    assert form is not None
    fields = [(str(i["name"]), str(i.get("value", ""))) for i in form.select("input")]
    return [(name, changes.get(name, value)) for name, value in fields]


KOUVOLA_AREA = "Kouvolan kaupunki (työvoimaviranomainen)"


def test_only_administrators_edit_employment_areas(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    url = f"/admin/tyollisyysalueet/{area_id(admin_db, KOUVOLA_AREA)}"
    assert signed_in["anonymous"].get(url).status_code == 303
    assert signed_in["kymi"].get(url).status_code == 403
    assert signed_in["kymi"].get("/admin/tyollisyysalueet").status_code == 403
    token = csrf_of(signed_in["kymi"], "/admin")
    refused = post_form(signed_in["kymi"], url, [("csrf", token), ("phone", "05 123 4567")])
    assert refused.status_code == 403
    assert signed_in["boss"].get(url).status_code == 200
    assert signed_in["boss"].get("/admin/tyollisyysalueet/999999").status_code == 404
    listing = signed_in["boss"].get("/admin/tyollisyysalueet").text
    assert KOUVOLA_AREA in listing


def test_an_area_edit_is_validated_logged_shown_and_kept_by_init(
    signed_in: dict[str, TestClient], admin_db: Session, tmp_path: Path
) -> None:
    client = signed_in["boss"]
    identifier = area_id(admin_db, KOUVOLA_AREA)
    url = f"/sv/admin/tyollisyysalueet/{identifier}"
    forged = [(n, "forged" if n == "csrf" else v) for n, v in area_fields(client, url)]
    assert post_form(client, url, forged).status_code == 403
    bad = post_form(client, url, area_fields(client, url, website="javascript:alert(1)"))
    assert bad.status_code == 422
    error = soup(bad.text).select_one("#error-website")
    assert error is not None and error.get_text() == "Kontrollera värdets format."
    admin_db.expire_all()
    area = admin_db.get(EmploymentArea, identifier)
    assert area is not None and area.phone is None and area.website != "javascript:alert(1)"

    saved = post_form(
        client,
        url,
        area_fields(client, url, phone="020 634 0000", source_date="2026-12-05"),
    )
    assert saved.status_code == 303
    admin_db.expire_all()
    log = admin_db.exec(
        select(EmploymentAreaChangeLogEntry).where(
            EmploymentAreaChangeLogEntry.area_id == identifier
        )
    ).all()
    assert {(e.field, e.after) for e in log} >= {("phone", "020 634 0000")}
    assert all(e.user_id is not None for e in log)
    service = client.get("/palvelut/tyollisyyspalvelut?kunta=286").text
    assert 'href="tel:+358206340000"' in service

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    load_employment_areas(session=admin_db, data_dir=data)
    admin_db.expire_all()
    area = admin_db.get(EmploymentArea, identifier)
    assert area is not None and area.phone == "020 634 0000"
    assert area.source_date == "2026-12-05"
