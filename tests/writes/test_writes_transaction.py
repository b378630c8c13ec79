"""Curated writes on a real pyoxigraph store with the real shapes: accepted, rejected, recorded."""

from __future__ import annotations

import hashlib
import itertools
import threading

import pyoxigraph as ox
import pytest

from medkg.graph.loading import new_store
from medkg.validation import validate_store
from medkg.writes import (
    GraphStoreOperation,
    MalformedWrite,
    WriteCore,
    WriteForbidden,
    WriteRejected,
    WriteTooLarge,
)

DATA = "<https://w3id.org/medkg/graph/data>"
PREFIXES = """PREFIX medkg: <https://w3id.org/medkg/concept/>
PREFIX mkg: <https://w3id.org/medkg/ontology/>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
CORRECTION = PREFIXES + f"""
DELETE DATA {{ GRAPH {DATA} {{ medkg:fracture oboInOwl:hasExactSynonym "bone fracture"@en }} }} ;
INSERT DATA {{ GRAPH {DATA} {{ medkg:fracture oboInOwl:hasExactSynonym "fractured bone"@en }} }}
"""


def canonical_hash(store: ox.Store) -> str:
    dataset = ox.Dataset(store.quads_for_pattern(None, None, None, None))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return hashlib.sha256("\n".join(sorted(str(q) for q in dataset)).encode()).hexdigest()


@pytest.fixture(params=[False, True], ids=["staged", "in-place"])
def core(request: pytest.FixtureRequest) -> WriteCore:
    # Both ways a write reaches the store: on a staging copy (the default), and in place (the
    # server's single-threaded writer), where a rejected write must be undone exactly.
    return WriteCore(new_store(), max_request_bytes=64 * 1024, max_changed_triples=500, in_place=request.param)


def _rejected(core: WriteCore, update: str) -> WriteRejected:
    before = canonical_hash(core.store)
    with pytest.raises(WriteRejected) as caught:
        core.update(update, token_name="alice")
    assert canonical_hash(core.store) == before  # the graph is exactly as it was
    return caught.value


def test_violating_update_rejected_with_report_and_graph_identical(core: WriteCore) -> None:
    error = _rejected(core, PREFIXES + f"INSERT DATA {{ GRAPH {DATA} {{ medkg:osteoporosis mkg:hasSymptom medkg:sacrum }} }}")
    assert error.status == 422
    shapes = {str(r.source_shape).rsplit("/", 1)[-1] for r in error.report.violations}
    assert "hasSymptom-target-class" in shapes
    assert "hasSymptom" in error.report.to_json()


def test_deleting_a_label_is_rejected(core: WriteCore) -> None:
    error = _rejected(core, PREFIXES + f"DELETE WHERE {{ GRAPH {DATA} {{ medkg:osteoporosis skos:prefLabel ?l }} }}")
    assert any(str(r.focus_node).endswith("concept/osteoporosis") for r in error.report.violations)


def test_deleting_a_concept_breaks_its_neighbours(core: WriteCore) -> None:
    # The violations are on other nodes (axioms, referrers): found through the focus neighbours.
    error = _rejected(core, PREFIXES + f"DELETE WHERE {{ GRAPH {DATA} {{ medkg:sacrum ?p ?o }} }}")
    assert any(not str(r.focus_node).endswith("concept/sacrum") for r in error.report.violations)


def test_deleting_an_annotated_synonym_without_its_axiom_is_rejected(core: WriteCore) -> None:
    error = _rejected(core, PREFIXES + f'DELETE DATA {{ GRAPH {DATA} {{ medkg:osteoporosis oboInOwl:hasRelatedSynonym "thin bones"@en }} }}')
    assert [str(r.source_shape).rsplit("/", 1)[-1] for r in error.report.violations] == ["AxiomTripleShape"]


def test_malformed_update(core: WriteCore) -> None:
    before = canonical_hash(core.store)
    with pytest.raises(MalformedWrite) as caught:
        core.update("INSERT DATA { <a> <b> ", token_name="alice")
    assert caught.value.status == 400 and "syntax" in str(caught.value).lower()
    assert canonical_hash(core.store) == before


def test_oversized_update_bytes(core: WriteCore) -> None:
    big = PREFIXES + "INSERT DATA { " + "#" * (70 * 1024) + "\n }"
    with pytest.raises(WriteTooLarge) as caught:
        core.update(big, token_name="alice")
    assert caught.value.status == 413


def test_oversized_update_triples(core: WriteCore) -> None:
    before = canonical_hash(core.store)
    with pytest.raises(WriteTooLarge):
        core.update(f"DELETE WHERE {{ GRAPH {DATA} {{ ?s ?p ?o }} }}", token_name="alice")
    assert canonical_hash(core.store) == before


def test_load_and_provenance_graph_are_forbidden(core: WriteCore) -> None:
    with pytest.raises(WriteForbidden):
        core.update("LOAD <http://127.0.0.1:9/x.ttl>", token_name="alice")
    core.update(CORRECTION, token_name="alice")  # now the provenance graph exists
    before = canonical_hash(core.store)
    with pytest.raises(WriteForbidden):  # caught on what changes, however the IRI is spelt
        core.update("PREFIX g: <https://w3id.org/medkg/graph/> DROP GRAPH g:provenance", token_name="alice")
    assert canonical_hash(core.store) == before


def test_accepted_correction_is_applied_and_recorded(core: WriteCore) -> None:
    old_store = core.store
    result = core.update(CORRECTION, token_name="alice")
    assert (result.added, result.removed) == (1, 1) and not result.full_validation
    synonym = ox.Literal("fractured bone", language="en")
    assert list(core.store.quads_for_pattern(None, None, synonym))
    if not core.in_place:
        assert not list(old_store.quads_for_pattern(None, None, synonym))  # a held snapshot is unchanged
    rows = list(core.store.query(
        """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        SELECT ?a ?who ?added ?removed ?text WHERE { GRAPH <https://w3id.org/medkg/graph/provenance> {
            ?a a prov:Activity ; prov:endedAtTime ?t ; prov:wasAssociatedWith/foaf:name ?who ;
               <https://w3id.org/medkg/ontology/triplesAdded> ?added ;
               <https://w3id.org/medkg/ontology/triplesRemoved> ?removed ; prov:value ?text } }"""))
    assert len(rows) == 1
    assert rows[0]["a"].value == result.activity
    assert (rows[0]["who"].value, rows[0]["added"].value, rows[0]["removed"].value) == ("alice", "1", "1")
    assert "fractured bone" in rows[0]["text"].value
    assert validate_store(core.store).conforms  # the record itself conforms to the shapes


def test_graph_store_put_post_delete(core: WriteCore) -> None:
    graph = "https://w3id.org/medkg/graph/curation"
    turtle = b"""@prefix medkg: <https://w3id.org/medkg/concept/> .
        @prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
        medkg:osteoporosis oboInOwl:hasExactSynonym "brittle bone disease"@en ."""
    result = core.graph_store(GraphStoreOperation("PUT", graph, turtle), token_name="bob")
    assert result.added == 1
    result = core.graph_store(GraphStoreOperation("POST", graph, turtle.replace(b"brittle", b"fragile")), token_name="bob")
    assert result.added == 1
    assert len(list(core.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))) == 2
    result = core.graph_store(GraphStoreOperation("DELETE", graph), token_name="bob")
    assert result.removed == 2 and not core.store.contains_named_graph(ox.NamedNode(graph))
    with pytest.raises(MalformedWrite):
        core.graph_store(GraphStoreOperation("PUT", graph, b"this is not turtle ."), token_name="bob")


