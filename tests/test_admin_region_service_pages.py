"""Maintainers edit the organisers' own service pages of a region in /admin: permissions,
CSRF, validation in the maintainer's language, the change log shared with the contact
channels, every node showing an edit at once, and `init` keeping a maintainer's edit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.accounts import create_user
from app.config import Settings
from app.contacts import (
    CONTACT_SUBJECT,
    DATA_DIR,
    SERVICE_PAGE_SUBJECT,
    load_region_contacts,
    maintained_regions,
)
from app.models import RegionChangeLogEntry, RegionContact, RegionServicePage, User
from app.region_service_pages import current_pages, page_form_rows, validate_page_form
from app.web.main import create_app
from tests.fixtures.admin import csrf_of, post_form, sign_in
from tests.fixtures.web import ValidatingClient
from tests.page_validation import assert_valid_page
from tests.test_admin_region_contacts import form_fields as contact_form_fields

ITA_UUSIMAA, LANSI_UUSIMAA, SATAKUNTA, KANTA_HAME = "01", "03", "06", "05"
KYMENLAAKSO, PIRKANMAA, HELSINKI, POHJANMAA = "10", "08", "90", "17"
SATAKUNTA_KTT = "https://satakunnanhyvinvointialue.fi/palvelut/aikuisten-sosiaalipalvelut/tyokyvyn-tuen-palvelut/"


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def pages_url(region: str, version: str = "") -> str:
    return f"{version}/admin/alueet/{region}"


def page_fields(client: TestClient, url: str, **changes: str) -> list[tuple[str, str]]:
    """The service-page form's current values, some changed, as a browser would send them."""
    form = assert_valid_page(client.get(url).text, url).select_one("form[action$='/palvelusivut']")
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
    sent = [(name, changes.pop(name, value)) for name, value in fields]
    return sent + list(changes.items())  # e.g. a checkbox ticked


def submit(
    client: TestClient, region: str, fields: list[tuple[str, str]], version: str = ""
) -> httpx.Response:
    """Send the region's service-page form."""
    return post_form(client, f"{pages_url(region, version)}/palvelusivut", fields)


def stored_pages(db: Session, region: str) -> list[RegionServicePage]:
    db.expire_all()
    statement = (
        select(RegionServicePage)
        .where(RegionServicePage.region_code == region)
        .order_by(col(RegionServicePage.position))
    )
    return list(db.exec(statement).all())


def snapshot(db: Session, region: str) -> list[tuple[object, ...]]:
    fields = ("id", "topic", "url", "page_title", "page_lang", "phone", "hours_fi",
              "source_date", "notes")  # fmt: skip
    return [tuple(getattr(p, name) for name in fields) for p in stored_pages(db, region)]


def page_log(db: Session, region: str) -> list[RegionChangeLogEntry]:
    db.expire_all()
    statement = (
        select(RegionChangeLogEntry)
        .where(
            RegionChangeLogEntry.region_code == region,
            RegionChangeLogEntry.subject == SERVICE_PAGE_SUBJECT,
        )
        .order_by(col(RegionChangeLogEntry.id))
    )
    return list(db.exec(statement).all())


@pytest.fixture
def sata(admin_app: FastAPI, admin_db: Session) -> Iterator[TestClient]:
    """A coordinator of Satakunta, signed in."""
    if admin_db.exec(select(User).where(User.username == "sata")).first() is None:
        create_user(
            session=admin_db,
            username="sata",
            password="a long enough test password",
            role="coordinator",
            regions=[SATAKUNTA],
        )
    with TestClient(admin_app, follow_redirects=False) as client:
        assert sign_in(client, "sata").status_code == 303
        yield client


def key_of(db: Session, region: str, topic: str) -> str:
    page = next(p for p in stored_pages(db, region) if p.topic == topic and not p.is_historical)
    return f"page-{page.id}"


# --- Who may edit ---------------------------------------------------------------------------


