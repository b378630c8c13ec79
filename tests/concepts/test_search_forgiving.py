"""Search that forgives: typos, split words, everyday words; words match at word starts only;
the same answers from the Python API, /api/search and the /search page (issue 16)."""

from __future__ import annotations

import re

import pytest
from conftest import AsgiClient

from medkg.concepts import ConceptService
from medkg.concepts.search import corrections, near


@pytest.fixture(scope="module")
def service(packaged_store: object) -> ConceptService:
    return ConceptService.from_store(packaged_store)  # type: ignore[arg-type]


@pytest.mark.parametrize("query,label,match_type", [
    ("osteoperosis", "Osteoporosis", "fuzzy"),           # a vowel slip
    ("osteoporsis", "Osteoporosis", "fuzzy"),            # a letter left out
    ("tail bone", "Coccyx", "exact"),                    # a word split in two
    ("broken tailbone", "Coccyx fracture", "exact"),      # the lay name of the coccyx (issue 13), not the sacrum
    ("broken coccyx", "Coccyx fracture", "word_prefix"),  # "broken" = fracture, as in "broken bone"
    ("pelvc pain", "Pelvic pain", "fuzzy"),
    ("pain pelvic", "Pelvic pain", "word_prefix"),       # words in any order
    ("osteoperos", "Osteoporosis", "fuzzy"),             # half typed, with a slip (autocomplete)
])
def test_search_forgives(service: ConceptService, query: str, label: str, match_type: str) -> None:
    first = service.search(query).hits[0]
    assert (first.concept.label, first.match_type) == (label, match_type)


def test_typos_say_what_they_were_read_as(service: ConceptService) -> None:
    found = service.search("osteoperosis")
    assert found.did_you_mean == "Osteoporosis" and found.total == len(found.hits) >= 1
    exact = service.search("osteoporosis")
    assert exact.did_you_mean is None and exact.hits[0].match_type == "exact"


def test_nothing_near_gives_no_hits_and_maybe_a_hint(service: ConceptService) -> None:
    nothing = service.search("qqqqzzzz")
    assert nothing.total == 0 and nothing.hits == [] and nothing.did_you_mean is None
    # A word that stands for no word of the graph (too short to correct), but the whole is near a name:
    # no hit, as nothing matches well, and the name as a hint.
    hint = service.search("lower back pian zq")
    assert (hint.total, hint.did_you_mean) == (0, "Lower back pain")
    # With a kind filter, no hint from outside it.
    assert service.search("lower back pian zq", kinds=["mkg:AnatomicalStructure"]).did_you_mean is None


@pytest.mark.parametrize("query", ["CT", "ract", "ture", "cral"])
def test_words_match_at_word_starts_only(service: ConceptService, query: str) -> None:
    for hit in service.search(query, limit=100).hits:
        if hit.match_type == "fuzzy":
            continue
        words = re.findall(r"\w+", hit.matched_text.casefold())
        assert any(w.startswith(query.casefold()) for w in words), (query, hit.matched_text)
    # "CT" never matches inside "fraCTure"
    assert not any("fracture" in h.matched_text.casefold() for h in service.search("CT", limit=100).hits)


def test_short_words_are_never_corrected(service: ConceptService) -> None:
    assert corrections(service.index, ["zq"]) is None
    assert corrections(service.index, ["osteoperosis"]) == (corrections(service.index, ["osteoperosis"]) or [])
    assert "osteoporosis" in (corrections(service.index, ["osteoperosis"]) or [()])[0]


def test_near_names_for_a_404(service: ConceptService) -> None:
    assert [c.label for c in near(service.index, "osteoprosis")][:1] == ["Osteoporosis"]
    assert near(service.index, "!!!") == []
    assert [c.curie for c in service.suggestions("medkg:sacral-fractur")][:1] == ["medkg:sacral-fracture"]


@pytest.mark.parametrize("query", ["osteoperosis", "tail bone", "broken tailbone", "fracture", "pain", "sacr"])
def test_api_and_page_rank_alike(packaged_client: AsgiClient, query: str) -> None:
    # (codes of the vocabularies the curated graph maps to are concepts too, linked by their IRI)
    api = packaged_client.get("/api/search", params={"q": query, "limit": 20}).json()
    page = packaged_client.get("/search", params={"q": query}).text
    hits = page.split('<ol class="hits"', 1)[1].split("</ol>", 1)[0]
    listed = re.findall(r'<li><a href="([^"]+)"', hits)
    assert listed == [h["concept"]["iri"].replace("https://w3id.org/medkg", "") for h in api["hits"]]
    assert listed, query
    if api["did_you_mean"]:
        assert "Did you mean" in page and api["did_you_mean"] in page


def test_api_keeps_its_fields_and_adds_did_you_mean(packaged_client: AsgiClient) -> None:
    body = packaged_client.get("/api/search", params={"q": "osteoperosis"}).json()
    assert {"query", "total", "limit", "offset", "hits", "did_you_mean"} <= set(body)
    assert {"concept", "matched_text", "matched_scope", "match_type", "lay", "abbreviation"} <= set(body["hits"][0])


def test_html_404_offers_near_concepts_as_the_json_404(packaged_client: AsgiClient) -> None:
    json_404 = packaged_client.get("/api/concepts/medkg:osteoprosis").json()
    page = packaged_client.get("/concept/osteoprosis", headers={"accept": "text/html"})
    assert page.status_code == 404
    suggested = [s["iri"].replace("https://w3id.org/medkg", "") for s in json_404["suggestions"]]
    assert suggested and suggested[0] == "/concept/osteoporosis"
    listed = page.text.split('<ul class="suggestions">', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'<li><a href="([^"]+)"', listed) == suggested
