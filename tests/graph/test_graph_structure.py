"""The shape of the graph: kinds, hierarchy, labels and the ontology's own documentation."""

from __future__ import annotations

import pyoxigraph as ox

from medkg.sparql.query import run_query


def values(store: ox.Store, sparql: str) -> list[str]:
    return [next(iter(s)).value for s in run_query(store, sparql)]


def test_every_concept_has_exactly_one_english_label_and_a_definition(packaged_store: ox.Store) -> None:
    bad = values(
        packaged_store,
        """SELECT ?c WHERE { ?c a/rdfs:subClassOf* mkg:Concept .
             OPTIONAL { ?c skos:prefLabel ?l FILTER(LANG(?l) = "en") }
             OPTIONAL { ?c skos:definition ?d }
           } GROUP BY ?c HAVING (COUNT(DISTINCT ?l) != 1 || COUNT(DISTINCT ?d) != 1)""",
    )
    assert bad == []


def test_every_concept_has_exactly_one_kind(packaged_store: ox.Store) -> None:
    bad = values(
        packaged_store,
        """SELECT ?c WHERE { ?c a ?kind . ?kind rdfs:subClassOf* mkg:Concept }
           GROUP BY ?c HAVING (COUNT(DISTINCT ?kind) != 1)""",
    )
    assert bad == []


def test_every_ontology_term_has_label_and_definition(packaged_store: ox.Store) -> None:
    bad = values(
        packaged_store,
        """SELECT ?t WHERE { VALUES ?type { owl:Class owl:ObjectProperty owl:DatatypeProperty }
             ?t a ?type . FILTER(STRSTARTS(STR(?t), STR(mkg:)))
             FILTER NOT EXISTS { ?t rdfs:label ?l ; skos:definition ?d } }""",
    )
    assert bad == []


def test_hierarchy_reaches_from_sacral_insufficiency_fracture_to_fracture(packaged_store: ox.Store) -> None:
    path = values(
        packaged_store,
        "SELECT ?a WHERE { medkg:sacral-insufficiency-fracture skos:broader+ ?a }",
    )
    for ancestor in ("sacral-fracture", "pelvic-fracture", "spinal-fracture", "insufficiency-fracture", "fracture"):
        assert f"https://w3id.org/medkg/concept/{ancestor}" in path


def test_parents_are_defined_and_sourced_like_any_concept(packaged_store: ox.Store) -> None:
    bad = values(
        packaged_store,
        """SELECT DISTINCT ?parent WHERE { ?c skos:broader ?parent .
             FILTER NOT EXISTS { ?parent skos:prefLabel ?l ; skos:definition ?d ; mkg:definitionSource ?s } }""",
    )
    assert bad == []


def test_no_cycles_in_the_hierarchy(packaged_store: ox.Store) -> None:
    assert values(packaged_store, "SELECT ?c WHERE { ?c skos:broader+ ?c }") == []


def test_kinds_align_with_schema_org(packaged_store: ox.Store) -> None:
    for kind, schema_class in [
        ("Condition", "MedicalCondition"),
        ("SignOrSymptom", "MedicalSignOrSymptom"),
        ("MedicalProcedure", "MedicalProcedure"),
        ("AnatomicalStructure", "AnatomicalStructure"),
        ("RiskFactor", "MedicalRiskFactor"),
    ]:
        assert bool(run_query(packaged_store, f"ASK {{ mkg:{kind} rdfs:subClassOf schema:{schema_class} }}"))
    assert bool(run_query(packaged_store, "ASK { mkg:hasSymptom rdfs:subPropertyOf schema:signOrSymptom }"))


def test_lay_terms_are_typed(packaged_store: ox.Store) -> None:
    lay = values(
        packaged_store,
        """SELECT ?term WHERE { ?a owl:annotatedSource medkg:coccyx ; owl:annotatedTarget ?term ;
             oboInOwl:hasSynonymType OMO:0003003 }""",
    )
    assert lay == ["tailbone"]