def test_coordinators_edit_only_their_own_regions_pages(
    signed_in: dict[str, TestClient], sata: TestClient, admin_db: Session
) -> None:
    before = snapshot(admin_db, SATAKUNTA)
    key = key_of(admin_db, SATAKUNTA, "ktt")
    for client, region, expected in (
        (sata, SATAKUNTA, 200),
        (sata, KYMENLAAKSO, 403),
        (signed_in["kymi"], SATAKUNTA, 403),
        (signed_in["pirha"], SATAKUNTA, 403),
        (signed_in["kymi"], KYMENLAAKSO, 200),
        (signed_in["boss"], SATAKUNTA, 200),
        (signed_in["anonymous"], SATAKUNTA, 303),  # to the sign-in page
    ):
        assert client.get(pages_url(region)).status_code == expected, (region, expected)
        token = csrf_of(client, "/admin") if client is not signed_in["anonymous"] else "x"
        fields = [("csrf", token)]
        if expected != 200:  # a change that must not be saved
            fields.append((f"{key}-url", "https://example.org/taken-over"))
        response = submit(client, region, fields)
        assert response.status_code == (303 if expected == 200 else expected), (region, expected)
        if expected == 303:
            assert "/admin/login" in response.headers["location"]
    assert snapshot(admin_db, SATAKUNTA) == before
    boss = signed_in["boss"]
    token = csrf_of(boss, "/admin")
    assert submit(boss, "91", [("csrf", token)]).status_code == 404  # Åland: no organiser
    assert submit(boss, "99", [("csrf", token)]).status_code == 404


def test_saving_without_a_valid_csrf_token_is_refused(
    sata: TestClient, signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    url = pages_url(SATAKUNTA)
    key = key_of(admin_db, SATAKUNTA, "ktt")
    before = snapshot(admin_db, SATAKUNTA)
    for token in ("", "forged", csrf_of(signed_in["boss"], "/admin")):
        fields = page_fields(sata, url, **{f"{key}-url": "https://example.org/new"})
        fields = [(n, token if n == "csrf" else v) for n, v in fields]
        assert submit(sata, SATAKUNTA, fields).status_code == 403, token
    assert snapshot(admin_db, SATAKUNTA) == before
    assert page_log(admin_db, SATAKUNTA) == []


# --- Validation -----------------------------------------------------------------------------


def test_every_bundled_current_page_passes_the_forms_checks(admin_db: Session) -> None:
    """A maintainer can save a region's form without first correcting the bundled data."""
    regions = {p.region_code for p in admin_db.exec(select(RegionServicePage)).all()}
    for region in sorted(regions):
        pages = current_pages(session=admin_db, region_code=region)
        form = {
            row.name(name): [value or ""]
            for row in page_form_rows(pages)
            for name, value in row.values.items()
        }
        sent, errors = validate_page_form(form, pages)
        assert errors == {}, region
        assert len(sent) == len(pages)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("url", "javascript:alert(1)", "invalid"),
        ("url", "ftp://example.org/x", "invalid"),
        ("url", "www.example.org", "invalid"),
        ("url", "data:text/html,x", "invalid"),
        ("url", "", "required"),
        ("url", "https://example.org/" + "x" * 500, "too-long"),
        ("phone", "javascript:alert(1)", "invalid"),
        ("phone", "12", "invalid"),
        ("source_date", "2026-02-30", "invalid"),
        ("source_date", "2026-13", "invalid"),
        ("source_date", "5.12.2026", "invalid"),
        ("source_date", "1999", "invalid"),
        ("page_title", "x" * 301, "too-long"),
        ("hours_fi", "x" * 201, "too-long"),
    ],
)
def test_bad_values_are_shown_next_to_the_field_and_nothing_is_saved(
    sata: TestClient, admin_db: Session, field: str, value: str, problem: str
) -> None:
    url = pages_url(SATAKUNTA, "/en")
    key = key_of(admin_db, SATAKUNTA, "ktt")
    before = snapshot(admin_db, SATAKUNTA)
    # a valid change beside the bad one is not saved either
    changes = {f"{key}-{field}": value, "page-new-url": "https://example.org/ok"}
    if field != "page_title":
        changes[f"{key}-page_title"] = "Changed title"
    response = submit(sata, SATAKUNTA, page_fields(sata, url, **changes), "/en")
    assert response.status_code == 422
    page = assert_valid_page(response.text, url)  # the summary's links find their fields
    error = page.select_one(f"#error-{key}-{field}")
    messages = {"invalid": "Check the format", "required": "Fill in", "too-long": "too long"}
    assert error is not None and messages[problem] in error.get_text()
    assert page.select_one(f"#field-{key}-{field}[aria-invalid=true]") is not None
    summary = page.select_one(".error-summary")
    assert summary is not None and f"#field-{key}-{field}" in str(summary)
    assert page.select_one("title") is not None and "Error:" in page.title.get_text()  # type: ignore[union-attr]
    # what the maintainer typed is shown again, in both forms' places
    sent = page.select_one(f"#field-{key}-{field}")
    assert sent is not None and sent.get("value", "") == value
    assert snapshot(admin_db, SATAKUNTA) == before
    assert page_log(admin_db, SATAKUNTA) == []


