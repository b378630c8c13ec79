"""How the server follows a committed write (issue 15: a write on the full graph in < 0.5 s): the
front's store in place, the VoID statistics of the changed graphs, and the imported vocabularies'
graphs closed to writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import LiveServer, json_term, start_server

from medkg.graph.loading import new_store
from medkg.sparql.description import dataset_statistics
from medkg.store.backends import apply_change, parse_nquads
from medkg.store.statistics import DatasetStatistics, saved_beside
from medkg.vocabularies.model import NAMES, graph_iri
from medkg.writes.serving import LiveStore, success_reply
from medkg.writes.transaction import GraphStoreOperation, MalformedWrite, WriteCore, WriteForbidden

SLICE = Path(__file__).parents[1] / "fixtures" / "vocab" / "slice.trig"  # tests/concepts/vocab_slice.py
SECRET = "s3cret-curator-token-0789"
AUTH = {"Authorization": "Bearer " + SECRET}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
DATA = "https://w3id.org/medkg/graph/data"
VOCABULARY_GRAPHS = frozenset(graph_iri(name) for name in NAMES)
PREFIXES = ("PREFIX medkg: <https://w3id.org/medkg/concept/>\nPREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX obo: <http://purl.obolibrary.org/obo/>\n")
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


# -- the imported vocabularies' graphs are closed to writes -----------------------------------------

@pytest.fixture()
def core() -> WriteCore:
    store = new_store()
    store.load(path=str(SLICE), format=ox.RdfFormat.TRIG)
    return WriteCore(store, in_place=True, read_only_graphs=VOCABULARY_GRAPHS)


@pytest.mark.parametrize("update", [
    f"INSERT DATA {{ GRAPH <{graph_iri('hpo')}> {{ obo:HP_0002659 oboInOwl:hasExactSynonym \"brittle bones\" }} }}",
    f"DELETE DATA {{ GRAPH <{graph_iri('hpo')}> {{ obo:HP_0002659 rdfs:label \"Increased susceptibility to fractures\" }} }}",
    "DELETE WHERE { obo:HP_0002659 rdfs:label ?label }",  # the union default graph: it reaches the vocabulary's copy
    f"CLEAR GRAPH <{graph_iri('icd10cm')}>",
    f"DROP GRAPH <{graph_iri('hpo-annotations')}>",
])
def test_an_update_that_would_change_a_vocabulary_is_403_and_changes_nothing(core: WriteCore, update: str) -> None:
    before = set(core.store.quads_for_pattern(None, None, None, None))
    with pytest.raises(WriteForbidden) as refused:
        core.update(PREFIXES + update, token_name="curator")
    assert "imported vocabulary" in str(refused.value) and DATA in str(refused.value)  # says where to write instead
    assert set(core.store.quads_for_pattern(None, None, None, None)) == before


# Each graph-management operation that would change a vocabulary's graph, in the spellings an IRI
# may take; checked by name, so refused alike whether or not the store holds that vocabulary.
_HPO = graph_iri("hpo")
_MANAGEMENT = [
    f"DROP GRAPH <{_HPO}>",
    f"DROP SILENT GRAPH <{_HPO}>",
    f"CLEAR SILENT GRAPH <{_HPO}>",
    f"CREATE GRAPH <{_HPO}>",
    f"PREFIX g: <{_HPO.rsplit('/', 1)[0]}/>\nDROP GRAPH g:hpo",
    f"BASE <{_HPO.rsplit('/', 2)[0]}/>\nCLEAR GRAPH <graph/hpo>",
    f"ADD SILENT GRAPH <{DATA}> TO GRAPH <{_HPO}>",
    f"COPY <{DATA}> TO <{_HPO}>",
    f"MOVE GRAPH <{_HPO}> TO GRAPH <{DATA}>",  # a move empties its source
    f"INSERT DATA {{ GRAPH <{DATA}> {{ medkg:osteoporosis oboInOwl:hasExactSynonym \"x\" }} }} ;\n# DROP\ndrop graph <{_HPO}>",
]


@pytest.mark.parametrize("with_vocabulary", [True, False], ids=["loaded", "absent"])
@pytest.mark.parametrize("update", _MANAGEMENT)
def test_graph_operations_on_a_vocabulary_graph_are_403_loaded_or_not(update: str, with_vocabulary: bool) -> None:
    store = new_store()
    if with_vocabulary:
        store.load(path=str(SLICE), format=ox.RdfFormat.TRIG)
    core = WriteCore(store, in_place=True, read_only_graphs=VOCABULARY_GRAPHS)
    before = set(store.quads_for_pattern(None, None, None, None))
    with pytest.raises(WriteForbidden) as refused:
        core.update(PREFIXES + update, token_name="curator")
    assert f"<{_HPO}> holds an imported vocabulary" in str(refused.value)
    assert set(core.store.quads_for_pattern(None, None, None, None)) == before


def test_reading_a_vocabulary_graph_in_a_graph_operation_is_not_refused_by_name() -> None:
    from medkg.writes.graph_operations import operation_graphs

    assert operation_graphs(f"COPY GRAPH <{_HPO}> TO GRAPH <{DATA}>", {}) == ({DATA}, {_HPO})
    assert operation_graphs(f"ADD <{_HPO}> TO <{DATA}>", {}) == ({DATA}, {_HPO})
    assert operation_graphs(f"MOVE <{_HPO}> TO DEFAULT", {}) == ({_HPO}, {_HPO})
    assert operation_graphs(f"INSERT {{ GRAPH <{DATA}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{_HPO}> {{ ?s ?p ?o }} }}", {}) == (set(), set())
    assert operation_graphs("DROP GRAPH <unparsable", {}) == (set(), set())  # the engine reports it


@pytest.mark.parametrize("update", [
    f"COPY <{_HPO}> TO <{DATA}>",  # the fresh-user trial: 200, the whole data graph removed
    f"COPY SILENT <{_HPO}> TO <{DATA}>",
    f"COPY GRAPH <https://w3id.org/medkg/graph/nothing-here> TO GRAPH <{DATA}>",
    f"MOVE SILENT <https://w3id.org/medkg/graph/nothing-here> TO <{DATA}>",
    f"ADD <https://w3id.org/medkg/graph/nothing-here> TO <{DATA}>",
    f"PREFIX g: <https://w3id.org/medkg/graph/>\nCOPY g:typo TO g:data",
])
def test_copying_from_a_graph_that_does_not_exist_is_refused_and_changes_nothing(update: str) -> None:
    store = new_store()  # the packaged graph: no vocabulary loaded
    core = WriteCore(store, in_place=True, read_only_graphs=VOCABULARY_GRAPHS)
    before = set(store.quads_for_pattern(None, None, None, None))
    with pytest.raises(MalformedWrite, match="does not exist"):
        core.update(PREFIXES + update, token_name="curator")
    assert set(core.store.quads_for_pattern(None, None, None, None)) == before


def test_copying_from_a_graph_that_exists_is_not_refused_by_that_check() -> None:
    store = new_store()
    core = WriteCore(store, in_place=True, read_only_graphs=VOCABULARY_GRAPHS)
    core.update(PREFIXES + f'INSERT DATA {{ GRAPH <urn:test:extra> {{ medkg:osteoporosis oboInOwl:hasExactSynonym "x"@en }} }}',
                token_name="curator")
    result = core.update(f"ADD <urn:test:extra> TO <{DATA}>", token_name="curator")
    assert result.added == 1


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_a_graph_store_write_to_a_vocabulary_is_403(core: WriteCore, method: str) -> None:
    before = len(core.store)
    op = GraphStoreOperation(method, graph_iri("icd10cm"), b"<https://x.example/a> <https://x.example/b> 1 .", "text/turtle")
    with pytest.raises(WriteForbidden):
        core.graph_store(op, token_name="curator")
    assert len(core.store) == before


def test_curated_graphs_stay_writable(core: WriteCore) -> None:
    result = core.update(PREFIXES + f'INSERT DATA {{ GRAPH <{DATA}> {{ medkg:osteoporosis oboInOwl:hasExactSynonym "thin bones"@en }} }}',
                         token_name="curator")
    assert result.added >= 1


# -- the front's store follows in place, and no reader sees half of a write -------------------------

def test_the_front_follows_each_change_exactly_as_the_writer_applied_it() -> None:
    writer = WriteCore(new_store(), in_place=True)
    front = ox.Store()  # the front: a copy with the same blank nodes, as a fork gives the server's
    front.extend(writer.store.quads_for_pattern(None, None, None, None))
    for update in [
        f'INSERT DATA {{ GRAPH <{DATA}> {{ medkg:osteoporosis oboInOwl:hasExactSynonym "thin bones"@en }} }}',
        f'DELETE DATA {{ GRAPH <{DATA}> {{ medkg:osteoporosis oboInOwl:hasExactSynonym "thin bones"@en }} }}',
        'INSERT DATA { GRAPH <https://w3id.org/medkg/graph/notes> { medkg:osteoporosis rdfs:comment "a note" } }',
        "DROP GRAPH <https://w3id.org/medkg/graph/notes>",  # emptied: gone from both
    ]:
        reply = success_reply(writer.update(PREFIXES + update, token_name="curator"))  # as the front gets it
        apply_change(front, parse_nquads(reply["added_quads"]), parse_nquads(reply["removed_quads"]))
        assert set(front.quads_for_pattern(None, None, None, None)) == set(writer.store.quads_for_pattern(None, None, None, None))
        assert set(front.named_graphs()) == set(writer.store.named_graphs())


def test_readers_of_the_live_store_never_see_half_of_a_change() -> None:
    # Each change swaps one triple for another (several transactions in the store); every query
    # that starts meanwhile must see exactly one of the two.
    a = ox.Quad(ox.NamedNode("https://x.example/a"), ox.NamedNode("https://x.example/p"), ox.Literal("a"), ox.NamedNode(DATA))
    b = ox.Quad(ox.NamedNode("https://x.example/b"), ox.NamedNode("https://x.example/p"), ox.Literal("b"), ox.NamedNode(DATA))
    store = ox.Store()
    store.extend([a] + [ox.Quad(ox.NamedNode(f"https://x.example/n{i}"), a.predicate, ox.Literal(i), a.graph_name)
                        for i in range(2000)])
    live = LiveStore(store)
    stop = threading.Event()
    seen: list[int] = []

    def swap() -> None:
        current, other = a, b
        while not stop.is_set():
            def change(s: ox.Store, old: ox.Quad = current, new: ox.Quad = other) -> ox.Store:
                s.remove(old)
                time.sleep(0.0005)  # a wide gap between the two transactions
                s.extend([new])
                return s
            live.follow(change)
            current, other = other, current
            time.sleep(0.0002)  # writes are rare: a writer waiting holds new reads off, so let them in

    writer = threading.Thread(target=swap)
    writer.start()
    try:
        for _ in range(1000):
            rows = live.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { VALUES ?s { <https://x.example/a> <https://x.example/b> } ?s ?p ?o } }")
            seen.append(int(next(iter(rows))["n"].value))
    finally:
        stop.set()
        writer.join()
    assert set(seen) == {1}


# -- the VoID statistics follow writes, and are kept beside an on-disk store -------------------------

def test_statistics_follow_a_change_to_the_counts_of_a_fresh_count() -> None:
    store = new_store()
    statistics = DatasetStatistics(store)
    assert statistics.get() == dataset_statistics(store)
    writer = WriteCore(store, in_place=True)
    for update in [
        f'INSERT DATA {{ GRAPH <{DATA}> {{ medkg:osteoporosis oboInOwl:hasExactSynonym "thin bones"@en }} }}',
        'INSERT DATA { GRAPH <https://w3id.org/medkg/graph/notes> { medkg:osteoporosis rdfs:comment "a note" } }',
        "DROP GRAPH <https://w3id.org/medkg/graph/notes>",
    ]:
        result = writer.update(PREFIXES + update, token_name="curator")
        statistics.follow({q.graph_name.value for q in result.added_quads | result.removed_quads})
        assert statistics.get() == dataset_statistics(store)


def test_statistics_are_kept_beside_an_on_disk_store(tmp_path: Path) -> None:
    folder = tmp_path / "store-0123"
    writer = ox.Store(str(folder))
    writer.load(path=str(SLICE), format=ox.RdfFormat.TRIG)
    writer.flush()
    del writer
    store = ox.Store.read_only(str(folder))
    saved = saved_beside(folder, "https://w3id.org/medkg/")
    assert saved is not None
    counted = DatasetStatistics(store, saved).get()
    assert counted == dataset_statistics(store) and saved.path.is_file()
    doctored = [counted[0].__class__(None, 1, 2, 3, 4, 5), *counted[1:]]
    saved.save(saved.key(), doctored)  # proof that the saved counts, not a count, answer next time
    assert DatasetStatistics(store, saved).get() == doctored
    saved.path.write_bytes(b"not a pickle")
    assert DatasetStatistics(store, saved).get() == counted


@pytest.fixture(scope="module")
def writable() -> Iterator[LiveServer]:
    with start_server("--write-token", "carol:" + SECRET, "--workers", "2") as server:
        yield server


def _served_statistics(client: httpx.Client) -> set[tuple[str | None, int, int, int, int, int]]:
    body = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert body.status_code == 200
    graph = ox.Store()
    graph.load(body.content, format=ox.RdfFormat.N_TRIPLES)
    rows = graph.query(f"""PREFIX sd: <{SD}> PREFIX void: <{VOID}>
        SELECT ?name ?t ?s ?p ?o ?c WHERE {{ ?g void:triples ?t ; void:distinctSubjects ?s ; void:properties ?p ;
        void:distinctObjects ?o ; void:classes ?c . OPTIONAL {{ ?n sd:graph ?g ; sd:name ?name }} }}""")
    return {(r["name"].value if r["name"] else None, *(int(r[v].value) for v in ("t", "s", "p", "o", "c")))  # type: ignore[misc]
            for r in rows}


def _fresh_statistics(client: httpx.Client) -> set[tuple[str | None, int, int, int, int, int]]:
    """The counts of every quad the server serves, counted anew in a store of their own."""
    rows = client.get("/sparql", params={"query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"},
                      headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    store = ox.Store()
    store.extend(ox.Quad(json_term(r["s"]), json_term(r["p"]), json_term(r["o"]), json_term(r["g"])) for r in rows)  # type: ignore[arg-type]
    return {(s.name, s.triples, s.distinct_subjects, s.properties, s.distinct_objects, s.classes)
            for s in dataset_statistics(store)}


@pytest.mark.server
def test_the_served_description_counts_what_the_server_holds_after_each_write(writable: LiveServer) -> None:
    with writable.client() as client:
        assert _served_statistics(client) == _fresh_statistics(client)
        for request in [
            (PREFIXES + f'INSERT DATA {{ GRAPH <{DATA}> {{ medkg:osteoporosis oboInOwl:hasExactSynonym "thin bones"@en }} }}', UPDATE),
            (PREFIXES + 'INSERT DATA { GRAPH <https://w3id.org/medkg/graph/notes> { medkg:osteoporosis rdfs:comment "a note" } }', UPDATE),
            ("DROP GRAPH <https://w3id.org/medkg/graph/notes>", UPDATE),
        ]:
            answer = client.post("/sparql", content=request[0], headers=request[1])
            assert answer.status_code == 200, answer.text
            assert _served_statistics(client) == _fresh_statistics(client)
        refused = client.post("/sparql", content=PREFIXES + f'INSERT DATA {{ GRAPH <{graph_iri("hpo")}> {{ obo:HP_0002659 rdfs:comment "x" }} }}',
                              headers=UPDATE)
        assert refused.status_code == 403 and "imported vocabulary" in refused.json()["message"]
