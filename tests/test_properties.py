"""Property tests: search text and questionnaire parameters from anyone never break the site.

Search text comes straight from a form field and questionnaire answers straight from the
address, so both must take anything: any unicode, query-language look-alikes, repeated and
unknown keys. Derandomised so that CI runs the same examples every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.searching import Searcher

from app.guide.content import SERVICE_CODES
from app.pathway.content import load_pathway
from app.pathway.questions import AnswerError
from app.pathway.rules import evaluate
from app.search.service import (
    MAX_PER_PAGE,
    MAX_QUERY_WORDS,
    SearchResults,
    Synonyms,
    query_words,
    suggest_spelling,
)
from tests.fixtures.catalogue import search
from tests.fixtures.web import ValidatingClient

PATHWAY = load_pathway(set(SERVICE_CODES))
QUESTIONNAIRE = PATHWAY.questionnaire
QUESTION_IDS = [q.id for q in QUESTIONNAIRE.questions]
MUNICIPALITY_CODES = frozenset({"091", "837", "297"})  # Helsinki, Tampere, Kuopio

PROPERTY_SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,  # the first search of a new text is slower than the rest
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# each example searches the index or fetches and validates a page: fewer of them
SEARCH_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=30)
HTTP_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=40)

CATALOGUE_WORDS = [
    "kuntouttava", "työtoiminta", "työtoimintaa", "Helsinki", "Tampereella", "päivätoiminta",
    "nuoret", "Åland",
]  # fmt: skip
# Whoosh's own query language, Lucene look-alikes, odd unicode and words in the catalogue
QUERY_SYNTAX = [*CATALOGUE_WORDS,
    "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "and", "or", "not",
    '"', "'", "*", "?", "(", ")", "[", "]", "{", "}", ":", "~", "~2", "^", "^3", "-", "+",
    "\\", "/", "&&", "||", "!", "%", "_", "name:", "text:kuntouttava", "region:10",
    "[a TO z]", "å", "ß", "İ", "ǅ", "\u0301", "\u200b", "\x00",
]  # fmt: skip
query_tokens = st.one_of(st.sampled_from(QUERY_SYNTAX), st.text(max_size=12))
query_texts = st.one_of(
    st.lists(query_tokens, max_size=20).map(" ".join),
    st.lists(query_tokens, max_size=20).map("".join),
    st.text(),
    st.text(alphabet="aäöbcdefghijklmnoprstuvy *?", min_size=200, max_size=2000),
)


def assert_well_formed(results: SearchResults, per_page: int) -> None:
    """A page of hits, a total, facet counts and an optional suggestion, consistent."""
    assert 0 <= len(results.hits) <= min(per_page, MAX_PER_PAGE)
    assert results.total >= len(results.hits)
    assert len({hit.id for hit in results.hits}) == len(results.hits)
    assert all(isinstance(hit.id, int) for hit in results.hits)
    for counts in results.facets.values():
        assert all(isinstance(v, str) and count >= 0 for v, count in counts.items())
    assert results.suggestion is None or isinstance(results.suggestion, str)


@PROPERTY_SETTINGS
@given(text=query_texts)
def test_query_words_are_at_most_twelve_plain_words(text: str) -> None:
    words = query_words(text)
    assert len(words) <= MAX_QUERY_WORDS
    assert all(word and all(ch.isalnum() or ch == "_" for ch in word) for word in words)


@SEARCH_SETTINGS
@given(text=query_texts)
def test_any_search_text_gives_well_formed_results(
    searcher: Searcher, synonyms: Synonyms, text: str
) -> None:
    results = search(searcher, synonyms, text, per_page=20)
    assert_well_formed(results, per_page=20)


@SEARCH_SETTINGS
@given(
    words=st.lists(st.sampled_from(CATALOGUE_WORDS), min_size=1, max_size=3),
    syntax=st.lists(st.sampled_from('"*?()[]{}:~^+-!/\\'), min_size=1, max_size=4).map("".join),
)
def test_query_syntax_characters_are_ignored_not_interpreted(
    searcher: Searcher, synonyms: Synonyms, words: list[str], syntax: str
) -> None:
    """Quotes, wildcards and brackets around words find what the bare words find."""
    decorated = " ".join(f"{syntax}{word}{syntax[::-1]}" for word in words)
    assert query_words(decorated) == words
    expected = search(searcher, synonyms, " ".join(words))
    found = search(searcher, synonyms, decorated)
    assert [h.id for h in found.hits] == [h.id for h in expected.hits]


@SEARCH_SETTINGS
@given(
    page=st.integers(min_value=-(2**70), max_value=2**70),
    per_page=st.integers(min_value=-(2**70), max_value=2**70),
)
def test_any_page_numbers_are_clamped(
    searcher: Searcher, synonyms: Synonyms, page: int, per_page: int
) -> None:
    results = search(searcher, synonyms, "", page=page, per_page=per_page)
    assert 1 <= results.per_page <= MAX_PER_PAGE
    assert results.page >= 1
    assert_well_formed(results, per_page=results.per_page)


@SEARCH_SETTINGS
@given(text=query_texts)
def test_spelling_suggestion_never_raises(
    searcher: Searcher, synonyms: Synonyms, text: str
) -> None:
    suggestion = suggest_spelling(searcher, text, synonyms)
    assert suggestion is None or len(suggestion.split()) <= MAX_QUERY_WORDS


# Questionnaire parameters: valid values, near misses, anything, under known and unknown keys
def answer_values(question_id: str) -> st.SearchStrategy[str]:
    question = QUESTIONNAIRE.question(question_id)
    assert question is not None
    known = sorted(MUNICIPALITY_CODES) if question_id == "municipality" else question.values
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(["", " ", "YES", "yes ", "0", "999", "none,money", "%00"]),
        st.text(max_size=20),
    )


parameter_keys = st.one_of(
    st.sampled_from(QUESTION_IDS), st.sampled_from(["kysymys", "muuta", "lang"]), st.text()
)
parameter_pairs = st.lists(
    st.one_of(
        st.sampled_from(QUESTION_IDS).flatmap(lambda k: st.tuples(st.just(k), answer_values(k))),
        st.tuples(parameter_keys, st.text(max_size=20)),
    ),
    max_size=15,
)


def grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Repeated keys collected in order, as the pathway pages read the query string."""
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return params