def test_a_new_page_needs_an_address_and_a_known_topic(sata: TestClient, admin_db: Session) -> None:
    url = pages_url(SATAKUNTA, "/en")
    before = snapshot(admin_db, SATAKUNTA)
    no_address = page_fields(sata, url, **{"page-new-page_title": "Sosiaalinen kuntoutus"})
    response = submit(sata, SATAKUNTA, no_address, "/en")
    assert response.status_code == 422
    error = soup(response.text).select_one("#error-page-new-url")
    assert error is not None and "Fill in" in error.get_text()
    made_up = page_fields(
        sata, url, **{"page-new-url": "https://example.org/x", "page-new-topic": "made-up"}
    )
    response = submit(sata, SATAKUNTA, made_up, "/en")
    assert response.status_code == 422
    assert soup(response.text).select_one("#error-page-new-topic") is not None
    assert snapshot(admin_db, SATAKUNTA) == before


@pytest.mark.parametrize(
    ("version", "message", "label"),
    [
        ("", "Tarkista arvon muoto.", "Sivun osoite (https://…)"),
        ("/selko", "Tarkista arvon muoto.", "Sivun osoite, alku https://"),
        ("/sv", "Kontrollera värdets format.", "Sidans adress (https://…)"),
        ("/en", "Check the format of this value.", "Address of the page (https://…)"),
    ],
)
def test_the_messages_and_labels_are_in_the_maintainers_language(
    sata: TestClient, admin_db: Session, version: str, message: str, label: str
) -> None:
    url = pages_url(SATAKUNTA, version)
    key = key_of(admin_db, SATAKUNTA, "ktt")
    fields = page_fields(sata, url, **{f"{key}-url": "ftp://example.org"})
    response = submit(sata, SATAKUNTA, fields, version)
    assert response.status_code == 422
    page = soup(response.text)
    error = page.select_one(f"#error-{key}-url")
    assert error is not None and error.get_text() == message
    field_label = page.select_one(f"label[for=field-{key}-url]")
    assert field_label is not None and field_label.get_text() == label
    summary = page.select_one(".error-summary li")
    assert summary is not None and summary.get_text() == f"{label}: {message}"


@pytest.mark.parametrize(
    ("version", "message", "label"),
    [
        ("", "Valitse sivun kieli listasta: suomi, ruotsi, englanti tai ei tiedossa.",
         "Sivun kieli"),
        ("/selko",
         "Valitse listasta, millä kielellä sivu on. Jos et tiedä kieltä, valitse En tiedä.",
         "Millä kielellä sivu on"),
        ("/sv", "Välj sidans språk i listan: finska, svenska, engelska eller okänt.",
         "Sidans språk"),
        ("/en",
         "Choose the language of the page from the list: Finnish, Swedish, English or not known.",
         "Language of the page"),
    ],
)  # fmt: skip
def test_a_page_language_outside_the_list_is_refused_with_a_clear_message(
    signed_in: dict[str, TestClient], admin_db: Session, version: str, message: str, label: str
) -> None:
    boss = signed_in["boss"]
    url = pages_url(ITA_UUSIMAA, version)
    key = key_of(admin_db, ITA_UUSIMAA, "ktt")
    before, logged = snapshot(admin_db, ITA_UUSIMAA), len(page_log(admin_db, ITA_UUSIMAA))
    for value in ("de", "SV", "swedish", "sv-FI"):
        fields = page_fields(boss, url, **{f"{key}-page_lang": value})
        response = submit(boss, ITA_UUSIMAA, fields, version)
        assert response.status_code == 422, value
        page = assert_valid_page(response.text, url)
        error = page.select_one(f"#error-{key}-page_lang")
        assert error is not None and error.get_text() == message
        assert page.select_one(f"select#field-{key}-page_lang[aria-invalid=true]") is not None
        field_label = page.select_one(f"label[for=field-{key}-page_lang]")
        assert field_label is not None and field_label.get_text() == label
        summary = page.select_one(".error-summary li")
        assert summary is not None and summary.get_text() == f"{label}: {message}"
    assert snapshot(admin_db, ITA_UUSIMAA) == before
    assert len(page_log(admin_db, ITA_UUSIMAA)) == logged


