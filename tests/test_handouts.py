"""Issue 16 items 5 and 7: an honest catalogue and handouts a counsellor can give a client.

The CSV opens in a Finnish Excel (semicolons, UTF-8 byte-order mark; commas on request),
the print view and the CSV carry work types, contact, how to apply and the region contact,
free places show with their date only when known, and the catalogue says it is incomplete.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.contacts import EMPLOYMENT_AREA_FIRST, JOINT_PLAN, REGION_FIRST, apply_routes
from app.interop.csv.cells import spreadsheet_safe
from app.interop.csv.export import EXPORT_COLUMNS, rows_to_csv
from app.interop.csv.reader import cell_separator
from app.search.facet_table import FacetTable
from tests.fixtures.admin import post_form
from tests.fixtures.catalogue import catch_up_index, provider_ids_by_record
from tests.test_admin import edit_fields

BOM = "\ufeff"


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _rows(text: str, delimiter: str) -> list[dict[str, str]]:
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM)), delimiter=delimiter))


# --- The Excel dialect -------------------------------------------------------------------------


def _row(**values: str) -> dict[str, str]:
    return {column: values.get(column, "") for column in EXPORT_COLUMNS}


def test_csv_is_semicolon_separated_with_a_bom_by_default() -> None:
    text = rows_to_csv([_row(name="Työkeskus; Kotka", services="a; b", phone="05 123")])
    assert text.startswith(BOM)
    header, line, end = text.removeprefix(BOM).split("\r\n")
    assert header == ";".join(EXPORT_COLUMNS) and end == ""
    assert '"Työkeskus; Kotka"' in line, "a cell holding the separator is quoted"
    assert _rows(text, ";")[0]["services"] == "a; b"


def test_csv_with_sep_comma_is_comma_separated_with_a_bom() -> None:
    text = rows_to_csv([_row(name="Paja, Hamina", services="a; b")], "comma")
    assert text.startswith(BOM)
    header = text.removeprefix(BOM).split("\r\n")[0]
    assert header == ",".join(EXPORT_COLUMNS)
    row = _rows(text, ",")[0]
    assert (row["name"], row["services"]) == ("Paja, Hamina", "a; b")


@pytest.mark.parametrize("separator", ["semicolon", "comma"])
def test_in05_formula_cells_are_neutralised_with_either_separator(separator: str) -> None:
    formulas = ["=1+1", "+1;2", "-2,3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x";"y")']
    for text in formulas:
        written = rows_to_csv([dict.fromkeys(EXPORT_COLUMNS, text)], separator)  # type: ignore[arg-type]
        row = _rows(written, ";" if separator == "semicolon" else ",")[0]
        assert set(row.values()) == {spreadsheet_safe(text)} == {"'" + text}


def test_the_importer_reads_either_separator() -> None:
    assert cell_separator("record_id;name;status\r\n1;Paja, Kotka;current") == ";"
    assert cell_separator('record_id,name,status\r\n1,"Paja; Kotka",current') == ","
    assert cell_separator("\ufeffrecord_id;name;status") == ";"


# --- How to apply ------------------------------------------------------------------------------


def test_apply_routes_follow_the_guide() -> None:
    assert apply_routes(["kuntouttava-tyotoiminta", "sosiaalinen-kuntoutus"]) == [
        (JOINT_PLAN, ["kuntouttava-tyotoiminta"]),
        (REGION_FIRST, ["sosiaalinen-kuntoutus"]),
    ]
    assert apply_routes(["tyokokeilu"]) == [(EMPLOYMENT_AREA_FIRST, ["tyokokeilu"])]
    assert apply_routes([]) == [(REGION_FIRST, [])]


# --- The exports through the site --------------------------------------------------------------


def test_csv_export_opens_in_finnish_excel_and_carries_the_handout(client: TestClient) -> None:
    params = {"region": "10", "sort": "name"}
    default = client.get("/palveluntuottajat.csv", params=params)
    assert default.headers["content-type"].startswith("text/csv")
    assert default.content.startswith(BOM.encode())
    semicolon = _rows(default.content.decode("utf-8"), ";")
    comma = _rows(client.get("/palveluntuottajat.csv", params={**params, "sep": "comma"}).text, ",")
    assert semicolon == comma and len(semicolon) > 3
    assert client.get("/palveluntuottajat.csv", params={"sep": "tab"}).status_code == 422
    ktt = next(row for row in semicolon if "kuntouttava-tyotoiminta" in row["services"])
    assert "Kuntouttava työtoiminta" in ktt["service_names"]
    assert "työllisyysalue" in ktt["how_to_apply"]
    assert all(row["region_contact"] for row in semicolon), "every row says where to ask"
    with_work = [row for row in semicolon if row["activities"]]
    assert with_work and all(row["work_types"] for row in with_work)
    assert "-" not in with_work[0]["work_types"], "labels, not codes"
    assert not any(row["free_places"] or row["availability_date"] for row in semicolon)


def test_csv_export_is_in_the_readers_language(client: TestClient) -> None:
    rows = _rows(client.get("/sv/palveluntuottajat.csv", params={"region": "10"}).text, ";")
    ktt = next(row for row in rows if "kuntouttava-tyotoiminta" in row["services"])
    assert "sysselsättningsområde" in ktt["how_to_apply"]


def test_provider_page_says_how_to_apply(client: TestClient) -> None:
    rows = _rows(client.get("/palveluntuottajat.csv", params={"region": "10"}).text, ";")
    ktt = next(row for row in rows if "kuntouttava-tyotoiminta" in row["services"])
    page = soup(client.get(f"/palveluntuottajat/{ktt['id']}").text)
    terms = [dt.get_text(strip=True) for dt in page.select("dl.facts dt")]
    assert "Miten hakeutua" in terms
    answer = page.select("dl.facts dd")[terms.index("Miten hakeutua")]
    assert answer.get_text(" ", strip=True).startswith(ktt["how_to_apply"].split(";")[0])
    assert answer.select_one("a[href='/alueet/10#where-to-ask']") is not None


def test_print_view_is_a_handout(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat/tuloste", params={"region": "10"}).text)
    headers = [th.get_text(strip=True) for th in page.select("thead th")]
    assert headers == ["Palveluntuottaja", "Yhteystiedot", "Työ", "Miten hakeutua"]
    rows = page.select("tbody tr")
    assert rows and all(len(row.select("td")) == 4 for row in rows)
    text = page.get_text(" ")
    assert "Työn laji" in text, "work types are named"
    assert "työllisyysalue" in text, "how to apply names whom to ask"
    contact = page.select_one("#where-to-ask")
    assert contact is not None and page.select(".print-region .region-contact")
    assert page.select_one(".catalogue-note a[href='/saavutettavuus/palaute']") is not None


KOUVOLA, JYVASKYLA = "286", "179"


def _print_distances(page: BeautifulSoup) -> list[str]:
    return [td.get_text(strip=True) for td in page.select("tbody td.print-table__distance")]


def test_print_view_nearest_first_has_the_distance_the_page_shows(client: TestClient) -> None:
    params = {"near": KOUVOLA, "service": "kuntouttava-tyotoiminta"}
    page = soup(client.get("/palveluntuottajat/tuloste", params=params).text)
    headers = [th.get_text(strip=True) for th in page.select("thead th")]
    assert headers == ["Palveluntuottaja", "Etäisyys", "Yhteystiedot", "Työ", "Miten hakeutua"]
    rows = page.select("tbody tr")
    assert rows and all(len(row.select("td")) == 5 for row in rows)
    assert "Lähimmät ensin kunnasta Kouvola" in page.get_text(" ")
    listed = soup(client.get("/palveluntuottajat", params={**params, "per_page": "100"}).text)
    shown = [node.get_text(strip=True) for node in listed.select(".result__distance")]
    printed = _print_distances(page)
    assert len(printed) == len(rows) and printed[0] == "0\u00a0km"
    assert [text for text in printed if text] == shown, "the page's distances, in its order"


def test_print_view_measures_from_a_place_named_in_the_words(client: TestClient) -> None:
    params = {"near": KOUVOLA, "q": "Jyväskylä"}
    page = soup(client.get("/palveluntuottajat/tuloste", params=params).text)
    assert "Lähimmät ensin kunnasta Jyväskylä" in page.get_text(" ")
    assert _print_distances(page)[0] == "0\u00a0km"


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/sv/tjansteproducenter/tuloste", "Avstånd"),
        ("/en/providers/tuloste", "Distance"),
        ("/selko/palveluntuottajat/tuloste", "Matka"),
    ],
)
def test_print_views_distance_column_in_every_version(
    client: TestClient, path: str, header: str
) -> None:
    page = soup(client.get(path, params={"near": KOUVOLA, "region": "10"}).text)
    assert [th.get_text(strip=True) for th in page.select("thead th")][1] == header


def test_print_view_without_near_has_no_distance_column(client: TestClient) -> None:
    page = soup(client.get("/palveluntuottajat/tuloste", params={"region": "10"}).text)
    assert page.select_one(".print-table--near, .print-table__distance") is None


# --- Catalogue honesty -------------------------------------------------------------------------


def test_catalogue_and_region_pages_say_the_list_is_incomplete(client: TestClient) -> None:
    for path in ("/palveluntuottajat", "/alueet/10", "/alueet/17", "/palveluntuottajat/tuloste"):
        note = soup(client.get(path).text).select_one(".catalogue-note")
        assert note is not None, path
        assert "ei ole kattava" in note.get_text(), path
        assert note.select_one("a[href='/saavutettavuus/palaute']") is not None, path
    for path, words in (
        ("/sv/tjansteproducenter", "inte fullständig"),
        ("/en/providers", "not complete"),
        ("/selko/palveluntuottajat", "eivät ole kaikki paikat"),
    ):
        note = soup(client.get(path).text).select_one(".catalogue-note")
        assert note is not None and words in note.get_text(), path


def test_a_region_without_providers_says_whom_to_ask(client: TestClient) -> None:
    page = soup(client.get("/alueet/17").text)
    assert not page.select(".provider-list")
    assert page.select_one("#providers ~ p a[href='#where-to-ask']") is not None
    assert page.select_one("#where-to-ask") is not None


def test_a_search_for_a_place_without_providers_says_where_to_ask(client: TestClient) -> None:
    for path, words in (("/palveluntuottajat", "Mistä kysyä"), ("/sv/tjansteproducenter", "Var")):
        page = soup(client.get(path, params={"q": "Vaasa"}).text)
        link = page.select_one(".place-advice a[href$='#where-to-ask']")
        assert link is not None and words in link.get_text(), path
        assert "/17#" in str(link["href"])


def test_free_places_are_known_for_60_days_after_they_were_given() -> None:
    today = dt.date(2026, 12, 5)
    assert not FacetTable({}, [], [], {}).free_places_known(today)
    given = FacetTable({}, [], [], {}, newest_free_places_date=today - dt.timedelta(days=60))
    assert given.free_places_known(today)
    assert not given.free_places_known(today + dt.timedelta(days=1))


def test_free_places_filter_is_offered_only_with_free_place_data(
    signed_in: dict[str, TestClient], admin_db: Session, admin_settings: object
) -> None:
    public = signed_in["anonymous"]
    before = soup(public.get("/palveluntuottajat").text)
    assert before.select_one("#f-has_free_places") is None
    assert before.select_one("#no-free-places") is not None
    asked = soup(public.get("/palveluntuottajat", params={"has_free_places": "true"}).text)
    assert asked.select_one("#f-has_free_places[checked]") is not None, "can be unticked"

    provider_id = provider_ids_by_record(admin_db)["P002"]
    url = f"/admin/palveluntuottajat/{provider_id}"
    client = signed_in["kymi"]
    fields = edit_fields(client, url, free_places="3", waiting_time="2 viikkoa")
    assert post_form(client, url, fields).status_code == 303
    catch_up_index(admin_settings)  # type: ignore[arg-type]

    after = soup(public.get("/palveluntuottajat").text)
    assert after.select_one("#f-has_free_places") is not None
    assert after.select_one("#no-free-places") is None
    only = soup(public.get("/palveluntuottajat", params={"has_free_places": "true"}).text)
    assert len(only.select(".result")) == 1
    assert "3 vapaata paikkaa" in only.select_one(".result .availability").get_text()  # type: ignore[union-attr]
    provider_page = soup(public.get(f"/palveluntuottajat/{provider_id}").text)
    availability = provider_page.select_one(".availability")
    assert availability is not None and "2 viikkoa" in availability.get_text()
    printed = soup(public.get("/palveluntuottajat/tuloste", params={"region": "10"}).text)
    assert "3 vapaata paikkaa" in printed.get_text(" ")
    rows = _rows(public.get("/palveluntuottajat.csv", params={"region": "10"}).text, ";")
    row = next(r for r in rows if r["id"] == str(provider_id))
    assert (row["free_places"], row["waiting_time"]) == ("3", "2 viikkoa")
    assert row["availability_date"], "with the date they were given"
    others = [r for r in rows if r["id"] != str(provider_id)]
    assert not any(r["free_places"] for r in others)
