"""Updates see the default graph queries see: the union of the named graphs (issue 14, item 2)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from medkg.graph.loading import new_store
from medkg.writes import MalformedWrite, WriteCore, WriteRejected
from medkg.writes.default_graph import whole_graph_operation

B = "https://w3id.org/medkg/"
PREFIXES = f"PREFIX medkg: <{B}concept/>\nPREFIX mkg: <{B}ontology/>\nPREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>\n"
SYNONYM = 'medkg:fracture oboInOwl:hasExactSynonym "bone fracture"@en'
NEW = 'medkg:fracture oboInOwl:hasRelatedSynonym "broken bone"@en'
DATA, ONTOLOGY = ox.NamedNode(B + "graph/data"), ox.NamedNode(B + "graph/ontology")


@pytest.fixture(params=[False, True], ids=["staged", "in-place"])
def core(request: pytest.FixtureRequest) -> WriteCore:
    return WriteCore(new_store(), max_request_bytes=64 * 1024, max_changed_triples=2000, in_place=request.param)


def _triples(store: ox.Store, subject: str, graph: ox.NamedNode | None = None) -> list[ox.Quad]:
    return list(store.quads_for_pattern(ox.NamedNode(B + "concept/" + subject), None, None, graph))


def _synonym(store: ox.Store, text: str, predicate: str = "hasExactSynonym") -> list[ox.Quad]:
    return list(store.quads_for_pattern(ox.NamedNode(B + "concept/fracture"),
                                        ox.NamedNode("http://www.geneontology.org/formats/oboInOwl#" + predicate),
                                        ox.Literal(text, language="en"), None))


def test_the_example_of_the_issue_is_no_longer_a_no_op(core: WriteCore) -> None:
    # DELETE WHERE { medkg:sacroplasty ?p ?o } without GRAPH matched nothing before. Now it
    # matches the concept's triples in the data graph; deleting them all would leave it without
    # a label and kind, so the shapes refuse it (422), the graph as it was.
    before = len(_triples(core.store, "sacroplasty"))
    with pytest.raises(WriteRejected) as refused:
        core.update(PREFIXES + "DELETE WHERE { medkg:sacroplasty ?p ?o }", token_name="alice")
    assert refused.value.report.violations and len(_triples(core.store, "sacroplasty")) == before > 5


def test_delete_where_without_graph_deletes_in_the_data_graph(core: WriteCore) -> None:
    result = core.update(PREFIXES + "DELETE WHERE { medkg:fracture oboInOwl:hasExactSynonym \"bone fracture\"@en }",
                         token_name="alice")
    assert result.removed == 1 and _synonym(core.store, "bone fracture") == []


def test_delete_where_without_graph_matches_the_union(core: WriteCore) -> None:
    assert [q.graph_name for q in _synonym(core.store, "bone fracture")] == [DATA]
    result = core.update(PREFIXES + f"DELETE {{ {SYNONYM} }} WHERE {{ {SYNONYM} }}", token_name="alice")
    assert result.removed >= 1 and _synonym(core.store, "bone fracture") == []
    assert list(core.store.quads_for_pattern(None, None, None, ox.DefaultGraph())) == []  # nothing left behind


def test_insert_without_graph_goes_to_the_data_graph(core: WriteCore) -> None:
    result = core.update(PREFIXES + f"INSERT {{ {NEW} }} WHERE {{ {SYNONYM} }}", token_name="alice")
    assert result.added == 1 and [q.graph_name for q in _synonym(core.store, "broken bone", "hasRelatedSynonym")] == [DATA]
    assert list(core.store.quads_for_pattern(None, None, None, ox.DefaultGraph())) == []


def test_insert_data_and_delete_data_without_graph(core: WriteCore) -> None:
    result = core.update(PREFIXES + f"INSERT DATA {{ {NEW} }}", token_name="alice")
    assert result.added == 1 and [q.graph_name for q in _synonym(core.store, "broken bone", "hasRelatedSynonym")] == [DATA]
    assert core.update(PREFIXES + f"INSERT DATA {{ {NEW} }}", token_name="alice").added == 0  # there already
    result = core.update(PREFIXES + f"DELETE DATA {{ {NEW} }}", token_name="alice")
    assert result.removed == 1 and _synonym(core.store, "broken bone", "hasRelatedSynonym") == []


def test_a_triple_in_two_graphs_is_deleted_from_both(core: WriteCore) -> None:
    label = ox.Quad(ox.NamedNode(B + "ontology/Fracture"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                    ox.Literal("held twice"), ONTOLOGY)
    core.store.extend([label, ox.Quad(label.subject, label.predicate, label.object, DATA)])
    result = core.update(f'DELETE DATA {{ <{B}ontology/Fracture> <http://www.w3.org/2000/01/rdf-schema#comment> "held twice" }}',
                         token_name="alice")
    assert result.removed == 2
    assert list(core.store.quads_for_pattern(label.subject, label.predicate, label.object, None)) == []


def test_named_graph_updates_are_unchanged(core: WriteCore) -> None:
    result = core.update(PREFIXES + f"DELETE WHERE {{ GRAPH <{DATA.value}> {{ {SYNONYM} }} }}", token_name="alice")
    assert result.removed == 1 and _synonym(core.store, "bone fracture") == []


def _whole_graph_forms() -> list[tuple[str, str, str]]:
    """Every way to name the whole graph: (update, keyword, target), in several spellings."""
    forms = []
    for keyword in ("CLEAR", "DROP"):
        for target in ("DEFAULT", "NAMED", "ALL"):
            for silent in ("", "SILENT "):
                forms.append((f"{keyword} {silent}{target}", keyword, target))
    for keyword in ("COPY", "MOVE", "ADD"):
        for silent in ("", "SILENT "):
            forms.append((f"{keyword} {silent}DEFAULT TO <{B}graph/x>", keyword, "DEFAULT"))
            forms.append((f"{keyword} {silent}GRAPH <{B}graph/x> TO DEFAULT", keyword, "DEFAULT"))
            forms.append((f"{keyword} {silent}<{B}graph/x> TO DEFAULT", keyword, "DEFAULT"))
    spelled = []
    for update, keyword, target in forms:
        spelled.append((update, keyword, target))
        spelled.append((update.lower(), keyword, target))
        spelled.append(("  " + update.replace(" ", " \n\t  ") + " ", keyword, target))  # spacing, new lines
        spelled.append((f"# CLEAR ALL in a comment\nINSERT DATA {{ <{B}concept/x> <{B}p> 1 }} ; {update}", keyword, target))
    return spelled


@pytest.mark.parametrize("update,keyword,target", _whole_graph_forms())
def test_every_whole_graph_operation_is_refused_naming_the_graph_to_use(update: str, keyword: str, target: str) -> None:
    # DROP ALL answered a 200 and deleted the whole curated graph while CLEAR DEFAULT was refused.
    core = WriteCore(new_store(), max_request_bytes=64 * 1024, max_changed_triples=2000)
    before = len(core.store)
    assert whole_graph_operation(update) == (keyword, target)
    with pytest.raises(MalformedWrite, match=f"{keyword} {target} would act on .* name the graph instead, "
                                             f"e.g. {keyword} GRAPH <{B}graph/data>"):
        core.update(update, token_name="alice")
    assert len(core.store) == before


def test_default_named_or_all_elsewhere_is_not_an_operation() -> None:
    assert whole_graph_operation('INSERT DATA { <http://x/CLEAR> <http://x/p> "DROP DEFAULT" }') is None
    assert whole_graph_operation("CLEAR GRAPH <http://x/g>") is None
    assert whole_graph_operation("DROP SILENT GRAPH <http://x/all>") is None
    assert whole_graph_operation("COPY <http://x/a> TO <http://x/b>") is None
    assert whole_graph_operation("DELETE { ?s ?p ?o } USING NAMED <http://x/g> WHERE { GRAPH ?g { ?s ?p ?o } }") is None
    assert whole_graph_operation("# DROP ALL\nCLEAR GRAPH <http://x/g>") is None


def test_an_insert_into_a_named_graph_is_kept_by_the_fold(core: WriteCore) -> None:
    # The fold must not read a triple new in a named graph (and absent from the default copy) as deleted.
    result = core.update(PREFIXES + f"INSERT {{ GRAPH <{DATA.value}> {{ {NEW} }} }} WHERE {{ {SYNONYM} }}", token_name="a")
    assert (result.added, result.removed) == (1, 0)
    assert [q.graph_name for q in _synonym(core.store, "broken bone", "hasRelatedSynonym")] == [DATA]


def test_a_delete_from_a_named_graph_is_not_undone_by_the_default_copy(core: WriteCore) -> None:
    result = core.update(PREFIXES + f"DELETE {{ GRAPH <{DATA.value}> {{ {SYNONYM} }} }} WHERE {{ {SYNONYM} }}", token_name="a")
    assert (result.added, result.removed) == (0, 1) and _synonym(core.store, "bone fracture") == []