# --- Saving, the change log and the public pages --------------------------------------------


def test_an_edit_is_logged_and_every_node_shows_it_at_once(
    sata: TestClient, admin_db: Session, admin_settings: Settings
) -> None:
    # Two nodes behind a proxy: they share only the database. Node B renders the pages
    # before the edit (anything it keeps in memory would now hold the old address).
    with (
        ValidatingClient(create_app(admin_settings)) as node_a,
        ValidatingClient(create_app(admin_settings)) as node_b,
    ):
        assert SATAKUNTA_KTT in node_b.get(f"/alueet/{SATAKUNTA}").text
        assert SATAKUNTA_KTT in node_b.get("/api/v1/regions").text

        url = pages_url(SATAKUNTA)
        key = key_of(admin_db, SATAKUNTA, "ktt")
        removed = key_of(admin_db, SATAKUNTA, "disability-work")
        removed_url = next(
            p.url for p in stored_pages(admin_db, SATAKUNTA) if f"page-{p.id}" == removed
        )
        changes = {
            f"{key}-url": "https://satakunnanhyvinvointialue.fi/kuntouttava-tyotoiminta",
            f"{key}-phone": "02 627 7000",
            f"{key}-source_date": "2026-12-05",
            f"{removed}-remove": "1",
            "page-new-topic": "advice",
            "page-new-url": "  https://satakunnanhyvinvointialue.fi/neuvonta  ",
            "page-new-page_title": "Sosiaalialan   neuvonta",
        }
        response = submit(sata, SATAKUNTA, page_fields(sata, url, **changes))
        assert response.status_code == 303, soup(response.text).select(".error-message")

        stored = [p for p in stored_pages(admin_db, SATAKUNTA) if not p.is_historical]
        assert [(p.topic, p.url, p.phone, p.source_date) for p in stored] == [
            ("ktt", "https://satakunnanhyvinvointialue.fi/kuntouttava-tyotoiminta",
             "02 627 7000", "2026-12-05"),
            ("advice", "https://satakunnanhyvinvointialue.fi/neuvonta", None, None),
        ]  # fmt: skip
        assert stored[-1].page_title == "Sosiaalialan neuvonta"  # whitespace collapsed

        entries = {
            (e.action, e.item, e.field, e.before, e.after) for e in page_log(admin_db, SATAKUNTA)
        }
        assert entries == {
            ("edit", 1, "url", SATAKUNTA_KTT, "https://satakunnanhyvinvointialue.fi/kuntouttava-tyotoiminta"),
            ("edit", 1, "phone", None, "02 627 7000"),
            ("edit", 1, "source_date", None, "2026-12-05"),
            ("remove", 2, "url", removed_url, None),
            ("add", 3, "topic", None, "advice"),
            ("add", 3, "url", None, "https://satakunnanhyvinvointialue.fi/neuvonta"),
            ("add", 3, "page_title", None, "Sosiaalialan neuvonta"),
        }  # fmt: skip
        assert all(
            e.user_id is not None and e.source == "web" for e in page_log(admin_db, SATAKUNTA)
        )
        history = soup(sata.get(f"/en{url}").text).select("#history ~ .table-wrap tbody tr")
        assert any(
            "sata" in row.get_text()
            and "(page 1): Phone" in row.get_text()
            and "02 627 7000" in row.get_text()
            for row in history
        )
        topics = [row.select("td")[4].get_text() for row in history if "): Topic" in str(row)]
        assert topics == ["Advice for working-age adults"]  # the topic's name, not its code

        for node in (node_a, node_b):
            public = node.get(f"/alueet/{SATAKUNTA}").text
            assert 'href="https://satakunnanhyvinvointialue.fi/kuntouttava-tyotoiminta"' in public
            assert 'href="https://satakunnanhyvinvointialue.fi/neuvonta"' in public
            assert SATAKUNTA_KTT not in public and removed_url not in public
            assert "5.12.2026" in public
            regions = node.get("/api/v1/regions").json()
            satakunta = next(r for r in regions if r["code"] == SATAKUNTA)
            assert satakunta["service_pages"] == [
                {"topic": "ktt", "url": "https://satakunnanhyvinvointialue.fi/kuntouttava-tyotoiminta",
                 "page_title": "Työkyvyn tuen palvelut", "page_lang": "fi", "phone": "02 627 7000",
                 "hours_fi": None, "source_date": "2026-12-05"},
                {"topic": "advice", "url": "https://satakunnanhyvinvointialue.fi/neuvonta",
                 "page_title": "Sosiaalialan neuvonta", "page_lang": None, "phone": None,
                 "hours_fi": None, "source_date": None},
            ]  # fmt: skip


