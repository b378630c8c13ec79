"""A concept's record carries its narrower concepts' facts, each labelled with the narrower concept
(issue 13, item 9): the sacral fracture shows the treatment and risk factors of the sacral
insufficiency fracture, and says they are that kind's."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from medkg.concepts import ConceptService
from medkg.sparql.client import store_client

M = "https://w3id.org/medkg/concept/"


@pytest.fixture(scope="module")
def service(packaged_store: ox.Store) -> ConceptService:
    return ConceptService(store_client(packaged_store))


def _facts(service: ConceptService, curie: str) -> set[tuple[str, str, str]]:
    concept = service.lookup(curie)
    return {(r.from_concept.curie or "", r.property, r.concept.curie or "") for r in concept.narrower_relations}


def test_sacral_fracture_shows_treatment_and_risk_factors_of_its_narrower_concept(service: ConceptService) -> None:
    facts = _facts(service, "medkg:sacral-fracture")
    sif = "medkg:sacral-insufficiency-fracture"
    assert (sif, "mkg:treatedBy", "medkg:sacroplasty") in facts
    assert (sif, "mkg:hasLeadingCause", "medkg:osteoporosis") in facts
    assert (sif, "mkg:hasRiskFactor", "medkg:long-term-corticosteroid-use") in facts
    # its own facts stay its own
    own = {(r.property, r.concept.curie) for r in service.lookup("medkg:sacral-fracture").relations}
    assert ("mkg:treatedBy", "medkg:sacroplasty") not in own


def test_facts_come_from_every_depth_with_their_provenance(service: ConceptService) -> None:
    concept = service.lookup("medkg:fracture")
    by_from = {r.from_concept.curie for r in concept.narrower_relations}
    assert {"medkg:sacral-fracture", "medkg:sacral-insufficiency-fracture", "medkg:coccyx-fracture"} <= by_from
    symptom = next(r for r in concept.narrower_relations
                   if r.from_concept.curie == "medkg:sacral-fracture" and r.property == "mkg:hasChiefComplaint")
    texts = [s.text for p in symptom.provenance for s in p.sentences]
    assert texts == ["The chief complaint of a sacral fracture is lower back pain."]


def test_a_concept_with_no_narrower_concept_has_none(service: ConceptService) -> None:
    assert service.lookup("medkg:sacral-insufficiency-fracture").narrower_relations == []
    # not the broader concept's facts either: only downwards
    assert service.lookup("medkg:sacrum").narrower_relations == []


def test_the_api_record_has_them(packaged_client) -> None:  # type: ignore[no-untyped-def]
    body = packaged_client.get("/api/concepts/medkg:sacral-fracture").json()
    rows = body["narrower_relations"]
    assert any(r["from_concept"]["curie"] == "medkg:sacral-insufficiency-fracture"
               and r["property"] == "mkg:treatedBy" and r["concept"]["curie"] == "medkg:sacroplasty" for r in rows)


def test_every_concept_inherits_exactly_what_a_property_path_over_the_store_finds(
        service: ConceptService, packaged_store: ox.Store) -> None:
    # The record takes the narrower concepts from the index (not a path over the store, which is
    # slow at full size): the same facts, for every curated concept, as the path finds.
    index = service.index
    for concept in index.concepts.curated:
        rows = packaged_store.query(f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT DISTINCT ?n ?p ?o WHERE {{ ?n skos:broader+ <{concept}> . ?n ?p ?o .
            ?o skos:prefLabel [] . FILTER(?p != skos:broader) }}""", use_default_graph_as_union=True)
        expected = {(index.curie(r["n"].value), index.curie(r["p"].value) or r["p"].value, index.curie(r["o"].value))
                    for r in rows if r["o"].value in index.concepts and r["n"].value in index.concepts}
        record = service.lookup(concept)
        got = {(r.from_concept.curie, r.property, r.concept.curie) for r in record.narrower_relations}
        assert got == expected, concept
