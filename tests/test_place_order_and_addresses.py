"""Swedish lists in Swedish order, Åland's own note, and web addresses in Unicode (issue 16.6)."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from app import i18n
from app.geography import collation_key
from app.web.templating import display_url, unicode_host

POHJANMAA_SV = [
    "Jakobstad",
    "Kaskö",
    "Korsholm",
    "Korsnäs",
    "Kristinestad",
    "Kronoby",
    "Laihela",
    "Larsmo",
    "Malax",
    "Nykarleby",
    "Närpes",
    "Pedersöre",
    "Vasa",
    "Vörå",
]


def test_collation_puts_a_ring_a_and_o_with_dots_after_z_in_that_order() -> None:
    names = ["Övermark", "Åbo", "Ähtäri", "Zebra", "Vasa", "aaa"]
    assert sorted(names, key=collation_key) == ["aaa", "Vasa", "Zebra", "Åbo", "Ähtäri", "Övermark"]


def test_collation_ignores_case_and_other_accents_but_keeps_nordic_letters() -> None:
    assert sorted(["émile", "Eno", "ebba"], key=collation_key) == ["ebba", "émile", "Eno"]
    assert sorted(["Närpes", "Nykarleby"], key=collation_key) == ["Nykarleby", "Närpes"]
    assert collation_key("Müller")[0] == collation_key("Myller")[0]  # ü sorts as y
    assert collation_key("Øre")[0] == collation_key("Öre")[0]
    assert collation_key("Närpes") != collation_key("Narpes")  # never equal: no lost items


def _list_after(text: str, anchor: str) -> list[str]:
    start = text.index(anchor)
    block = text[start : text.index("</ul>", start)]
    return [html.unescape(item) for item in re.findall(r"<li>([^<]+)</li>", block)]


def test_swedish_region_page_lists_municipalities_by_their_swedish_names(
    client: TestClient,
) -> None:
    text = client.get("/sv/omraden/17").text
    assert _list_after(text, 'id="municipalities"') == POHJANMAA_SV


def test_finnish_region_page_keeps_finnish_order(client: TestClient) -> None:
    names = _list_after(client.get("/alueet/17").text, 'id="municipalities"')
    assert names[0] == "Kaskinen" and names == sorted(names, key=collation_key)


def test_swedish_questionnaire_select_is_in_swedish_order(client: TestClient) -> None:
    text = client.get("/sv/vagen/kysymys/municipality").text
    options = [html.unescape(o) for o in re.findall(r'<option value="\d{3}"[^>]*>([^<]+)<', text)]
    assert len(options) > 300
    assert options == sorted(options, key=collation_key)
    assert options.index("Jakobstad") < options.index("Korsholm") < options.index("Vasa")


@pytest.mark.parametrize(
    ("path", "note"),
    [
        ("/alueet", "Ahvenanmaa ei kuulu hyvinvointialueisiin."),
        ("/selko/alueet", "Ahvenanmaa"),
        ("/sv/omraden", "Åland hör inte till välfärdsområdena."),
        ("/en/regions", "Åland"),
    ],
)
def test_regions_page_gives_aland_municipalities_their_own_note(
    client: TestClient, path: str, note: str
) -> None:
    text = html.unescape(client.get(path).text)
    section = text[text.index('id="alue-91"') :]
    assert note in section
    assert 'href="https://www.kst.ax"' in section  # the checked KST link, as in the questionnaire
    assert "Mariehamn" in section or "Maarianhamina" in section
    assert "Brändö" in section


def test_unicode_host_decodes_idna_labels_only() -> None:
    assert unicode_host("www.xn--pakilantykeskus-htb.fi") == "www.pakilantyökeskus.fi"
    assert unicode_host("kymenhva.fi") == "kymenhva.fi"
    assert unicode_host("xn--zz.fi") == "xn--zz.fi"  # not valid IDNA: shown as stored


def test_display_url_drops_https_and_keeps_the_path() -> None:
    assert display_url("https://www.xn--pakilantykeskus-htb.fi/") == "www.pakilantyökeskus.fi/"
    assert display_url("http://xn--nekoski-4waa.fi/a?b=1") == "http://äänekoski.fi/a?b=1"
    assert display_url("not a url") == "not a url"


def test_provider_page_shows_the_unicode_address_and_links_the_working_one(
    client: TestClient,
) -> None:
    found = client.get("/palveluntuottajat.json?q=Pakilan+työkeskus").json()
    pakila = next(row for row in found if "Pakila" in row["name"])
    page = client.get(pakila["url"].split("testserver", 1)[-1]).text
    assert ">www.pakilantyökeskus.fi/</a>" in page
    assert 'href="https://www.xn--pakilantykeskus-htb.fi/"' in page
    assert ">https://www.xn--" not in page and ">www.xn--" not in page


@pytest.mark.parametrize("version", ["fi", "sv", "en"])
def test_regions_page_lists_regions_alphabetically_in_the_readers_language(
    client: TestClient, version: str
) -> None:
    text = html.unescape(client.get(i18n.localized_path("/alueet", version)).text)
    index = text[
        text.index('id="region-index-heading"') : text.index(
            "</nav>", text.index('id="region-index-heading"')
        )
    ]
    names = re.findall(r'<a href="#alue-\d\d">([^<]+)</a>', index)
    organisers = names[:-1]  # Åland comes last, after the 22 organisers
    assert len(organisers) == 22 and names[-1] in ("Ahvenanmaa", "Åland")
    assert organisers == sorted(organisers, key=collation_key)
    if version == "sv":
        assert organisers[-1] == "Östra Nylands välfärdsområde"