def test_an_edited_phone_and_hours_show_on_the_public_pages(
    signed_in: dict[str, TestClient], admin_db: Session, public_client: TestClient
) -> None:
    # Pohjanmaa's advice page gives hours but, in the bundled data, no number.
    boss = signed_in["boss"]
    key = key_of(admin_db, POHJANMAA, "advice")

    def advice_item(path: str) -> str:
        box = soup(public_client.get(path).text).select_one(".region-contact .link-list")
        assert box is not None
        items = [li for li in box.select("li") if "pohjanmaanhyvinvointi.fi" in str(li)]
        assert len(items) == 1
        return str(items[0])

    assert "tel:" not in advice_item(f"/alueet/{POHJANMAA}")
    changes = {f"{key}-phone": "06 218 9000", f"{key}-hours_fi": "ma–pe klo 9–15"}
    response = submit(boss, POHJANMAA, page_fields(boss, pages_url(POHJANMAA), **changes))
    assert response.status_code == 303, soup(response.text).select(".error-message")

    item = advice_item(f"/alueet/{POHJANMAA}")
    assert '<a href="tel:+35862189000">06 218 9000</a>' in item
    assert "<span>ma–pe klo 9–15</span>" in item and "joka arkipäivä" not in item
    item = advice_item(f"/en/regions/{POHJANMAA}")
    assert '<a href="tel:+35862189000">06 218 9000</a>' in item
    assert '<span lang="fi">ma–pe klo 9–15</span>' in item
    regions = {region["code"]: region for region in public_client.get("/api/v1/regions").json()}
    advice = next(p for p in regions[POHJANMAA]["service_pages"] if p["topic"] == "advice")
    assert (advice["phone"], advice["hours_fi"]) == ("06 218 9000", "ma–pe klo 9–15")


def test_a_changed_page_language_is_logged_and_marks_the_public_title(
    signed_in: dict[str, TestClient], admin_db: Session, public_client: TestClient
) -> None:
    boss = signed_in["boss"]
    key = key_of(admin_db, ITA_UUSIMAA, "ktt")
    url = pages_url(ITA_UUSIMAA)
    logged = len(page_log(admin_db, ITA_UUSIMAA))
    form = soup(boss.get(url).text)
    chosen = form.select_one(f"select[name={key}-page_lang] option[selected]")
    assert chosen is not None and chosen["value"] == "sv"  # as the bundled data gives it
    options = form.select(f"select[name={key}-page_lang] option")
    assert [o["value"] for o in options] == ["", "fi", "sv", "en"]

    def title(path: str) -> str:
        item = next(
            li
            for li in soup(public_client.get(path).text).select(".region-contact .link-list li")
            if "ostranyland.fi" in str(li)
        )
        cite = item.select_one("cite")
        assert cite is not None
        return str(cite)

    assert (
        title(f"/alueet/{ITA_UUSIMAA}") == '<cite lang="sv">Rehabiliterande arbetsverksamhet</cite>'
    )
    # "Not known": the address does not say it either, so the title is no longer marked.
    response = submit(boss, ITA_UUSIMAA, page_fields(boss, url, **{f"{key}-page_lang": ""}))
    assert response.status_code == 303, soup(response.text).select(".error-message")
    assert title(f"/alueet/{ITA_UUSIMAA}") == "<cite>Rehabiliterande arbetsverksamhet</cite>"
    assert title(f"/en/regions/{ITA_UUSIMAA}") == "<cite>Rehabiliterande arbetsverksamhet</cite>"
    regions = {r["code"]: r for r in public_client.get("/api/v1/regions").json()}
    assert regions[ITA_UUSIMAA]["service_pages"][0]["page_lang"] is None

    response = submit(boss, ITA_UUSIMAA, page_fields(boss, url, **{f"{key}-page_lang": "sv"}))
    assert response.status_code == 303, soup(response.text).select(".error-message")
    assert (
        title(f"/en/regions/{ITA_UUSIMAA}")
        == '<cite lang="sv">Rehabiliterande arbetsverksamhet</cite>'
    )
    assert title(f"/sv/omraden/{ITA_UUSIMAA}") == "<cite>Rehabiliterande arbetsverksamhet</cite>"
    entries = [
        (e.action, e.item, e.field, e.before, e.after)
        for e in page_log(admin_db, ITA_UUSIMAA)[logged:]
    ]
    assert sorted(entries, key=str) == sorted(
        [("edit", 1, "page_lang", "sv", None), ("edit", 1, "page_lang", None, "sv")], key=str
    )
    history = soup(boss.get(f"/en{url}").text).select("#history ~ .table-wrap tbody tr")
    changed = [
        [cell.get_text() for cell in row.select("td")[2:]]
        for row in history
        if "(page 1): Language of the page" in row.get_text()
    ]
    # the languages' names, not their codes
    assert sorted(changed) == [
        ["Changed (page 1): Language of the page", "Swedish", "–"],
        ["Changed (page 1): Language of the page", "–", "Swedish"],
    ]


