"""On a real `medkg serve --write-token`: updates and Graph Store writes see the query's default graph,
and a write that changes nothing is never a silent 200 (issue 14, item 2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import LiveServer, start_server

pytestmark = pytest.mark.server

SECRET = "s3cret-curator-token-0456"
AUTH = {"Authorization": "Bearer " + SECRET}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
PREFIXES = "PREFIX medkg: <https://w3id.org/medkg/concept/>\nPREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>\n"
DATA = "https://w3id.org/medkg/graph/data"


@pytest.fixture(scope="module")
def writable() -> Iterator[LiveServer]:
    with start_server("--write-token", "bob:" + SECRET, "--workers", "2") as server:
        yield server


def _graphs_of(client: object, triple: str) -> list[str]:
    answer = client.get("/sparql", params={"query": PREFIXES + f"SELECT ?g WHERE {{ GRAPH ?g {{ {triple} }} }}"},  # type: ignore[attr-defined]
                        headers={"accept": "application/sparql-results+json"})
    return sorted(b["g"]["value"] for b in answer.json()["results"]["bindings"])


def test_the_example_of_the_issue_is_not_a_silent_200(writable: LiveServer) -> None:
    with writable.client() as client:
        answer = client.post("/sparql", content=PREFIXES + "DELETE WHERE { medkg:sacroplasty ?p ?o }", headers=UPDATE)
        # It matches the concept's triples now; deleting them all breaks the shapes: 422 with the report.
        assert answer.status_code == 422 and answer.json()["report"]


def test_delete_and_insert_without_graph(writable: LiveServer) -> None:
    synonym = 'medkg:fracture oboInOwl:hasExactSynonym "bone fracture"@en'
    with writable.client() as client:
        assert _graphs_of(client, synonym) == [DATA]
        answer = client.post("/sparql", content=PREFIXES + f"DELETE WHERE {{ {synonym} }}", headers=UPDATE)
        assert answer.status_code == 200 and answer.json()["removed"] == 1
        assert _graphs_of(client, synonym) == []
        answer = client.post("/sparql", content=PREFIXES + f"INSERT DATA {{ {synonym} }}", headers=UPDATE)
        assert answer.status_code == 200 and answer.json()["added"] == 1
        assert _graphs_of(client, synonym) == [DATA]  # back where it was: the data graph


@pytest.mark.parametrize("update", [
    "DELETE WHERE { medkg:no-such-concept ?p ?o }",
    'DELETE DATA { medkg:fracture oboInOwl:hasExactSynonym "no such synonym"@en }',
    'INSERT DATA { medkg:fracture oboInOwl:hasExactSynonym "bone fracture"@en }',  # there already
])
def test_an_update_that_changes_nothing_is_409_saying_so(writable: LiveServer, update: str) -> None:
    with writable.client() as client:
        answer = client.post("/sparql", content=PREFIXES + update, headers=UPDATE)
        body = answer.json()
        assert answer.status_code == 409 and body["error"] == "no_change" and "nothing changed" in body["message"]
        assert (body["added"], body["removed"]) == (0, 0)


def test_clear_default_is_refused_with_how_to_name_the_graph(writable: LiveServer) -> None:
    with writable.client() as client:
        answer = client.post("/sparql", content="CLEAR DEFAULT", headers=UPDATE)
        assert answer.status_code == 400 and "name the graph" in answer.json()["message"]


def test_graph_store_on_the_default_graph(writable: LiveServer) -> None:
    turtle = '<https://w3id.org/medkg/concept/fracture> <http://www.geneontology.org/formats/oboInOwl#hasRelatedSynonym> "broken bone"@en .'
    headers = {"Content-Type": "text/turtle", **AUTH}
    with writable.client() as client:
        answer = client.post("/store?default", content=turtle, headers=headers)
        assert answer.status_code == 200 and answer.json()["added"] == 1
        assert _graphs_of(client, 'medkg:fracture oboInOwl:hasRelatedSynonym "broken bone"@en') == [DATA]
        again = client.post("/store?default", content=turtle, headers=headers)
        assert again.status_code == 409 and again.json()["error"] == "no_change"
        for method in ("PUT", "DELETE"):
            refused = client.request(method, "/store?default", content=turtle if method == "PUT" else b"", headers=headers)
            assert refused.status_code == 405 and "POST" in refused.headers["allow"]
            assert "?graph=" in refused.json()["message"]


def test_the_service_description_says_so(writable: LiveServer) -> None:
    with writable.client() as client:
        description = client.get("/sparql", headers={"accept": "text/turtle"}).text
        assert "union of the named graphs" in description and f"<{DATA}>" in description