def test_bad_graph_store_put_leaves_store_identical(core: WriteCore) -> None:
    before = canonical_hash(core.store)
    turtle = b"""@prefix medkg: <https://w3id.org/medkg/concept/> .
        @prefix mkg: <https://w3id.org/medkg/ontology/> .
        medkg:osteoporosis mkg:hasSymptom medkg:sacrum ."""
    with pytest.raises(WriteRejected):
        core.graph_store(GraphStoreOperation("PUT", "https://w3id.org/medkg/graph/curation", turtle), token_name="bob")
    assert canonical_hash(core.store) == before


def test_writes_are_serialized(core: WriteCore) -> None:
    # Two writers at once: both land (neither overwrites the other's staged copy).
    updates = [PREFIXES + f'INSERT DATA {{ GRAPH {DATA} {{ medkg:osteoporosis oboInOwl:hasExactSynonym "syn {i}"@en }} }}'
               for i in range(2)]
    threads = [threading.Thread(target=core.update, args=(u,), kwargs={"token_name": "t"}) for u in updates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        assert list(core.store.quads_for_pattern(None, None, ox.Literal(f"syn {i}", language="en")))


def test_readers_never_see_half_a_write(core: WriteCore) -> None:
    # Each write swaps one synonym for another in one update: a reader taking `core.store` must
    # always find exactly one of them, never both and never none. (Not in place: that mode is for
    # a store no one reads while it is written.)
    if core.in_place:
        pytest.skip("in-place writes are for a single-threaded owner")
    names = [f"rotating synonym {i}" for i in range(4)]
    core.update(PREFIXES + f'INSERT DATA {{ GRAPH {DATA} {{ medkg:fracture oboInOwl:hasRelatedSynonym "{names[0]}"@en }} }}',
                token_name="t")
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            store = core.store
            seen.append(sum(1 for n in names if list(store.quads_for_pattern(None, None, ox.Literal(n, language="en")))))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for old, new in itertools.pairwise(names):
            core.update(PREFIXES + f"""
                DELETE DATA {{ GRAPH {DATA} {{ medkg:fracture oboInOwl:hasRelatedSynonym "{old}"@en }} }} ;
                INSERT DATA {{ GRAPH {DATA} {{ medkg:fracture oboInOwl:hasRelatedSynonym "{new}"@en }} }}""", token_name="t")
    finally:
        done.set()
        reader.join()
    assert seen and set(seen) == {1}


@pytest.mark.parametrize("update", [
    f"INSERT DATA {{ GRAPH {DATA} {{ medkg:osteoporosis mkg:hasSymptom medkg:sacrum }} }}",
    f"DELETE WHERE {{ GRAPH {DATA} {{ medkg:osteoporosis skos:prefLabel ?l }} }}",
    f"DELETE WHERE {{ GRAPH {DATA} {{ medkg:sacrum ?p ?o }} }}",
    f'DELETE DATA {{ GRAPH {DATA} {{ medkg:osteoporosis oboInOwl:hasRelatedSynonym "thin bones"@en }} }}',
    # a code as object (shapes targeting objects of a mapping), a code without label, a kind change
    f"INSERT DATA {{ GRAPH {DATA} {{ medkg:sacrum skos:exactMatch <http://purl.bioontology.org/ontology/ICD10CM/Q76.4> }} }}",
    f"INSERT DATA {{ GRAPH {DATA} {{ medkg:coccyx a mkg:Disease }} }}",
    # axioms (blank nodes) losing their source
    f"DELETE WHERE {{ GRAPH {DATA} {{ ?ax <http://www.w3.org/2002/07/owl#annotatedSource> medkg:sacroplasty ; <http://purl.org/dc/terms/source> ?s }} }}",
])
def test_focused_validation_agrees_with_full_validation(update: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from medkg.writes import focus

    quads = lambda s: set(s.quads_for_pattern(None, None, None, None))
    before = new_store()
    after = ox.Store()
    after.extend(quads(before))  # the same blank nodes
    after.update(PREFIXES + update)
    changed = quads(before) ^ quads(after)
    nodes = focus.focus_nodes(changed, [before, after])
    key = lambda report: {(r.focus_node, r.source_shape, r.path, r.value, r.message) for r in report.results}
    full = {k for k in key(validate_store(after)) if k[0] in {focus.to_rdflib(n) for n in nodes}}
    per_node = key(focus.validate_focus(after, nodes))  # one query per check and node
    monkeypatch.setattr(focus, "PER_NODE_MAX", 0)
    marked = key(focus.validate_focus(after, nodes))  # one query per check, the nodes in a marker graph
    assert full and per_node == marked == full
    assert quads(after) == quads(before) ^ changed  # the scratch graph is gone


def test_data_operations_apply_in_order(core: WriteCore) -> None:
    synonym = f'GRAPH {DATA} {{ medkg:fracture oboInOwl:hasExactSynonym "bone fracture"@en }}'
    # Deleting then re-inserting a triple changes nothing; inserting what is there adds nothing.
    result = core.update(PREFIXES + f"DELETE DATA {{ {synonym} }} ; INSERT DATA {{ {synonym} }}", token_name="alice")
    assert (result.added, result.removed, result.activity) == (0, 0, "")
    result = core.update(PREFIXES + f"INSERT DATA {{ {synonym} }}", token_name="alice")
    assert (result.added, result.removed) == (0, 0)
    gone = f'GRAPH {DATA} {{ medkg:fracture oboInOwl:hasExactSynonym "no such synonym"@en }}'
    assert core.update(PREFIXES + f"DELETE DATA {{ {gone} }}", token_name="alice").removed == 0


def test_blank_node_in_delete_data_is_malformed(core: WriteCore) -> None:
    with pytest.raises(MalformedWrite):
        core.update(PREFIXES + f"DELETE DATA {{ GRAPH {DATA} {{ _:b skos:prefLabel \"x\"@en }} }}", token_name="alice")


def test_data_requests_are_read_without_running_them(core: WriteCore) -> None:
    from medkg.sparql.text import data_operations

    assert [kind for kind, _ in data_operations(CORRECTION) or []] == ["DELETE", "INSERT"]
    assert data_operations(PREFIXES + f"DELETE WHERE {{ GRAPH {DATA} {{ medkg:sacrum ?p ?o }} }}") is None
    assert data_operations(CORRECTION + " ; CLEAR ALL") is None
    before = canonical_hash(core.store)
    result = core.update(CORRECTION, token_name="alice")  # the same result as through a staging copy
    assert (result.added, result.removed) == (1, 1) and canonical_hash(core.store) != before


OTHER_BASE = "https://example.org/kg/"


@pytest.mark.parametrize("update, breaks", [
    ("INSERT DATA {{ GRAPH <{b}graph/data> {{ <{b}concept/osteoporosis> <{b}ontology/hasSymptom> <{b}concept/sacrum> }} }}",
     {"hasSymptom-target-class"}),
    (("INSERT DATA {{ GRAPH <{b}graph/data> {{ <{b}concept/bogus> a <{b}ontology/Condition> ; "
      "<{b}ontology/hasSymptom> <{b}concept/defined-nowhere> }} }}"),
     {"DanglingReferenceShape", "prefLabel-required", "hasSymptom-target-class"}),
])
def test_writes_are_checked_under_another_base(update: str, breaks: set[str]) -> None:
    # Served with --base, the graph and the shapes move under it together: the same write breaks the
    # same shapes as under the default base (the shapes once stayed behind and checked nothing).
    broken = []
    for base in ("https://w3id.org/medkg/", OTHER_BASE):
        core = WriteCore(new_store(base=base), base=base, in_place=True)
        error = _rejected(core, update.format(b=base))
        broken.append({str(r.source_shape).rsplit("/", 1)[-1] for r in error.report.violations})
    assert broken[0] == broken[1] and breaks <= broken[1]
    core = WriteCore(new_store(base=OTHER_BASE), base=OTHER_BASE)
    accepted = core.update(f'INSERT DATA {{ GRAPH <{OTHER_BASE}graph/data> {{ <{OTHER_BASE}concept/fracture> '
                           f'<http://www.geneontology.org/formats/oboInOwl#hasExactSynonym> "fractured bone"@en }} }}',
                           token_name="alice")
    assert accepted.added == 1 and accepted.activity.startswith(OTHER_BASE)
