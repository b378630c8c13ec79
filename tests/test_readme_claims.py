"""README's statements about the graph, checked against the graph: the ontology's numbers of
classes and properties, and how concepts relate to skos:Concept (no inference in the store)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from medkg.graph.resources import ontology_dir
from medkg.sparql.client import prologue

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def count(store: ox.Store, where: str) -> int:
    rows = list(store.query(prologue() + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}",  # type: ignore[arg-type]
                            use_default_graph_as_union=True))
    return int(rows[0]["n"].value)


def test_the_ontology_sizes_in_readme() -> None:
    store = ox.Store()
    for path in ontology_dir().glob("*.ttl"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    said = re.search(r"the schema: (\d+) classes .*? and (\d+) properties", README)
    assert said is not None
    classes = count(store, "?x a owl:Class FILTER(isIRI(?x))")
    properties = count(store, "VALUES ?t { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty rdf:Property } ?x a ?t")
    assert (int(said.group(1)), int(said.group(2))) == (classes, properties)


def test_concepts_are_skos_concepts_by_entailment_only(packaged_store: ox.Store) -> None:
    assert "`?c a skos:Concept` finds\n  none of them" in README
    assert count(packaged_store, "?x a skos:Concept") == 0
    concepts = count(packaged_store, "?x a/rdfs:subClassOf* mkg:Concept")
    assert concepts > 0 and count(packaged_store, "?x a/rdfs:subClassOf* skos:Concept") == concepts
