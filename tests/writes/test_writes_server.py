"""Curated writes against a real `medkg serve --write-token`: auth, rejection, commit, readers."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from conftest import LiveServer, json_term, start_server

pytestmark = pytest.mark.server

SECRET = "s3cret-curator-token-0123"
TOKEN = "alice:" + SECRET
AUTH = {"Authorization": "Bearer " + SECRET}
UPDATE = {"Content-Type": "application/sparql-update"}
DATA = "<https://w3id.org/medkg/graph/data>"
PREFIXES = """PREFIX medkg: <https://w3id.org/medkg/concept/>
PREFIX mkg: <https://w3id.org/medkg/ontology/>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
"""
CORRECTION = PREFIXES + f"""
DELETE DATA {{ GRAPH {DATA} {{ medkg:fracture oboInOwl:hasExactSynonym "bone fracture"@en }} }} ;
INSERT DATA {{ GRAPH {DATA} {{ medkg:fracture oboInOwl:hasExactSynonym "fractured bone"@en }} }}
"""
VIOLATION = PREFIXES + f"INSERT DATA {{ GRAPH {DATA} {{ medkg:osteoporosis mkg:hasSymptom medkg:sacrum }} }}"
SYNONYMS = "SELECT ?s WHERE { <https://w3id.org/medkg/concept/fracture> <http://www.geneontology.org/formats/oboInOwl#hasExactSynonym> ?s }"
ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def writable() -> Iterator[LiveServer]:
    with start_server("--write-token", TOKEN, "--workers", "2") as server:
        yield server


def graph_hash(client: httpx.Client) -> str:
    """A canonical hash of every quad the server serves (blank nodes canonicalized)."""
    response = client.get("/sparql", params={"query": ALL_QUADS}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    dataset = ox.Dataset(
        ox.Quad(json_term(b["s"]), json_term(b["p"]), json_term(b["o"]), json_term(b["g"]))  # type: ignore[arg-type]
        for b in response.json()["results"]["bindings"]
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return hashlib.sha256("\n".join(sorted(str(q) for q in dataset)).encode()).hexdigest()


def synonyms(client: httpx.Client) -> set[str]:
    response = client.get("/sparql", params={"query": SYNONYMS}, headers={"Accept": "application/sparql-results+json"})
    return {b["s"]["value"] for b in response.json()["results"]["bindings"]}


def test_update_without_token_is_401_with_bearer_challenge(writable: LiveServer) -> None:
    with writable.client() as client:
        before = graph_hash(client)
        response = client.post("/sparql", content=CORRECTION, headers=UPDATE)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert graph_hash(client) == before


def test_update_with_wrong_token_is_403(writable: LiveServer) -> None:
    with writable.client() as client:
        before = graph_hash(client)
        response = client.post("/sparql", data={"update": CORRECTION}, headers={"Authorization": "Bearer wrong-token-123456"})
        assert response.status_code == 403
        assert SECRET not in response.text
        assert graph_hash(client) == before


def test_read_only_server_refuses_updates(live_server: LiveServer) -> None:
    with live_server.client() as client:
        response = client.post("/sparql", content=CORRECTION, headers={**UPDATE, **AUTH})
        assert response.status_code == 403
        assert response.json()["error"] == "read_only"
        assert client.put("/store", params={"graph": "http://example.org/g"}, content=b"", headers=AUTH).status_code == 403


def test_violating_update_is_422_with_report_and_graph_identical(writable: LiveServer) -> None:
    with writable.client() as client:
        before = graph_hash(client)
        response = client.post("/sparql", content=VIOLATION, headers={**UPDATE, **AUTH})
        assert response.status_code == 422
        report = response.json()["report"]
        assert report["conforms"] is False
        assert any(r["sourceShape"].endswith("hasSymptom-target-class") for r in report["results"])
        assert graph_hash(client) == before


def test_malformed_update_is_400(writable: LiveServer) -> None:
    with writable.client() as client:
        before = graph_hash(client)
        response = client.post("/sparql", content="INSERT DATA { oops", headers={**UPDATE, **AUTH})
        assert response.status_code == 400
        assert graph_hash(client) == before


@pytest.mark.parametrize("update", ["DROP ALL", "CLEAR ALL", "DROP NAMED", "clear  silent named", "CLEAR DEFAULT",
                                    f"CLEAR GRAPH {DATA} ; DROP SILENT ALL"])
def test_whole_graph_operations_are_400_and_change_nothing(writable: LiveServer, update: str) -> None:
    # DROP ALL used to answer 200 with the whole curated graph gone.
    with writable.client() as client:
        before = graph_hash(client)
        for request in ({"content": update, "headers": {**UPDATE, **AUTH}}, {"data": {"update": update}, "headers": AUTH}):
            response = client.post("/sparql", **request)  # type: ignore[arg-type]
            assert response.status_code == 400, response.text
            assert "name the graph instead" in response.text and "graph/data" in response.text
        assert graph_hash(client) == before


def test_readme_no_change_example_is_409_with_its_prefix_undeclared(writable: LiveServer) -> None:
    # README: `DELETE WHERE { medkg:no-such-concept ?p ?o }` answered 400 "Prefix not found".
    with writable.client() as client:
        response = client.post("/sparql", content="DELETE WHERE { medkg:no-such-concept ?p ?o }", headers={**UPDATE, **AUTH})
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "no_change"


def test_oversized_update_is_413(writable: LiveServer) -> None:
    with writable.client() as client:
        before = graph_hash(client)
        big = PREFIXES + "INSERT DATA { " + "medkg:x mkg:y medkg:z . " * 50_000 + "}"
        response = client.post("/sparql", content=big, headers={**UPDATE, **AUTH})
        assert response.status_code == 413
        assert graph_hash(client) == before


def test_accepted_correction_is_seen_by_the_next_query_and_recorded(writable: LiveServer) -> None:
    with writable.client() as client:
        assert "bone fracture" in synonyms(client)  # cached by the server from now on
        response = client.post("/sparql", content=CORRECTION, headers={**UPDATE, **AUTH})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["added"], body["removed"]) == (1, 1)
        found = synonyms(client)
        assert "fractured bone" in found and "bone fracture" not in found
        # The concept API follows the write too.
        assert "fractured bone" in client.get("/api/concepts/fracture").text
        record = client.get("/sparql", headers={"Accept": "application/sparql-results+json"}, params={"query": f"""
            PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?who ?added ?what WHERE {{ GRAPH <https://w3id.org/medkg/graph/provenance> {{
              <{body['activity']}> a prov:Activity ; prov:wasAssociatedWith ?who ;
                 <https://w3id.org/medkg/ontology/triplesAdded> ?added ; prov:value ?what }} }}"""})
        [row] = record.json()["results"]["bindings"]
        assert row["who"]["value"].endswith("agent-alice")
        assert row["added"]["value"] == "1"
        assert "fractured bone" in row["what"]["value"]


def test_graph_store_protocol_put_get_post_delete(writable: LiveServer) -> None:
    graph = {"graph": "http://example.org/curation/notes"}
    turtle = {"Content-Type": "text/turtle"}
    with writable.client() as client:
        assert client.put("/store", params=graph, content=b"<http://example.org/a> <http://example.org/b> 1 .",
                          headers=turtle).status_code == 401
        response = client.put("/store", params=graph, headers={**turtle, **AUTH},
                              content=b"<http://example.org/a> <http://example.org/b> 1 .")
        assert response.status_code == 201, response.text
        assert client.post("/store", params=graph, headers={**turtle, **AUTH},
                           content=b"<http://example.org/a> <http://example.org/b> 2 .").status_code == 200
        got = client.get("/store", params=graph, headers={"Accept": "application/n-triples"})
        assert got.status_code == 200 and got.text.count("\n") == 2
        assert client.put("/store", params=graph, headers={"Content-Type": "text/csv", **AUTH},
                          content=b"x").status_code == 415
        assert client.delete("/store", params=graph, headers=AUTH).status_code == 200
        assert client.get("/store", params=graph).status_code == 404
        assert client.delete("/store", params=graph, headers=AUTH).status_code == 404


def test_concurrent_readers_never_see_a_half_applied_write(writable: LiveServer) -> None:
    # Each write replaces two triples at once; a reader must see both old or both new, never one.
    graph = "<http://example.org/curation/pair>"
    read = f"SELECT ?o WHERE {{ GRAPH {graph} {{ ?s <http://example.org/p> ?o }} }}"
    seen: list[tuple[str, ...]] = []
    failures: list[str] = []
    done = threading.Event()

    def reader() -> None:
        with writable.client() as client:
            while not done.is_set():
                response = client.get("/sparql", params={"query": read}, headers={"Accept": "application/sparql-results+json"})
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                    continue
                seen.append(tuple(sorted(b["o"]["value"] for b in response.json()["results"]["bindings"])))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        with writable.client() as client:
            for i in range(15):
                update = (f"DELETE WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} ; INSERT DATA {{ GRAPH {graph} {{ "
                          f"<http://example.org/a> <http://example.org/p> {i} . <http://example.org/b> <http://example.org/p> {i} }} }}")
                response = client.post("/sparql", content=update, headers={**UPDATE, **AUTH})
                assert response.status_code == 200, response.text
                # Acknowledged means visible.
                assert client.get("/sparql", params={"query": read}, headers={"Accept": "application/sparql-results+json"}).json()[
                    "results"]["bindings"][0]["o"]["value"] == str(i)
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert not failures
    assert seen
    assert all(row == () or (len(row) == 2 and row[0] == row[1]) for row in seen), sorted(set(seen))


# -- the on-disk store: acknowledged writes survive a crash ------------------------------------------


def test_acknowledged_writes_survive_sigkill_on_the_disk_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    directory = tmp_path_factory.mktemp("disk") / "store"
    args = ("--store", str(directory), "--write-token", TOKEN, "--workers", "2")
    graph = "http://example.org/curation/stream"
    acknowledged: list[int] = []
    with start_server(*args) as server:
        stop = threading.Event()

        def stream() -> None:
            with server.client() as client:
                for i in range(1000):
                    if stop.is_set():
                        return
                    try:
                        response = client.post("/store", params={"graph": graph}, headers={"Content-Type": "text/turtle", **AUTH},
                                               content=f"<http://example.org/w{i}> <http://example.org/n> {i} .".encode())
                    except httpx.TransportError:
                        return  # the server died mid-write: not acknowledged
                    if response.status_code not in (200, 201):
                        return
                    acknowledged.append(i)

        writer = threading.Thread(target=stream)
        writer.start()
        while len(acknowledged) < 4 and writer.is_alive():
            threading.Event().wait(0.05)
        server.process.kill()  # SIGKILL, most likely in the middle of the next write
        server.process.wait()
        stop.set()
        writer.join()
    assert len(acknowledged) >= 4
    with start_server(*args) as server, server.client() as client:
        response = client.get("/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200
        stored = {int(line.rsplit('"', 2)[1]) for line in response.text.splitlines() if line}
        assert set(acknowledged) <= stored
        # And the store still takes writes after the crash.
        assert client.post("/sparql", content=CORRECTION, headers={**UPDATE, **AUTH}).status_code == 200
    assert not list(directory.glob(".writing-*"))


def test_changed_inputs_do_not_reload_over_curated_writes(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("inputs")
    source = root / "graph.ttl"
    source.write_text("<http://example.org/a> <http://example.org/p> 1 .\n")
    directory = root / "store"
    args = (str(source), "--store", str(directory), "--no-validate", "--workers", "1")
    with start_server(*args, "--write-token", TOKEN) as server, server.client() as client:
        response = client.post("/sparql", headers={**UPDATE, **AUTH},
                               content="INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/b> <http://example.org/p> 2 } }")
        assert response.status_code == 200, response.text
    source.write_text("<http://example.org/a> <http://example.org/p> 3 .\n")
    with pytest.raises(RuntimeError, match="medkg export"), start_server(*args):
        pass
    with start_server(*args, "--force-reload") as server, server.client() as client:
        response = client.get("/sparql", params={"query": "ASK { <http://example.org/a> ?p 3 }"},
                              headers={"Accept": "application/sparql-results+json"})
        assert response.json()["boolean"] is True


def test_writes_are_checked_under_another_base() -> None:
    """`medkg serve --base`: the writer's shapes are moved under the base with the graph, so the
    violating write is refused there too, and a good one goes through."""
    base = "https://example.org/kg/"
    violation = VIOLATION.replace("https://w3id.org/medkg/", base)
    correction = CORRECTION.replace("https://w3id.org/medkg/", base)
    with start_server("--write-token", TOKEN, "--base", base) as server, server.client() as client:
        before = graph_hash(client)
        refused = client.post("/sparql", content=violation, headers={**UPDATE, **AUTH})
        assert refused.status_code == 422, refused.text
        assert graph_hash(client) == before
        assert client.post("/sparql", content=correction, headers={**UPDATE, **AUTH}).status_code == 200