def test_a_new_page_is_saved_with_its_language(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    boss = signed_in["boss"]
    number = len(current_pages(session=admin_db, region_code=ITA_UUSIMAA)) + 1
    changes = {
        "page-new-topic": "advice",
        "page-new-url": "https://ostranyland.fi/radgivning",
        "page-new-page_lang": "sv",
    }
    response = submit(boss, ITA_UUSIMAA, page_fields(boss, pages_url(ITA_UUSIMAA), **changes))
    assert response.status_code == 303, soup(response.text).select(".error-message")
    added = [p for p in stored_pages(admin_db, ITA_UUSIMAA) if p.url.endswith("/radgivning")]
    assert [p.page_lang for p in added] == ["sv"]
    assert ("add", number, "page_lang", None, "sv") in {
        (e.action, e.item, e.field, e.before, e.after) for e in page_log(admin_db, ITA_UUSIMAA)
    }


def test_a_predecessors_page_is_not_on_the_form_and_a_save_keeps_it_unlinked(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    boss = signed_in["boss"]
    kanta_hame = "07"
    historical = [p for p in stored_pages(admin_db, kanta_hame) if p.is_historical]
    assert historical, "the bundled data has a predecessor's page for region 07"
    form = soup(boss.get(pages_url(kanta_hame)).text).select_one("form[action$='/palvelusivut']")
    assert form is not None and historical[0].url not in str(form)
    fields = page_fields(boss, pages_url(kanta_hame), **{"page-new-url": "https://example.org/07"})
    assert submit(boss, kanta_hame, fields).status_code == 303
    kept = [p for p in stored_pages(admin_db, kanta_hame) if p.is_historical]
    assert [(p.id, p.url) for p in kept] == [(p.id, p.url) for p in historical]
    public = boss.get(f"/alueet/{kanta_hame}").text
    assert historical[0].url not in public and "https://example.org/07" in public


def test_the_maintainers_note_is_shown_to_maintainers_only(
    signed_in: dict[str, TestClient], admin_db: Session
) -> None:
    page = next(p for p in stored_pages(admin_db, ITA_UUSIMAA) if p.notes)
    assert page.notes is not None
    note = page.notes[:40]
    assert note in soup(signed_in["boss"].get(pages_url(ITA_UUSIMAA)).text).get_text()
    fields = page_fields(
        signed_in["boss"], pages_url(ITA_UUSIMAA), **{f"page-{page.id}-source_date": "2026-12"}
    )
    assert submit(signed_in["boss"], ITA_UUSIMAA, fields).status_code == 303
    assert note not in soup(signed_in["anonymous"].get(f"/alueet/{ITA_UUSIMAA}").text).get_text()
    stored = next(p for p in stored_pages(admin_db, ITA_UUSIMAA) if p.id == page.id)
    assert stored.notes == page.notes  # the form never edits or drops it


# --- init keeps a maintainer's edit ---------------------------------------------------------


def test_init_keeps_edited_pages_and_the_two_subjects_are_kept_apart(
    signed_in: dict[str, TestClient], admin_db: Session, tmp_path: Path
) -> None:
    boss = signed_in["boss"]
    # Länsi-Uusimaa: a maintainer edits its pages (not its channels).
    key = key_of(admin_db, LANSI_UUSIMAA, "ktt")
    fields = page_fields(boss, pages_url(LANSI_UUSIMAA), **{f"{key}-phone": "019 123 4567"})
    assert submit(boss, LANSI_UUSIMAA, fields).status_code == 303
    edited = snapshot(admin_db, LANSI_UUSIMAA)
    assert LANSI_UUSIMAA in maintained_regions(session=admin_db, subject=SERVICE_PAGE_SUBJECT)
    assert LANSI_UUSIMAA not in maintained_regions(session=admin_db, subject=CONTACT_SUBJECT)

    # The bundled files change for Länsi-Uusimaa and for Helsinki (page and channel each).
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    pages_csv = data / "region_service_pages.csv"
    text = pages_csv.read_text(encoding="utf-8")
    lansi_old = "https://www.luvn.fi/fi/palvelut/sosiaalipalvelut/tyollistymisen-tuki/kuntouttava-tyotoiminta"
    helsinki_old = "https://hel.fi/helsinki/en/socia-health/socia-support/employment"
    assert lansi_old in text and helsinki_old in text
    text = text.replace(lansi_old, "https://www.luvn.fi/from-the-file")
    lansi_row = next(line for line in text.splitlines() if "luvn.fi/from-the-file" in line)
    assert lansi_row.endswith(",fi")
    text = text.replace(lansi_row, lansi_row.removesuffix(",fi") + ",sv")  # nor its language
    text = text.replace(helsinki_old, "https://www.hel.fi/from-the-file")
    pages_csv.write_text(text, encoding="utf-8")
    contacts_csv = data / "region_contacts.csv"
    text = contacts_csv.read_text(encoding="utf-8")
    assert "029 151 2000" in text
    contacts_csv.write_text(text.replace("029 151 2000", "029 000 0000"), encoding="utf-8")

    load_region_contacts(session=admin_db, data_dir=data)
    assert snapshot(admin_db, LANSI_UUSIMAA) == edited  # the maintainer's pages win
    helsinki = [p.url for p in stored_pages(admin_db, HELSINKI)]
    assert any(u.startswith("https://www.hel.fi/from-the-file") for u in helsinki)
    admin_db.expire_all()
    lansi_channels = admin_db.exec(
        select(RegionContact.phone).where(RegionContact.region_code == LANSI_UUSIMAA)
    ).all()
    assert lansi_channels == ["029 000 0000"]  # its channels were not edited: the file wins

    load_region_contacts(session=admin_db)  # back to the bundled files for the other tests
    assert snapshot(admin_db, LANSI_UUSIMAA) == edited


def test_a_region_whose_channels_were_edited_still_takes_its_pages_from_the_file(
    signed_in: dict[str, TestClient], admin_db: Session, tmp_path: Path
) -> None:
    kymi = signed_in["kymi"]
    url = f"/admin/alueet/{KYMENLAAKSO}"
    channel = admin_db.exec(
        select(RegionContact).where(RegionContact.region_code == KYMENLAAKSO)
    ).first()
    assert channel is not None
    fields = contact_form_fields(kymi, url, **{f"{channel.id}-phone": "05 234 5678"})
    assert post_form(kymi, url, fields).status_code == 303
    assert KYMENLAAKSO in maintained_regions(session=admin_db, subject=CONTACT_SUBJECT)
    assert KYMENLAAKSO not in maintained_regions(session=admin_db, subject=SERVICE_PAGE_SUBJECT)

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    pages_csv = data / "region_service_pages.csv"
    with pages_csv.open("a", encoding="utf-8") as handle:
        handle.write(f"{KYMENLAAKSO},ktt,https://kymenhva.fi/from-the-file,,,,2026-12,\n")
    load_region_contacts(session=admin_db, data_dir=data)
    assert [p.url for p in stored_pages(admin_db, KYMENLAAKSO)] == [
        "https://kymenhva.fi/from-the-file"
    ]
    load_region_contacts(session=admin_db)
    assert stored_pages(admin_db, KYMENLAAKSO) == []