@PROPERTY_SETTINGS
@given(pairs=parameter_pairs)
def test_any_parameters_give_a_next_step_or_a_validation_message(
    pairs: list[tuple[str, str]],
) -> None:
    answers, errors = QUESTIONNAIRE.parse(grouped(pairs), MUNICIPALITY_CODES)
    if errors:
        assert all(isinstance(error, AnswerError) for error in errors)
        assert {e.problem for e in errors} <= {"unknown-value", "several-values"}
        assert {e.question for e in errors} <= set(QUESTION_IDS)
        return
    for question_id, values in answers.items():
        question = QUESTIONNAIRE.question(question_id)
        assert question is not None
        assert values and (question.multiple or len(values) == 1)
        allowed = MUNICIPALITY_CODES if question_id == "municipality" else question.values
        assert set(values) <= set(allowed)
    relevant = QUESTIONNAIRE.relevant(answers)
    following = QUESTIONNAIRE.first_unanswered(relevant)
    if following is not None:
        assert following.id not in relevant  # the next step is a question still to answer
        return
    result = evaluate(PATHWAY.rules, relevant)
    suggested = {s.service for s in result.suggestions}
    excluded = {e.service for e in result.excluded}
    assert suggested <= set(SERVICE_CODES)
    assert excluded <= set(SERVICE_CODES)
    assert {code for e in result.excluded for code in e.instead} <= set(SERVICE_CODES)
    assert not suggested & excluded


@PROPERTY_SETTINGS
@given(
    answers=st.fixed_dictionaries(
        {},
        optional={
            q.id: st.lists(
                st.sampled_from(sorted(MUNICIPALITY_CODES) if q.id == "municipality" else q.values),
                min_size=1,
                max_size=3 if q.multiple else 1,
                unique=True,
            ).map(tuple)
            for q in QUESTIONNAIRE.questions
        },
    )
)
def test_rules_give_only_known_services_with_texts(answers: dict[str, tuple[str, ...]]) -> None:
    """Any valid answers, complete or not: known codes, and a text for every reason."""
    result = evaluate(PATHWAY.rules, QUESTIONNAIRE.relevant(answers))
    assert all(s.service in SERVICE_CODES and s.fit in {"likely", "possible"}
               for s in result.suggestions)  # fmt: skip
    assert all(e.service in SERVICE_CODES for e in result.excluded)
    for texts in PATHWAY.texts.values():
        assert all(texts["reasons"][r.key] for s in result.suggestions for r in s.reasons)
        assert all(texts["exclusions"][e.reason.key] for e in result.excluded)


# HTTP: random query strings to the search page and the questionnaire pages
ACCEPTED_STATUSES = {200, 303, 400, 404, 422}
SEARCH_KEYS = [
    "q", "region", "municipality", "service", "activity", "target_group", "language",
    "status", "sort", "has_free_places", "page", "per_page",
]  # fmt: skip
search_pairs = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(SEARCH_KEYS), st.text(max_size=8)),
        st.one_of(query_texts, st.sampled_from(["10", "091", "fi", "closed", "name", "2", "-1"])),
    ),
    max_size=8,
)
PATHWAY_PAGES = [
    *(f"/polku/kysymys/{question_id}" for question_id in QUESTION_IDS),
    "/polku/kysymys/tuntematon",
    "/polku/seuraava",
    "/polku/tarkista",
    "/polku/tulos",
    "/en/polku/tulos",
]


@pytest.fixture(scope="module")
def page_client(app: FastAPI) -> Iterator[TestClient]:
    """A validating client that shows redirects instead of following them.

    Module-scoped because hypothesis runs many examples in one test function.
    """
    with ValidatingClient(app, follow_redirects=False) as client:
        yield client


@HTTP_SETTINGS
@given(pairs=search_pairs, htmx=st.booleans())
def test_search_page_takes_any_query_string(
    page_client: TestClient, pairs: list[tuple[str, str]], htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    response = page_client.get(f"/palveluntuottajat?{urlencode(pairs)}", headers=headers)
    assert response.status_code in ACCEPTED_STATUSES


@HTTP_SETTINGS
@given(page=st.sampled_from(PATHWAY_PAGES), pairs=parameter_pairs)
def test_pathway_pages_take_any_query_string(
    page_client: TestClient, page: str, pairs: list[tuple[str, str]]
) -> None:
    response = page_client.get(f"{page}?{urlencode(pairs)}")
    assert response.status_code in ACCEPTED_STATUSES
    if response.status_code == 303:  # to another step of this site, never elsewhere
        location = response.headers["location"]
        assert location.startswith("/") and not location.startswith("//")


@HTTP_SETTINGS
@given(
    # httpx refuses control characters in a URL and "#" starts the fragment
    raw=st.text(st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="#"), max_size=60)
)
def test_pathway_result_takes_a_raw_query_string(page_client: TestClient, raw: str) -> None:
    """Not even well-formed key=value pairs: stray %, &, = and control characters."""
    response = page_client.get(f"/polku/tulos?{raw}")
    assert response.status_code in ACCEPTED_STATUSES
