"""Questionnaire results: a "providers" link only where the catalogue lists some; otherwise
whom to ask, so that no link leads to an empty list."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from app import i18n
from app.contacts import first_contacts

RESULT_ANSWERS = (
    "age=30-64&situation=unemployed-long&jobseeker=yes&limits=some&disability=no"
    "&goal=job&support=mental-health"
)
ASK_REGION = {
    "fi": "Kysy sosiaalipalveluista: ",
    "fi-selko": "Kysy sosiaalipalveluista: ",
    "sv": "Fråga socialservicen i ",
    "en": "Ask the social services of ",
}
# Rehabilitative work activity starts from a plan made with both (first_contact.csv).
ASK_EITHER = {
    "fi": "Kysy työllisyysalueeltasi tai sosiaalipalveluista: ",
    "fi-selko": "Kysy työllisyysalueeltasi tai sosiaalipalveluista: ",
    "sv": "Fråga ditt sysselsättningsområde eller socialservicen i ",
    "en": "Ask your employment area or the social services of ",
}
CARD = re.compile(
    r'<li class="suggestion-card">(.*?)</li>\s*(?=<li class="suggestion-card">|</ol>)', re.S
)


def _cards(client: TestClient, version: str, municipality: str) -> dict[str, str]:
    path = i18n.localized_path("/polku/tulos", version)
    response = client.get(f"{path}?{RESULT_ANSWERS}&municipality={municipality}")
    assert response.status_code == 200
    cards: dict[str, str] = {}
    for card in CARD.findall(html.unescape(response.text)):
        code = re.search(r'href="[^"]*/([a-z-]+)#access"', card)
        assert code is not None
        cards[code.group(1)] = card
    assert cards, "the answers give suggestions"
    return cards


def _listed(client: TestClient, region: str, service: str) -> int:
    response = client.get(f"/palveluntuottajat.json?region={region}&service={service}")
    assert response.status_code == 200
    return len(response.json())


def test_a_providers_link_appears_exactly_when_the_catalogue_lists_some(
    client: TestClient,
) -> None:
    regions = client.get("/api/v1/regions").json()
    shown = hidden = 0
    for region in regions:
        municipality = region["municipalities"][0]["code"]
        for service, card in _cards(client, "fi", municipality).items():
            link = f"/palveluntuottajat?region={region['code']}&service={service}"
            listed = _listed(client, region["code"], service)
            assert (link in card) == (listed > 0), (region["code"], service, listed)
            shown += link in card
            hidden += link not in card
    assert shown > 0 and hidden > 0, "both cases occur in the bundled data"


@pytest.mark.parametrize("version", i18n.VERSIONS)
def test_without_providers_the_card_says_whom_to_ask(client: TestClient, version: str) -> None:
    cards = _cards(client, version, "905")  # Vaasa: Pohjanmaa has no providers yet
    ask_first = first_contacts()
    assert "tjansteproducenter?" not in "".join(cards.values())
    assert "palveluntuottajat?" not in "".join(cards.values())
    assert ask_first.get("kuntouttava-tyotoiminta") == "joint-plan"
    assert "kuntouttava-tyotoiminta" in cards, "the answers suggest rehabilitative work activity"
    for service, card in cards.items():
        kind = ask_first.get(service, "region")
        asks_region = ASK_REGION[version] in card and 'href="#contact"' in card
        assert asks_region == (kind == "region"), service
        asks_either = ASK_EITHER[version] in card and 'href="#contact"' in card
        assert asks_either == (kind == "joint-plan"), service
        if kind == "elsewhere":
            assert 'href="#contact"' not in card, "Kela's and pension providers' services"


def test_the_contact_anchor_exists_on_the_result(client: TestClient) -> None:
    path = i18n.localized_path("/polku/tulos", "en")
    text = client.get(f"{path}?{RESULT_ANSWERS}&municipality=905").text
    assert 'id="contact"' in text
