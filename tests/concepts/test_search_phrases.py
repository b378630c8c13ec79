"""Searches that missed: a lay name split in two inside a phrase ("tail bone pain"), the common
abbreviations of imaging ("MRI", "CT", "bone scan": narrow synonyms of radiologic imaging now), and
a synonym inside a short phrase ("what is an MRI", "MRI scan"). Checked over every abbreviation and
lay synonym of the graph and every curated name with a word split in two, on the packaged graph and
with the vocabulary slice loaded."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import AsgiClient
from vocab_slice import slice_store

from medkg.concepts import ConceptService
from medkg.concepts.index import Entry
from medkg.concepts.search import readings
from medkg.concepts.text import normalize, search_key
from medkg.graph.loading import new_store

MEDKG = "https://w3id.org/medkg/concept/"


@pytest.fixture(scope="module", params=["packaged", "slice"])
def service(request: pytest.FixtureRequest) -> ConceptService:
    return ConceptService.from_store(new_store() if request.param == "packaged" else slice_store())


def test_tail_bone_pain_finds_the_pain_named_with_tailbone(service: ConceptService) -> None:
    found = service.search("tail bone pain")
    assert found.total == 1 and found.hits[0].concept.iri == MEDKG + "pain-radiating-from-sacrum"
    assert "tailbone" in found.hits[0].matched_text and found.hits[0].match_type == "word_prefix"
    assert readings(service.index, ["tail", "bone", "pain"], ["tail", "bone", "pain"])[0] == ["tailbone", "pain"]
    # The whole query split, as before, is the exact name.
    assert service.search("tail bone").hits[0].match_type == "exact"


@pytest.mark.parametrize("query,text,abbreviation,lay", [
    ("MRI", "MRI", True, False), ("CT", "CT", True, False), ("bone scan", "bone scan", False, False),
    ("magnetic resonance imaging", "magnetic resonance imaging", False, False), ("xray", "X-ray", False, False),
])
def test_imaging_by_its_common_names(service: ConceptService, query: str, text: str, abbreviation: bool,
                                     lay: bool) -> None:
    hit = service.search(query).hits[0]
    assert hit.concept.iri == MEDKG + "radiologic-imaging" and hit.match_type == "exact"
    assert (hit.matched_text, hit.matched_scope, hit.abbreviation, hit.lay) == (text, "narrow", abbreviation, lay)


@pytest.mark.parametrize("query,iri", [
    ("what is an MRI", "radiologic-imaging"), ("how does an MRI", "radiologic-imaging"), ("MRI scan", "radiologic-imaging"),
    ("SIF fracture", "sacral-insufficiency-fracture"), ("pain in my tail bone", "pain-radiating-from-sacrum"),
])
def test_a_name_inside_a_phrase(service: ConceptService, query: str, iri: str) -> None:
    found = service.search(query)
    assert found.hits and found.hits[0].concept.iri == MEDKG + iri and found.hits[0].match_type == "word_prefix"


def test_a_phrase_never_matches_beyond_its_words(service: ConceptService) -> None:
    # Words in two names of two different concepts are no match ("CT" names radiologic imaging,
    # "sacrum" the imaging of the sacrum); function words alone are not dropped into nothing.
    assert service.search("ct scan of the sacrum").total == 0
    assert service.search("what is the").total == 0
    assert service.search("the").total > 0  # names with a word that starts with "the" ("therapy", "the")


def curated_synonyms(service: ConceptService) -> Iterator[Entry]:
    index = service.index
    found = [e for e in index.entries if e.iri in index.concepts.curated and (e.lay or e.abbreviation)]
    assert len(found) >= 20 and any(e.text == "MRI" for e in found)
    yield from found


def test_every_abbreviation_and_lay_synonym_finds_its_concept_first(service: ConceptService) -> None:
    for entry in curated_synonyms(service):
        for query in (entry.text, f"what is the {entry.text}", f"my {entry.text}"):
            hits = service.search(query, limit=3).hits
            assert hits and hits[0].concept.iri == entry.iri, (query, [h.concept.label for h in hits])


def test_every_curated_name_with_a_word_split_in_two_finds_its_concept(service: ConceptService) -> None:
    index, checked = service.index, 0
    for entry in index.entries:
        words = normalize(entry.text).split(" ")
        if entry.iri not in index.concepts.curated or len(words) < 2:
            continue
        for i, word in enumerate(words):
            if len(word) < 6 or not word.isalpha():
                continue
            split = " ".join([*words[:i], word[:len(word) // 2], word[len(word) // 2:], *words[i + 1:]])
            for query in (split, f"what is {split}"):
                hits = service.search(query, limit=5).hits
                assert entry.iri in [h.concept.iri for h in hits], (query, [h.concept.label for h in hits])
                checked += 1
            assert search_key(split) != search_key(entry.text)
    assert checked > 200


def test_word_prefix_hits_rank_by_the_words_a_name_has_beyond_the_query(service: ConceptService) -> None:
    # "sacrum fracture" (no word left over) before "Fracture of sacrum" and "Zone I fracture of sacrum".
    found = service.search("fracture sacrum", limit=20).hits
    assert found[0].concept.iri == MEDKG + "sacral-fracture" and found[0].matched_text == "sacrum fracture"
    extra = [len(search_key(h.matched_text).split(" ")) for h in found]
    assert extra == sorted(extra)
    # Two query words that start one word of a name: still a word prefix match, never a better tier.
    repeated = service.search("pain pain", limit=50).hits
    assert repeated and {h.match_type for h in repeated} == {"word_prefix"}


def test_every_abbreviation_and_lay_synonym_of_a_vocabulary_finds_its_concept_by_that_name(
        service: ConceptService) -> None:
    # A vocabulary's lay name may also be another concept's label ("Pain"): the label's concept comes
    # first; the synonym's concept is among the hits found by that very name. In a phrase, the first
    # hit is the one the name alone finds first.
    index, checked = service.index, 0
    for entry in index.entries:
        if not (entry.lay or entry.abbreviation):
            continue
        hits = service.search(entry.text, limit=10).hits
        assert search_key(hits[0].matched_text) == search_key(entry.text), (entry.text, hits[0].matched_text)
        same_name = [h.concept.iri for h in hits if search_key(h.matched_text) == search_key(entry.text)]
        assert entry.iri in same_name, (entry.text, [h.concept.label for h in hits])
        in_phrase = service.search(f"what is the {entry.text}", limit=1).hits
        assert in_phrase[0].concept.iri == hits[0].concept.iri, (entry.text, in_phrase[0].concept.label)
        checked += 1
    assert checked >= 25  # the loop ran over the names (28 in the packaged graph)


@pytest.mark.parametrize("query", ["tail bone pain", "what is an MRI", "MRI scan", "MRI"])
def test_api_and_page_find_the_same_for_a_query_read_again(packaged_client: AsgiClient, query: str) -> None:
    api = packaged_client.get("/api/search", params={"q": query, "limit": 20}).json()
    page = packaged_client.get("/search", params={"q": query}).text
    listed = re.findall(r'<li><a href="([^"]+)"', page.split('<ol class="hits"', 1)[1].split("</ol>", 1)[0])
    assert listed == [h["concept"]["iri"].replace("https://w3id.org/medkg", "") for h in api["hits"]] != []
